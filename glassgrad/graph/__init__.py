"""glassgrad.graph: graphs as data (Graph, its properties, readers), node embeddings (DeepWalk,
node2vec, skip-gram), and the data sets (Cora, karate club, UMLS entity classes)."""
from .datasets import NodeClassificationData, cora, karate_club
from .graph import Graph
from .norm import gcn_norm
from .properties import GraphProperties, Property, graph_properties
from .readers import from_networkx, from_rdf, from_triples, from_tsv, read_graph, to_networkx

__all__ = ["Graph", "GraphProperties", "NodeClassificationData", "Property", "cora",
           "from_networkx", "from_rdf", "from_triples", "from_tsv", "gcn_norm",
           "graph_properties", "karate_club", "read_graph", "to_networkx"]
