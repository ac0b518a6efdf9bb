"""glassgrad.graph: graphs as data (normalised adjacency, Cora, karate club)."""
from .datasets import NodeClassificationData, cora, karate_club
from .norm import gcn_norm

__all__ = ["NodeClassificationData", "cora", "gcn_norm", "karate_club"]
