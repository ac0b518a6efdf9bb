"""Building a `Graph` from what graphs come as: networkx, triples, TSV files, RDF, GML.

    Graph.from_networkx(nx_graph)       node/edge attributes: label, weight, the rest qualifiers
    Graph.from_triples([(h, r, t)])     a knowledge graph: a directed, edge-labelled multigraph
    Graph.from_tsv(path)                head<TAB>tail | head<TAB>relation<TAB>tail
                                        [<TAB>weight [<TAB>key=value ...]]
    Graph.from_rdf(path)                N-Triples / Turtle via rdflib (the `rdf` extra)
    read_graph(path)                    any of these by the file's extension (what
                                        `glassgrad graph info FILE` uses)

A line that does not parse is an error naming the file and the line; nothing is written.
"""
import gzip
import math
from pathlib import Path

import numpy as np

from .graph import Graph


def _numbering(names):
    """Node ids in order of first appearance: {name: id} and the list of names."""
    ids = {}
    for name in names:
        ids.setdefault(name, len(ids))
    return ids, list(ids)


# --- networkx --------------------------------------------------------------------------------
def from_networkx(nx_graph, label="label", weight="weight"):
    """A Graph from a networkx (Multi)(Di)Graph.

    Node ids follow the graph's node order; the node attribute `label` becomes node_labels
    (if any node has it), the edge attribute `label` edge_labels, `weight` edge_weight (missing
    weights are 1, as networkx assumes), and every other edge attribute a qualifier.
    """
    ids, names = _numbering(nx_graph.nodes)
    edges = list(nx_graph.edges(data=True))
    edge_index = np.array([[ids[u] for u, _, _ in edges], [ids[v] for _, v, _ in edges]],
                          dtype=np.int64).reshape(2, len(edges))
    node_attrs = [nx_graph.nodes[n] for n in names]
    node_labels = ([attrs.get(label) for attrs in node_attrs]
                   if any(label in attrs for attrs in node_attrs) else None)
    edge_labels = ([d.get(label) for _, _, d in edges]
                   if any(label in d for _, _, d in edges) else None)
    edge_weight = ([d.get(weight, 1.0) for _, _, d in edges]
                   if any(weight in d for _, _, d in edges) else None)
    qualifiers = [{k: v for k, v in d.items() if k not in (label, weight)} for _, _, d in edges]
    return Graph(edge_index, num_nodes=len(names), directed=nx_graph.is_directed(),
                 node_names=names, node_labels=node_labels, edge_labels=edge_labels,
                 edge_weight=edge_weight,
                 edge_qualifiers=qualifiers if any(qualifiers) else None)


def to_networkx(graph):
    """The Graph as networkx: Graph/MultiGraph when undirected, DiGraph/MultiDiGraph when
    directed or mixed (an undirected edge of a mixed graph becomes two arcs, directed=False).
    A multigraph class is used when two edges join the same nodes."""
    import networkx
    multi = graph.properties()["multigraph"].answer
    undirected = not graph.directed.any()
    cls = {(False, False): networkx.DiGraph, (False, True): networkx.MultiDiGraph,
           (True, False): networkx.Graph, (True, True): networkx.MultiGraph}[(undirected, multi)]
    out = cls()
    for v in range(graph.num_nodes):
        attrs = {} if graph.node_labels is None else {"label": graph.node_labels[v]}
        out.add_node(graph.name_of(v), **attrs)
    mixed = graph.directed.any() and not graph.directed.all()
    for e in range(graph.num_edges):
        attrs = dict(graph.edge_qualifiers[e]) if graph.edge_qualifiers is not None else {}
        if graph.edge_labels is not None:
            attrs["label"] = graph.edge_labels[e]
        if graph.edge_weight is not None:
            attrs["weight"] = float(graph.edge_weight[e])
        u, v = (graph.name_of(int(i)) for i in graph.edge_index[:, e])
        if mixed and not graph.directed[e]:
            out.add_edge(u, v, directed=False, **attrs)
            out.add_edge(v, u, directed=False, **attrs)
        else:
            out.add_edge(u, v, **attrs)
    return out


# --- triples and TSV -------------------------------------------------------------------------
def from_triples(triples, directed=True, weights=None, qualifiers=None):
    """A Graph from (head, relation, tail) triples: nodes are the heads and tails (ids in order
    of first appearance, names kept), edge_labels the relations.

    `triples` is a list of 3-tuples of labels, or an (n, 3) integer array of ids (then the
    nodes are 0..max id). `weights`/`qualifiers`: one per triple, or None.
    """
    if isinstance(triples, np.ndarray) and np.issubdtype(triples.dtype, np.integer):
        if triples.ndim != 2 or triples.shape[1] != 3:
            raise ValueError(f"from_triples: expected an (n, 3) array of (head, relation, "
                             f"tail) ids, got shape {triples.shape}")
        return Graph(triples[:, [0, 2]].T, directed=directed,
                     edge_labels=triples[:, 1].tolist(), edge_weight=weights,
                     edge_qualifiers=qualifiers)
    triples = [tuple(t) for t in triples]
    for i, t in enumerate(triples):
        if len(t) != 3:
            raise ValueError(f"from_triples: triple {i} has {len(t)} fields, expected 3 "
                             f"(head, relation, tail): {t!r}")
    ids, names = _numbering(x for h, _, t in triples for x in (h, t))
    edge_index = np.array([[ids[h] for h, _, _ in triples], [ids[t] for _, _, t in triples]],
                          dtype=np.int64).reshape(2, len(triples))
    return Graph(edge_index, num_nodes=len(names), directed=directed, node_names=names,
                 edge_labels=[r for _, r, _ in triples], edge_weight=weights,
                 edge_qualifiers=qualifiers)


def _open_text(path):
    return gzip.open(path, "rt", encoding="utf-8") if str(path).endswith(".gz") \
        else open(path, encoding="utf-8")


def _tsv_rows(path, delimiter):
    """(line number, fields) of the data lines; blank lines and '#' comments skipped."""
    try:
        with _open_text(path) as handle:
            for number, line in enumerate(handle, start=1):
                line = line.rstrip("\r\n")
                if line.strip() and not line.lstrip().startswith("#"):
                    yield number, [f.strip() for f in line.split(delimiter)]
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not a UTF-8 text file ({error})") from None
    except gzip.BadGzipFile as error:
        raise ValueError(f"{path}: not a gzip file ({error})") from None


def from_tsv(path, delimiter="\t", directed=True):
    """A Graph from a tab-separated file, one edge a line:

        head  tail                                     an unlabelled edge
        head  relation  tail                           a labelled edge (a triple)
        head  relation  tail  weight  key=value ...    with a weight and qualifiers

    Every line must have the same layout (2 fields, or 3 and more); blank lines and lines
    starting with '#' are skipped; '.gz' files are read through gzip. A bad line is a
    ValueError naming `file:line`.
    """
    heads, relations, tails, weights, qualifiers = [], [], [], [], []
    layout = None
    for number, fields in _tsv_rows(path, delimiter):
        where = f"{path}:{number}"
        kind = 2 if len(fields) == 2 else 3 if len(fields) >= 3 else None
        if kind is None or not all(fields[:kind]):
            raise ValueError(f"{where}: expected 'head<TAB>tail' or 'head<TAB>relation<TAB>tail"
                             f"[<TAB>weight<TAB>key=value...]', got {delimiter.join(fields)!r}")
        if layout is None:
            layout = kind
        elif kind != layout:
            raise ValueError(f"{where}: {len(fields)} fields, but the first data line had "
                             f"{layout}; every line must have the same layout")
        if kind == 2:
            heads.append(fields[0]), tails.append(fields[1])
            continue
        heads.append(fields[0]), relations.append(fields[1]), tails.append(fields[2])
        weight = None
        if len(fields) > 3 and fields[3] != "":
            try:
                weight = float(fields[3])
            except ValueError:
                raise ValueError(f"{where}: the 4th field (weight) must be a number, got "
                                 f"{fields[3]!r}") from None
            if math.isnan(weight):
                raise ValueError(f"{where}: the edge weight is NaN; expected a number")
        weights.append(weight)
        extra = {}
        for field in fields[4:]:
            key, sep, value = field.partition("=")
            if not sep or not key:
                raise ValueError(f"{where}: qualifier {field!r} is not key=value")
            extra[key] = value
        qualifiers.append(extra)
    if layout is None:
        raise ValueError(f"{path}: no edges (every line is blank or a comment)")
    ids, names = _numbering(x for pair in zip(heads, tails) for x in pair)
    edge_index = np.array([[ids[h] for h in heads], [ids[t] for t in tails]], dtype=np.int64)
    has_weights = any(w is not None for w in weights)
    if has_weights and any(w is None for w in weights):
        missing = weights.index(None)
        raise ValueError(f"{path}: edge {missing + 1} has no weight while others do; give "
                         "every edge a weight or none")
    return Graph(edge_index, num_nodes=len(names), directed=directed, node_names=names,
                 edge_labels=relations or None, edge_weight=weights if has_weights else None,
                 edge_qualifiers=qualifiers if any(qualifiers) else None)


# --- RDF -------------------------------------------------------------------------------------
RDF_FORMATS = {".nt": "nt", ".ttl": "turtle", ".n3": "n3", ".rdf": "xml", ".xml": "xml",
               ".nq": "nquads", ".trig": "trig", ".jsonld": "json-ld"}


def from_rdf(path, format=None):
    """A Graph from an RDF file (N-Triples, Turtle, ...) parsed by rdflib (`pip install
    'glassgrad[rdf]'`).

    Every statement (subject, predicate, object) is an arc subject → object labelled by the
    predicate, except `rdfs:label` statements with a literal object, which become the
    subject's node label. Node names are the terms in N3 notation (<iri>, "literal", _:b).
    """
    try:
        import rdflib
    except ImportError:
        raise ImportError("Graph.from_rdf: needs rdflib (pip install 'glassgrad[rdf]')") \
            from None
    if format is None:
        format = RDF_FORMATS.get(Path(str(path).removesuffix(".gz")).suffix.lower(), "turtle")
    store = rdflib.Graph()
    try:
        with _open_text(path) as handle:
            store.parse(data=handle.read(), format=format)
    except (UnicodeDecodeError, gzip.BadGzipFile) as error:
        raise ValueError(f"{path}: not a UTF-8 text file ({error})") from None
    except Exception as error:       # rdflib's parsers raise their own types, with line info
        message = " ".join(str(error).split())
        raise ValueError(f"{path}: not valid RDF ({format}): {message}") from None
    statements = sorted(store, key=lambda spo: tuple(term.n3() for term in spo))
    labels = {}
    edges = []
    for s, p, o in statements:
        if p == rdflib.RDFS.label and isinstance(o, rdflib.Literal):
            labels.setdefault(s.n3(), str(o))
        else:
            edges.append((s.n3(), p.n3(), o.n3()))
    ids, names = _numbering(x for h, _, t in edges for x in (h, t))
    for subject in labels:
        ids.setdefault(subject, len(ids))
    names = list(ids)
    edge_index = np.array([[ids[h] for h, _, _ in edges], [ids[t] for _, _, t in edges]],
                          dtype=np.int64).reshape(2, len(edges))
    return Graph(edge_index, num_nodes=len(names), directed=True, node_names=names,
                 node_labels=[labels.get(n) for n in names] if labels else None,
                 edge_labels=[p for _, p, _ in edges])


# --- any file, by its extension --------------------------------------------------------------
def read_graph(path, directed=None):
    """A Graph from a file, chosen by its extension: .gml (networkx), .edgelist/.edges
    (networkx's edge list, undirected unless `directed`), RDF (.nt .ttl .n3 .rdf .nq .trig
    .jsonld), anything else as TSV (from_tsv; directed unless `directed=False`)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"read_graph: no such file: {path}")
    suffix = Path(str(path).removesuffix(".gz")).suffix.lower()
    if suffix in RDF_FORMATS:
        return from_rdf(path)
    if suffix in (".gml", ".edgelist", ".edges"):
        try:
            import networkx
        except ImportError:
            raise ImportError(f"read_graph: {suffix} files need networkx (pip install "
                              "networkx)") from None
        try:
            if suffix == ".gml":
                nx_graph = networkx.read_gml(path, label=None)
                if directed is False:
                    nx_graph = nx_graph.to_undirected()
            else:
                nx_graph = networkx.read_edgelist(
                    path, create_using=networkx.MultiDiGraph if directed else
                    networkx.MultiGraph)
        except networkx.NetworkXError as error:
            raise ValueError(f"{path}: not a valid {suffix[1:]} file: {error}") from None
        except (ValueError, TypeError, IndexError) as error:
            raise ValueError(f"{path}: not a valid {suffix[1:]} file: {error}") from None
        return from_networkx(nx_graph)
    return from_tsv(path, directed=True if directed is None else directed)


Graph.from_networkx = staticmethod(from_networkx)
Graph.from_triples = staticmethod(from_triples)
Graph.from_tsv = staticmethod(from_tsv)
Graph.from_rdf = staticmethod(from_rdf)
Graph.to_networkx = to_networkx

__all__ = ["RDF_FORMATS", "from_networkx", "from_rdf", "from_triples", "from_tsv",
           "read_graph", "to_networkx"]
