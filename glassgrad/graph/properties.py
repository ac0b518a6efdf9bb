"""What kind of graph is this? The course's checklist, each answer with its count or evidence.

    self loops            an edge from a node to itself?
    multigraph            more than one edge between the same two nodes?
    directedness          directed (arcs), undirected (edges), or mixed (both)?
    edge labels           none, unique (each edge its own label) or not (labels are types)?
    node labels           none, unique (a label names one node) or not?
    edge weights          a number on each edge?
    edge qualifiers       key → value properties on edges?

Which model fits follows from the answers: a GCN wants an undirected simple graph (or treats
it as one), R-GCN and the KG embeddings want edge labels that repeat (relation types), an RDF
graph is a directed labelled multigraph, and qualifiers need a hyper-relational model.
"""
from collections import Counter
from dataclasses import dataclass

import numpy as np

_EXAMPLES = 3      # how many examples an evidence line quotes


@dataclass(frozen=True)
class Property:
    """One row of the checklist: `answer` (a bool or a word) and its `evidence` (a sentence)."""
    key: str
    question: str
    answer: object
    evidence: str


class GraphProperties:
    """The checklist's rows, by key (`props["multigraph"].answer`) or in order (iteration);
    `str()` is the table `glassgrad graph info` prints."""

    def __init__(self, rows):
        self.rows = list(rows)
        self._by_key = {row.key: row for row in self.rows}

    def __getitem__(self, key):
        return self._by_key[key]

    def __iter__(self):
        return iter(self.rows)

    def answers(self):
        """{key: answer}, e.g. for a test or a JSON file."""
        return {row.key: row.answer for row in self.rows}

    def table(self):
        cells = [(row.question, _word(row.answer), row.evidence) for row in self.rows]
        heads = ("property", "answer", "evidence")
        widths = [max(len(head), *(len(c[i]) for c in cells)) for i, head in enumerate(heads)]
        lines = ["  ".join(h.ljust(w) for h, w in zip(heads, widths)).rstrip(),
                 "  ".join("-" * w for w in widths)]
        lines += ["  ".join(c.ljust(w) for c, w in zip(cell, widths)).rstrip() for cell in cells]
        return "\n".join(lines)

    __str__ = table

    def __repr__(self):
        return f"GraphProperties({self.answers()})"


def _word(answer):
    return {True: "yes", False: "no"}.get(answer, str(answer)) if isinstance(answer, bool) \
        else str(answer)


def _edge_text(graph, e):
    u, v = (graph.name_of(int(i)) for i in graph.edge_index[:, e])
    arrow = "->" if graph.directed[e] else "--"
    label = ("" if graph.edge_labels is None or graph.edge_labels[e] is None
             else f" [{graph.edge_labels[e]}]")
    return f"{u} {arrow} {v}{label}"


def _self_loops(graph):
    loops = np.flatnonzero(graph.edge_index[0] == graph.edge_index[1])
    if not len(loops):
        return Property("self_loops", "self loops", False, "no edge joins a node to itself")
    examples = ", ".join(_edge_text(graph, e) for e in loops[:_EXAMPLES])
    return Property("self_loops", "self loops", True,
                    f"{len(loops)} of {graph.num_edges} edges, e.g. {examples}")


def _pair_keys(graph):
    """A key per edge that parallel edges share: (u, v) for an arc, {u, v} for an edge."""
    src, dst = graph.edge_index
    low, high = np.minimum(src, dst), np.maximum(src, dst)
    first = np.where(graph.directed, src, low)
    second = np.where(graph.directed, dst, high)
    return list(zip(first.tolist(), second.tolist(), graph.directed.tolist()))


def _multigraph(graph):
    groups = {}
    for e, key in enumerate(_pair_keys(graph)):
        groups.setdefault(key, []).append(e)
    parallel = [edges for edges in groups.values() if len(edges) > 1]
    if not parallel:
        return Property("multigraph", "multigraph", False,
                        "no two edges join the same two nodes (in the same direction)")
    count = sum(len(edges) for edges in parallel)
    labelled = ""
    if graph.edge_labels is not None:
        distinct = sum(len({graph.edge_labels[e] for e in edges}) == len(edges)
                       for edges in parallel)
        labelled = f", the labels all differ in {distinct} pairs"
    example = parallel[0]
    return Property("multigraph", "multigraph", True,
                    f"{len(parallel)} node pairs joined by more than one edge ({count} edges"
                    f"{labelled}), e.g. {_edge_text(graph, example[0])} ×{len(example)}")


def _directedness(graph):
    arcs = int(graph.directed.sum())
    edges = graph.num_edges - arcs
    if graph.num_edges == 0:
        return Property("directedness", "directed / undirected / mixed", "no edges",
                        "the graph has no edges")
    if arcs and edges:
        return Property("directedness", "directed / undirected / mixed", "mixed",
                        f"{arcs} directed and {edges} undirected edges")
    if edges:
        return Property("directedness", "directed / undirected / mixed", "undirected",
                        f"all {edges} edges are undirected")
    # All arcs: say whether each one's reverse (same label) is there too.
    labels = graph.edge_labels or [None] * arcs
    forward = set(zip(graph.edge_index[0].tolist(), graph.edge_index[1].tolist(), labels))
    reversed_present = sum((v, u, r) in forward for u, v, r in forward)
    note = (f"; every arc's reverse is present too (it could be read as undirected)"
            if reversed_present == len(forward) else
            f"; {reversed_present} of {len(forward)} distinct arcs have their reverse")
    return Property("directedness", "directed / undirected / mixed", "directed",
                    f"all {arcs} edges are directed{note}")


def _label_row(key, question, labels, what, total):
    """none / unique / not unique over the labelled items (None is no label), with counts."""
    present = [label for label in labels or () if label is not None]
    if not present:
        return Property(key, question, "none", f"no {what} carries a label")
    coverage = "" if len(present) == total else f" ({len(present)} of {total} {what}s labelled)"
    counts = Counter(present)
    if len(counts) == len(present):
        return Property(key, question, "unique",
                        f"{len(present)} labels, all distinct{coverage}")
    repeated = [(label, n) for label, n in counts.most_common() if n > 1]
    examples = ", ".join(f"{label!s} ×{n}" for label, n in repeated[:_EXAMPLES])
    return Property(key, question, "not unique",
                    f"{len(counts)} distinct labels on {len(present)} {what}s{coverage}; "
                    f"{len(repeated)} repeat, e.g. {examples}")


def _edge_weights(graph):
    if graph.edge_weight is None:
        return Property("edge_weights", "properties on edges: weights", False,
                        "no edge weights")
    w = graph.edge_weight
    return Property("edge_weights", "properties on edges: weights", True,
                    f"all {len(w)} edges, from {w.min():g} to {w.max():g} "
                    f"({len(np.unique(w))} distinct values)")


def _edge_qualifiers(graph):
    qualified = [q for q in graph.edge_qualifiers or () if q]
    if not qualified:
        return Property("edge_qualifiers", "properties on edges: qualifiers", False,
                        "no edge carries key → value qualifiers")
    keys = Counter(key for q in qualified for key in q)
    examples = ", ".join(f"{key} ({n})" for key, n in keys.most_common(_EXAMPLES + 2))
    return Property("edge_qualifiers", "properties on edges: qualifiers", True,
                    f"{len(qualified)} of {graph.num_edges} edges carry qualifiers; keys: "
                    f"{examples}")


def graph_properties(graph):
    """The checklist (a GraphProperties) for a glassgrad.graph.Graph."""
    return GraphProperties([
        _self_loops(graph),
        _multigraph(graph),
        _directedness(graph),
        _label_row("edge_labels", "edge labels", graph.edge_labels, "edge", graph.num_edges),
        _label_row("node_labels", "node labels", graph.node_labels, "node", graph.num_nodes),
        _edge_weights(graph),
        _edge_qualifiers(graph),
    ])


__all__ = ["GraphProperties", "Property", "graph_properties"]
