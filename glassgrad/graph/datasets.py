"""Cora, shipped inside glassgrad (glassgrad/graph/data/cora.npz).

Cora citation graph in the Planetoid split of Kipf & Welling (2017): 2,708 papers, 1,433 binary
bag-of-words features, 7 classes, 5,278 undirected edges, 140 training / 500 validation /
1,000 test nodes. Copied from /work/shared/data/cora (converted from tkipf/gcn @ 39a4089,
gcn/data/ind.cora.*; repository MIT). The data set: McCallum, Nigam, Rennie & Seymore,
"Automating the construction of internet portals with machine learning", 2000; Sen et al.,
"Collective classification in network data", AI Magazine 2008; no formal licence,
redistributed for research.
"""
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CORA = Path(__file__).resolve().parent / "data" / "cora.npz"


@dataclass
class NodeClassificationData:
    x: np.ndarray            # (N, F) float32 features (dense)
    y: np.ndarray            # (N,) int64 classes
    edge_index: np.ndarray   # (2, E) int64, each undirected edge once
    train_idx: np.ndarray
    val_idx: np.ndarray
    test_idx: np.ndarray

    @property
    def num_nodes(self):
        return len(self.y)


def cora():
    """The Cora graph with dense features (CSR in the file)."""
    with np.load(CORA) as z:
        n, f = (int(v) for v in z["x_shape"])
        x = np.zeros((n, f), dtype=np.float32)
        indptr, indices = z["x_indptr"], z["x_indices"]
        rows = np.repeat(np.arange(n), np.diff(indptr))
        x[rows, indices] = z["x_data"]
        return NodeClassificationData(x, z["y"].astype(np.int64), z["edge_index"].astype(np.int64),
                                      z["train_idx"], z["val_idx"], z["test_idx"])


def karate_club():
    """Zachary's karate club (networkx, an optional extra): edges (2, E) and the faction of
    each of the 34 members (0 = Mr. Hi, 1 = Officer). Zachary, J. Anthropol. Res. 1977."""
    try:
        import networkx
    except ImportError:
        raise ImportError("karate_club: needs networkx (pip install networkx)") from None
    graph = networkx.karate_club_graph()
    edges = np.array(list(graph.edges()), dtype=np.int64).T
    y = np.array([0 if graph.nodes[i]["club"] == "Mr. Hi" else 1 for i in graph.nodes],
                 dtype=np.int64)
    return edges, y


__all__ = ["CORA", "NodeClassificationData", "cora", "karate_club"]
