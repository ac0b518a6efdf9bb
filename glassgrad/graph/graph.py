"""`Graph`: nodes and edges as arrays, with whatever a data set says about them.

A graph here is N nodes numbered 0..N-1 and E edges given as an index array `edge_index` of
shape (2, E) (row 0 the sources, row 1 the targets: PyTorch Geometric's layout), with optional
extras, each one entry per node or per edge:

- `node_names`   what the source called each node (a networkx key, an entity, an IRI);
- `node_labels`  a label per node (a name, a type: "are node labels unique?" asks whether
                 they identify the nodes);
- `edge_labels`  a label per edge (a relation type in a knowledge graph);
- `edge_weight`  a number per edge;
- `edge_qualifiers`  a dict key → value per edge (Wikidata's qualifiers, RDF-star's
                 annotations, property-graph properties);
- `directed`     one bool for the whole graph, or one per edge (a *mixed* graph has both).

`properties()` (glassgrad/graph/properties.py) answers the checklist of what kind of graph this
is. The constructors (from_networkx, from_triples, from_tsv, from_rdf) live in
glassgrad/graph/readers.py; they are attached here as class methods, so `Graph.from_tsv(path)`
reads as it should.
"""
import numpy as np


def _per_item(name, values, count, what):
    """A list of `count` entries (one per node or edge), or None; an error names the mismatch."""
    if values is None:
        return None
    values = list(values)
    if len(values) != count:
        raise ValueError(f"Graph: {name} must have one entry per {what} ({count}), got "
                         f"{len(values)}")
    return values


class Graph:
    """A graph of `num_nodes` nodes and the edges in `edge_index` (2, E).

    Args:
        edge_index: (2, E) integer array of (source, target) node indices in [0, num_nodes).
        num_nodes: the number of nodes (default: 1 + the largest index, 0 without edges).
        directed: True, False, or a (E,) bool array (True where the edge is an arc).
        node_names, node_labels: one entry per node, or None.
        edge_labels, edge_weight, edge_qualifiers: one entry per edge, or None
            (edge_qualifiers: a dict per edge; an empty dict for an edge without any).

    Example:
        >>> g = Graph([[0, 1], [1, 2]], edge_labels=["knows", "likes"])
        >>> g.num_nodes, g.num_edges
        (3, 2)
    """

    def __init__(self, edge_index, num_nodes=None, directed=True, node_names=None,
                 node_labels=None, edge_labels=None, edge_weight=None, edge_qualifiers=None):
        edge_index = np.asarray(edge_index)
        if edge_index.size == 0:
            edge_index = edge_index.reshape(2, 0)
        if edge_index.ndim != 2 or edge_index.shape[0] != 2:
            raise ValueError(f"Graph: edge_index must have shape (2, E), got "
                             f"{edge_index.shape}")
        if edge_index.size and not np.issubdtype(edge_index.dtype, np.integer):
            rounded = edge_index.astype(np.int64)
            if not np.array_equal(rounded, edge_index):
                raise ValueError(f"Graph: edge_index must hold integer node indices, got "
                                 f"dtype {edge_index.dtype}")
        edge_index = edge_index.astype(np.int64)
        num_edges = edge_index.shape[1]
        if num_nodes is None:
            num_nodes = int(edge_index.max()) + 1 if num_edges else 0
        num_nodes = int(num_nodes)
        if num_edges and (edge_index.min() < 0 or edge_index.max() >= num_nodes):
            bad = int(np.argmax((edge_index < 0).any(0) | (edge_index >= num_nodes).any(0)))
            raise IndexError(f"Graph: edge indices must be in [0, {num_nodes}), got edge {bad} "
                             f"= ({edge_index[0, bad]}, {edge_index[1, bad]})")
        self.edge_index = edge_index
        self.num_nodes = num_nodes
        if np.ndim(directed) == 0:
            self.directed = np.full(num_edges, bool(directed))
        else:
            self.directed = np.asarray(directed, dtype=bool)
            if self.directed.shape != (num_edges,):
                raise ValueError(f"Graph: directed must be a bool or one bool per edge "
                                 f"({num_edges}), got shape {self.directed.shape}")
        self.node_names = _per_item("node_names", node_names, num_nodes, "node")
        self.node_labels = _per_item("node_labels", node_labels, num_nodes, "node")
        self.edge_labels = _per_item("edge_labels", edge_labels, num_edges, "edge")
        self.edge_qualifiers = _per_item("edge_qualifiers", edge_qualifiers, num_edges, "edge")
        if self.edge_qualifiers is not None:
            self.edge_qualifiers = [dict(q or {}) for q in self.edge_qualifiers]
        self.edge_weight = None
        if edge_weight is not None:
            weight = np.asarray(edge_weight, dtype=np.float64)
            if weight.shape != (num_edges,):
                raise ValueError(f"Graph: edge_weight must have one entry per edge "
                                 f"({num_edges}), got shape {weight.shape}")
            if np.isnan(weight).any():
                raise ValueError(f"Graph: edge_weight contains NaN (edge "
                                 f"{int(np.argmax(np.isnan(weight)))}); expected numbers")
            self.edge_weight = weight

    @property
    def num_edges(self):
        return self.edge_index.shape[1]

    # --- views for learning -----------------------------------------------------------------
    def relations(self):
        """(edge_type (E,) int64, names): each edge's label as an id into the sorted distinct
        labels, the relation types of R-GCN. A graph without edge labels has one relation."""
        if self.edge_labels is None:
            return np.zeros(self.num_edges, dtype=np.int64), [None]
        names = sorted(set(self.edge_labels), key=str)
        ids = {name: i for i, name in enumerate(names)}
        return np.array([ids[label] for label in self.edge_labels], dtype=np.int64), names

    def symmetric_edge_index(self):
        """(2, E') with each undirected edge in both directions and each arc once: who can walk
        to whom (for random walks and message passing)."""
        back = self.edge_index[::-1, ~self.directed]
        return np.concatenate([self.edge_index, back], axis=1)

    def neighbours(self):
        """CSR (indptr (N+1,), indices) of the out-neighbours along symmetric_edge_index(),
        each row sorted; a node's neighbours are indices[indptr[v]:indptr[v+1]]."""
        src, dst = self.symmetric_edge_index()
        order = np.lexsort((dst, src))
        indptr = np.zeros(self.num_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=self.num_nodes), out=indptr[1:])
        return indptr, dst[order]

    def name_of(self, node):
        return node if self.node_names is None else self.node_names[node]

    def properties(self):
        """The checklist of what kind of graph this is (see glassgrad.graph.properties)."""
        from .properties import graph_properties
        return graph_properties(self)

    def __repr__(self):
        extras = [name for name in ("node_labels", "edge_labels", "edge_weight",
                                    "edge_qualifiers") if getattr(self, name) is not None]
        kind = ("directed" if self.directed.all() else "undirected" if not self.directed.any()
                else "mixed")
        if self.num_edges == 0:
            kind = "no edges"
        more = f"; {', '.join(extras)}" if extras else ""
        return f"Graph({self.num_nodes} nodes, {self.num_edges} edges, {kind}{more})"


__all__ = ["Graph"]
