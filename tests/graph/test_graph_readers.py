"""Graph readers: networkx both ways, triples, TSV (good and bad lines), RDF, GML, edge lists,
and the `glassgrad graph info` command."""
import gzip
import json

import numpy as np
import pytest

from glassgrad.cli import main
from glassgrad.graph import Graph, read_graph

try:
    import networkx as nx
except ImportError:          # only the networkx tests skip; TSV, triples and RDF still run
    nx = None
needs_networkx = pytest.mark.skipif(nx is None, reason="networkx is not installed")


@needs_networkx
def test_from_networkx_keeps_labels_weights_qualifiers_and_round_trips():
    m = nx.MultiDiGraph()
    m.add_node("a", label="A")
    m.add_edge("a", "b", label="knows", weight=2.0, since=2001)
    m.add_edge("a", "b", label="likes")
    m.add_edge("b", "b", label="is")
    g = Graph.from_networkx(m)
    assert g.node_names == ["a", "b"] and g.node_labels == ["A", None]
    assert g.edge_labels == ["knows", "likes", "is"]
    assert g.edge_weight.tolist() == [2.0, 1.0, 1.0]          # networkx's default weight 1
    assert g.edge_qualifiers == [{"since": 2001}, {}, {}]
    a = g.properties().answers()
    assert a["multigraph"] and a["self_loops"] and a["directedness"] == "directed"
    back = g.to_networkx()
    assert isinstance(back, nx.MultiDiGraph)
    assert sorted((u, v, d["label"]) for u, v, d in back.edges(data=True)) == \
        [("a", "b", "knows"), ("a", "b", "likes"), ("b", "b", "is")]
    assert back.nodes["a"]["label"] == "A"


@needs_networkx
def test_karate_club_is_a_simple_weighted_undirected_graph():
    g = Graph.from_networkx(nx.karate_club_graph())
    assert (g.num_nodes, g.num_edges) == (34, 78)
    a = g.properties().answers()
    assert a["directedness"] == "undirected" and not a["multigraph"] and not a["self_loops"]
    assert a["edge_weights"] is True
    assert isinstance(g.to_networkx(), nx.Graph) and not g.to_networkx().is_directed()


@needs_networkx
def test_mixed_graph_to_networkx_writes_undirected_edges_as_two_arcs():
    out = Graph([[0, 1], [1, 2]], directed=[True, False]).to_networkx()
    assert isinstance(out, nx.DiGraph)
    assert sorted(out.edges()) == [(0, 1), (1, 2), (2, 1)]
    assert out.edges[2, 1]["directed"] is False


def test_from_triples_labels_and_ids():
    g = Graph.from_triples([("paris", "capital_of", "france"), ("lyon", "in", "france")])
    assert g.node_names == ["paris", "france", "lyon"]
    assert g.edge_index.tolist() == [[0, 2], [1, 1]]
    assert g.properties()["edge_labels"].answer == "unique"
    ids = Graph.from_triples(np.array([[0, 5, 1], [1, 5, 2]]))
    assert ids.num_nodes == 3 and ids.edge_labels == [5, 5]
    with pytest.raises(ValueError, match="triple 1 has 2 fields"):
        Graph.from_triples([("a", "r", "b"), ("a", "b")])


def test_from_tsv_layouts(tmp_path):
    plain = tmp_path / "plain.tsv"
    plain.write_text("# a comment\na\tb\n\nb\tc\n")
    g = Graph.from_tsv(plain)
    assert g.edge_labels is None and g.edge_index.tolist() == [[0, 1], [1, 2]]
    rich = tmp_path / "rich.tsv.gz"
    with gzip.open(rich, "wt") as handle:
        handle.write("a\tr\tb\t0.5\tsince=2001\tsource=x\nb\tr\tc\t2\n")
    g = Graph.from_tsv(rich)
    assert g.edge_labels == ["r", "r"] and g.edge_weight.tolist() == [0.5, 2.0]
    assert g.edge_qualifiers == [{"since": "2001", "source": "x"}, {}]


@pytest.mark.parametrize("text, message", [
    ("a\tb\nc\n", r"bad.tsv:2: expected 'head<TAB>tail'"),
    ("a\tr\tb\na\tb\n", r"bad.tsv:2: 2 fields, but the first data line had 3"),
    ("a\tr\tb\tlots\n", r"bad.tsv:1: the 4th field \(weight\) must be a number, got 'lots'"),
    ("a\tr\tb\tnan\n", r"bad.tsv:1: the edge weight is NaN"),
    ("a\tr\tb\t1\tnoequals\n", r"bad.tsv:1: qualifier 'noequals' is not key=value"),
    ("# only a comment\n", r"bad.tsv: no edges"),
])
def test_bad_tsv_lines_name_the_file_and_line(tmp_path, text, message):
    path = tmp_path / "bad.tsv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        Graph.from_tsv(path)


def test_binary_file_is_not_a_graph(tmp_path):
    path = tmp_path / "binary.tsv"
    path.write_bytes(b"\xff\xfe\x00\x81\x82")
    with pytest.raises(ValueError, match="not a UTF-8 text file"):
        Graph.from_tsv(path)


NT = """<http://ex.org/paris> <http://ex.org/capitalOf> <http://ex.org/france> .
<http://ex.org/lyon> <http://ex.org/in> <http://ex.org/france> .
<http://ex.org/paris> <http://www.w3.org/2000/01/rdf-schema#label> "Paris" .
<http://ex.org/lyon> <http://www.w3.org/2000/01/rdf-schema#label> "Paris" .
"""

TTL = """@prefix ex: <http://ex.org/> .
ex:paris ex:capitalOf ex:france ; ex:population "2100000" .
ex:lyon ex:in ex:france .
"""


def test_from_rdf_ntriples_and_turtle(tmp_path):
    pytest.importorskip("rdflib")
    nt = tmp_path / "cities.nt"
    nt.write_text(NT)
    g = Graph.from_rdf(nt)
    assert g.num_edges == 2 and g.num_nodes == 3
    assert set(g.edge_labels) == {"<http://ex.org/capitalOf>", "<http://ex.org/in>"}
    props = g.properties()
    # Two cities carry the rdfs:label "Paris": node labels are not unique.
    assert props["node_labels"].answer == "not unique"
    assert props["directedness"].answer == "directed"
    ttl = tmp_path / "cities.ttl"
    ttl.write_text(TTL)
    g = read_graph(ttl)
    assert g.num_edges == 3 and '"2100000"' in g.node_names


def test_bad_rdf_is_an_error_naming_the_file(tmp_path):
    pytest.importorskip("rdflib")
    path = tmp_path / "broken.nt"
    path.write_text("<http://ex.org/a> <http://ex.org/b> .\n")
    with pytest.raises(ValueError, match=r"broken.nt: not valid RDF \(nt\)"):
        Graph.from_rdf(path)


@needs_networkx
def test_gml_and_edgelist_via_networkx(tmp_path):
    gml = tmp_path / "g.gml"
    gml.write_text('graph [\n  node [ id 0 label "zero" ]\n  node [ id 1 label "one" ]\n'
                   '  edge [ source 0 target 1 ]\n]\n')
    g = read_graph(gml)
    assert g.node_labels == ["zero", "one"] and g.properties()["directedness"].answer == \
        "undirected"
    edgelist = tmp_path / "g.edgelist"
    edgelist.write_text("1 2\n2 3\n1 2\n")
    assert read_graph(edgelist).properties()["multigraph"].answer is True
    broken = tmp_path / "broken.gml"
    broken.write_text("graph [ node [ id 0 ")
    with pytest.raises(ValueError, match="broken.gml: not a valid gml file"):
        read_graph(broken)


def test_graph_info_command(tmp_path, capsys):
    path = tmp_path / "kg.tsv"
    path.write_text("a\tr\tb\nb\tr\ta\na\ts\ta\n")
    assert main(["graph", "info", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"{path}: 2 nodes, 3 edges"
    assert "self loops" in out and "not unique" in out
    assert main(["graph", "info", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["properties"]["self_loops"]["answer"] is True


def test_graph_info_errors(tmp_path, capsys):
    assert main(["graph", "info", str(tmp_path / "missing.tsv")]) == 2
    assert "no such file" in capsys.readouterr().err
    bad = tmp_path / "bad.tsv"
    bad.write_text("a\tr\tb\nonly\n")
    assert main(["graph", "info", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("glassgrad graph: error: ") and "bad.tsv:2" in err
    assert len(err.splitlines()) == 1
