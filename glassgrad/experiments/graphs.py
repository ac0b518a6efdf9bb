"""Graphs (issue 14): the karate club's factions from node embeddings and from a GCN, and R-GCN
entity classification on UMLS.

    glassgrad experiments run karate_club --size full --out figures
    glassgrad experiments run rgcn_umls --size full

karate_club: DeepWalk (Perozzi et al. 2014) and node2vec (Grover & Leskovec 2016; p = 1,
q = 0.5) embeddings of Zachary's club (16-D), each read by a leave-one-out logistic-regression
probe of the faction (accuracy, Wilson 95% CI, per seed and pooled), with a 2-D plot of one
coloured by faction; and a two-layer GCN (Kipf & Welling 2017) trained on the labels of nodes
0 and 33 only, accuracy on the other 32 members, mean ± std over seeds.

rgcn_umls: the two-layer R-GCN of Schlichtkrull et al. (2018) on the UMLS entity classes of
glassgrad.graph.entity_classification, mean ± std test accuracy over seeded 60/40 splits, and
the majority-class baseline.
"""
import numpy as np

from . import can_draw, register
from ..random import Generator
from ..train.metrics import wilson_interval

SIZES = {"small": {"seeds": 1, "gcn_seeds": 3}, "full": {"seeds": 5, "gcn_seeds": 10}}
RGCN_SEEDS = {"small": 2, "full": 10}


def _pooled(correct, n):
    low, high = wilson_interval(correct, n)
    return {"accuracy": correct / n, "ci95": [low, high], "n": n}


@register("karate_club")
def run_karate(size="small", out_dir=None, seed=0):
    """Karate club: DeepWalk/node2vec faction probe and a GCN from one label per faction."""
    from ..graph import Graph, karate_club
    from ..graph.embeddings import deepwalk, node2vec
    from ..graph.karate import embedding_probe, karate_gcn, plot_embedding
    import networkx
    config = SIZES[size]
    graph = Graph.from_networkx(networkx.karate_club_graph())
    _, y = karate_club()
    out = {"size": size, "figures": []}
    embeddings = {}
    for name, q in (("deepwalk", 1.0), ("node2vec", 0.5)):
        scores = []
        for s in range(seed, seed + config["seeds"]):
            if name == "deepwalk":
                embedding = deepwalk(graph, generator=Generator(s))
            else:
                embedding = node2vec(graph, p=1.0, q=q, generator=Generator(s))
            embeddings.setdefault(name, embedding)
            scores.append(embedding_probe(embedding, y))
        correct = sum(round(sc.value * sc.n) for sc in scores)
        out[name] = {"per_seed": [round(sc.value, 4) for sc in scores],
                     "mean": float(np.mean([sc.value for sc in scores])),
                     "pooled": _pooled(correct, sum(sc.n for sc in scores))}
    gcn = [karate_gcn(seed=s)[0] for s in range(seed, seed + config["gcn_seeds"])]
    out["gcn"] = {"per_seed": [round(a, 4) for a in gcn], "mean": float(np.mean(gcn)),
                  "std": float(np.std(gcn)),
                  "pooled": _pooled(int(round(sum(gcn) * 32)), 32 * len(gcn))}
    if out_dir is not None and can_draw():
        out["figures"].append(plot_embedding(
            embeddings["node2vec"], y, f"{out_dir}/karate_node2vec.png",
            title=f"karate club, node2vec (p=1, q=0.5): probe "
                  f"{100 * out['node2vec']['per_seed'][0]:.0f}%"))
    return out


@register("rgcn_umls")
def run_rgcn(size="small", out_dir=None, seed=0):
    """R-GCN entity classification on UMLS (4 semantic classes, isa removed)."""
    from ..graph.entity_classification import rgcn_entity_classification, umls_entity_classes
    data = umls_entity_classes()
    runs = [rgcn_entity_classification(data, seed=s)
            for s in range(seed, seed + RGCN_SEEDS[size])]
    accuracies = [float(r["accuracy"]) for r in runs]
    return {"size": size, "per_seed": [round(a, 4) for a in accuracies],
            "mean": float(np.mean(accuracies)), "std": float(np.std(accuracies)),
            "pooled": _pooled(sum(r["correct"] for r in runs), sum(r["n_test"] for r in runs)),
            "majority": float(np.mean([r["majority"] for r in runs]))}


__all__ = ["run_karate", "run_rgcn"]
