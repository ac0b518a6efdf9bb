"""Graph: each checklist property on hand-built graphs where it is present and where it is not;
bad input (indices out of range, NaN weights, mismatched lengths) is an error that names it."""
import numpy as np
import pytest

from glassgrad.graph import Graph


def answers(graph):
    return graph.properties().answers()


def test_a_simple_undirected_graph_has_none_of_the_properties():
    g = Graph([[0, 1, 2], [1, 2, 0]], directed=False)
    a = answers(g)
    assert a == {"self_loops": False, "multigraph": False, "directedness": "undirected",
                 "edge_labels": "none", "node_labels": "none", "edge_weights": False,
                 "edge_qualifiers": False}
    assert "all 3 edges are undirected" in g.properties()["directedness"].evidence


def test_self_loops_are_counted():
    g = Graph([[0, 1, 2], [0, 2, 2]])
    row = g.properties()["self_loops"]
    assert row.answer is True and row.evidence.startswith("2 of 3 edges")


def test_multigraph_parallel_edges_and_direction():
    # Two arcs 0→1 are parallel; 0→1 and 1→0 are not (opposite directions).
    assert answers(Graph([[0, 0], [1, 1]]))["multigraph"] is True
    assert answers(Graph([[0, 1], [1, 0]]))["multigraph"] is False
    # Undirected: {0, 1} twice, written either way round, is a multigraph.
    row = Graph([[0, 1], [1, 0]], directed=False).properties()["multigraph"]
    assert row.answer is True and "1 node pairs" in row.evidence
    labelled = Graph([[0, 0], [1, 1]], edge_labels=["likes", "knows"]).properties()
    assert "the labels all differ in 1 pairs" in labelled["multigraph"].evidence


def test_directed_undirected_and_mixed():
    assert answers(Graph([[0], [1]], directed=True))["directedness"] == "directed"
    assert answers(Graph([[0], [1]], directed=False))["directedness"] == "undirected"
    mixed = Graph([[0, 1], [1, 2]], directed=[True, False]).properties()["directedness"]
    assert mixed.answer == "mixed" and mixed.evidence == "1 directed and 1 undirected edges"
    both_ways = Graph([[0, 1], [1, 0]]).properties()["directedness"].evidence
    assert "every arc's reverse is present" in both_ways


def test_edge_labels_unique_or_not():
    assert answers(Graph([[0, 1], [1, 2]], edge_labels=["a", "b"]))["edge_labels"] == "unique"
    row = Graph([[0, 1, 2], [1, 2, 0]], edge_labels=["r", "r", "s"]).properties()["edge_labels"]
    assert row.answer == "not unique"
    assert row.evidence.startswith("2 distinct labels on 3 edges") and "r ×2" in row.evidence


def test_node_labels_unique_or_not_and_partial():
    edges = [[0, 1], [1, 2]]
    assert answers(Graph(edges, node_labels=["x", "y", "z"]))["node_labels"] == "unique"
    assert answers(Graph(edges, node_labels=["x", "x", "z"]))["node_labels"] == "not unique"
    partial = Graph(edges, node_labels=["x", None, "z"]).properties()["node_labels"]
    assert partial.answer == "unique" and "2 of 3 nodes labelled" in partial.evidence
    assert answers(Graph(edges, node_labels=[None] * 3))["node_labels"] == "none"


def test_edge_weights_and_qualifiers():
    g = Graph([[0, 1], [1, 2]], edge_weight=[0.5, 2.0],
              edge_qualifiers=[{"since": "2001"}, {}])
    props = g.properties()
    assert props["edge_weights"].answer is True
    assert props["edge_weights"].evidence.startswith("all 2 edges, from 0.5 to 2")
    assert props["edge_qualifiers"].answer is True
    assert "1 of 2 edges carry qualifiers; keys: since (1)" in props["edge_qualifiers"].evidence
    assert answers(Graph([[0], [1]], edge_qualifiers=[{}]))["edge_qualifiers"] is False


def test_table_lists_every_question():
    table = Graph([[0], [0]]).properties().table()
    for question in ("self loops", "multigraph", "directed / undirected / mixed", "edge labels",
                     "node labels", "properties on edges: weights",
                     "properties on edges: qualifiers"):
        assert question in table
    assert table.splitlines()[0].split() == ["property", "answer", "evidence"]


def test_relations_neighbours_and_repr():
    g = Graph([[0, 1, 2], [1, 2, 0]], directed=[True, False, True], edge_labels=["b", "a", "b"])
    types, names = g.relations()
    assert names == ["a", "b"] and types.tolist() == [1, 0, 1]
    indptr, indices = g.neighbours()       # 0→1, 1–2 (both ways), 2→0
    assert [indices[indptr[v]:indptr[v + 1]].tolist() for v in range(3)] == [[1], [2], [0, 1]]
    assert repr(g) == "Graph(3 nodes, 3 edges, mixed; edge_labels)"


def test_bad_input_is_named():
    with pytest.raises(IndexError, match=r"Graph: edge indices must be in \[0, 3\), got edge 1 "
                                         r"= \(1, 3\)"):
        Graph([[0, 1], [1, 3]], num_nodes=3)
    with pytest.raises(IndexError, match="Graph: edge indices"):
        Graph([[0, -1], [1, 2]])
    with pytest.raises(ValueError, match=r"Graph: edge_weight contains NaN \(edge 1\)"):
        Graph([[0, 1], [1, 2]], edge_weight=[1.0, np.nan])
    with pytest.raises(ValueError, match=r"Graph: edge_index must have shape \(2, E\), got "
                                         r"\(3, 1\)"):
        Graph([[0], [1], [2]])
    with pytest.raises(ValueError, match=r"Graph: edge_labels must have one entry per edge "
                                         r"\(2\), got 1"):
        Graph([[0, 1], [1, 2]], edge_labels=["a"])
    with pytest.raises(ValueError, match="integer node indices"):
        Graph([[0.5], [1.0]])
    with pytest.raises(ValueError, match="one bool per edge"):
        Graph([[0, 1], [1, 2]], directed=[True])
