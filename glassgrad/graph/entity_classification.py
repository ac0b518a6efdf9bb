"""R-GCN entity classification on UMLS: is a concept a physical object, a conceptual entity, an
activity, or a phenomenon or process, judged from its other relations?

The task (built here from the vendored UMLS triples, glassgrad/kg/data; no download). UMLS's
135 entities are the semantic types of the UMLS Semantic Network (McCray 2003), whose `isa`
hierarchy has two roots, Entity and Event, each split in two: Physical Object and Conceptual
Entity, Activity and Phenomenon or Process. Each type's class is the one of those four it
`isa` (or is); `entity` and `event` themselves have none. This gives 133 labelled nodes: 62
physical objects, 37 conceptual entities, 19 phenomena or processes, 15 activities (majority
class 46.6%). All 500 `isa` triples are then removed, so the class must be inferred from the
other 45 relations (affects, location_of, produces, ...), as R-GCN's AIFB/MUTAG/BGS/AM tasks
remove the label-giving relation (Schlichtkrull et al. 2018, §4; the data sets there need a
download, this one does not).

The model is the paper's: two RGCNConv layers on featureless input (x = I), 16 hidden units,
inverse relations added, basis decomposition, ReLU between, Adam lr 0.01, L2 5e-4 on the first
layer, 50 epochs full-batch; a seeded stratified split.
"""
from dataclasses import dataclass

import numpy as np

from .. import nn, optim
from ..autograd import no_grad
from ..creation import tensor
from ..random import manual_seed
from ..train.metrics import Score, wilson_interval

CLASSES = ("physical_object", "conceptual_entity", "activity", "phenomenon_or_process")
LABEL_RELATION = "isa"


@dataclass
class EntityClassificationData:
    """Entities, relation-typed edges (the label relation removed) and the class of each
    labelled entity (-1: none)."""
    entities: list
    relations: list
    edge_index: np.ndarray        # (2, E) head → tail
    edge_type: np.ndarray         # (E,) ids into relations
    y: np.ndarray                 # (N,) class ids into CLASSES, -1 for the unlabelled roots

    @property
    def num_nodes(self):
        return len(self.entities)

    @property
    def labelled(self):
        return np.flatnonzero(self.y >= 0)


def with_inverse_relations(edge_index, edge_type, num_relations):
    """Edges and types with every edge's reverse added as relation r + R (the paper's
    inverse relations): returns (edge_index (2, 2E), edge_type (2E,), 2R)."""
    edge_index, edge_type = np.asarray(edge_index), np.asarray(edge_type)
    return (np.concatenate([edge_index, edge_index[::-1]], axis=1),
            np.concatenate([edge_type, edge_type + num_relations]), 2 * num_relations)


def umls_entity_classes():
    """The UMLS entity-classification task described above (all three splits' triples)."""
    from ..kg.datasets import DATA
    from ..kg.triples import read_triples_file
    triples = [t for split in ("train", "valid", "test")
               for t in read_triples_file(DATA / f"umls-{split}.txt.gz")]
    entities = sorted({x for h, _, t in triples for x in (h, t)})
    ancestors = {e: {e} for e in entities}
    for h, r, t in triples:
        if r == LABEL_RELATION:
            ancestors[h].add(t)
    y = np.full(len(entities), -1, dtype=np.int64)
    for i, entity in enumerate(entities):
        found = [c for c, name in enumerate(CLASSES) if name in ancestors[entity]]
        if len(found) > 1:
            raise ValueError(f"umls_entity_classes: {entity} falls in two classes: {found}")
        if found:
            y[i] = found[0]
    kept = [(h, r, t) for h, r, t in triples if r != LABEL_RELATION]
    relations = sorted({r for _, r, _ in kept})
    node, relation = {e: i for i, e in enumerate(entities)}, {r: i for i, r in enumerate(relations)}
    edge_index = np.array([[node[h] for h, _, _ in kept], [node[t] for _, _, t in kept]])
    edge_type = np.array([relation[r] for _, r, _ in kept])
    return EntityClassificationData(entities, relations, edge_index, edge_type, y)


def stratified_split(y, train_fraction, generator):
    """(train, test) node ids: `train_fraction` of each class (at least one) trains."""
    train, test = [], []
    for c in np.unique(y[y >= 0]):
        members = generator.permutation(np.flatnonzero(y == c))
        cut = max(1, int(round(train_fraction * len(members))))
        train.append(members[:cut])
        test.append(members[cut:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


class RGCN(nn.Module):
    """Two RGCNConv layers on featureless input: logits (N, num_classes)."""

    def __init__(self, num_nodes, num_relations, num_classes, hidden=16, num_bases=None):
        super().__init__()
        self.first = nn.RGCNConv(num_nodes, hidden, num_relations, num_bases)
        self.second = nn.RGCNConv(hidden, num_classes, num_relations, num_bases)

    def forward(self, edge_index, edge_type):
        hidden = nn.functional.relu(self.first(None, edge_index, edge_type))
        return self.second(hidden, edge_index, edge_type)


def rgcn_entity_classification(data=None, seed=0, train_fraction=0.6, hidden=16,
                               num_bases=10, epochs=50, lr=0.01, weight_decay=5e-4):
    """Train and test one R-GCN on a seeded split; returns {"accuracy": Score (Wilson CI),
    "correct", "n_test", "majority" (the majority class's test accuracy)}."""
    data = umls_entity_classes() if data is None else data
    generator = np.random.default_rng(seed)
    train, test = stratified_split(data.y, train_fraction, generator)
    edge_index, edge_type, num_relations = with_inverse_relations(
        data.edge_index, data.edge_type, len(data.relations))
    manual_seed(seed)
    model = RGCN(data.num_nodes, num_relations, len(CLASSES), hidden, num_bases)
    optimizer = optim.Adam([{"params": model.first.parameters(), "weight_decay": weight_decay},
                            {"params": model.second.parameters()}], lr=lr)
    target = tensor(data.y[train])
    for _ in range(epochs):
        optimizer.zero_grad()
        logits = model(edge_index, edge_type)
        nn.functional.cross_entropy(logits[train], target).backward()
        optimizer.step()
    with no_grad():
        predicted = model(edge_index, edge_type).argmax(1)._data
    correct = int((predicted[test] == data.y[test]).sum())
    low, high = wilson_interval(correct, len(test))
    majority = np.bincount(data.y[train]).argmax()
    return {"accuracy": Score("accuracy", correct / len(test), low, high, n=len(test),
                              method="wilson"),
            "correct": correct, "n_test": len(test),
            "majority": float((data.y[test] == majority).mean())}


__all__ = ["CLASSES", "EntityClassificationData", "RGCN", "rgcn_entity_classification",
           "stratified_split", "umls_entity_classes", "with_inverse_relations"]
