"""`glassgrad graph info FILE [--undirected] [--json]`: what kind of graph a file holds.

Reads FILE with glassgrad.graph.read_graph (by extension: TSV/triples, .gz TSV, RDF via rdflib,
.gml and edge lists via networkx) and prints its size and the properties checklist
(glassgrad.graph.properties) as a table, or as JSON with --json. A file that does not parse is
a one-line error naming the file and the line (exit status 1); a missing file exits 2.
"""
import argparse
import json
from pathlib import Path

from ..graph import read_graph
from .arguments import UsageError

HELP = "describe a graph file: nodes, edges and the properties checklist"


def add_arguments(parser):
    commands = parser.add_subparsers(dest="action", metavar="info")
    commands.required = True
    info = commands.add_parser("info", help="print a graph file's properties as a table",
                               description="Print a graph file's size and its properties "
                                           "checklist (self loops, multigraph, directedness, "
                                           "labels, weights, qualifiers).")
    info.add_argument("file", help="a graph file: .tsv/.txt (head, [relation,] tail per line, "
                                   ".gz too), .nt/.ttl (RDF), .gml, .edgelist")
    info.add_argument("--undirected", action="store_true",
                      help="read the edges of a TSV or edge-list file as undirected")
    info.add_argument("--json", action="store_true", help="print JSON instead of a table")
    info.add_argument("--traceback", action="store_true", default=argparse.SUPPRESS,
                      help="on error, show the full Python traceback (for bug reports)")


def run(args):
    if not Path(args.file).is_file():
        raise UsageError("glassgrad graph info", f"no such file: {args.file}")
    graph = read_graph(args.file, directed=False if args.undirected else None)
    properties = graph.properties()
    if args.json:
        print(json.dumps({"file": args.file, "num_nodes": graph.num_nodes,
                          "num_edges": graph.num_edges,
                          "properties": {row.key: {"answer": row.answer,
                                                   "evidence": row.evidence}
                                         for row in properties}}, indent=2))
        return 0
    print(f"{args.file}: {graph.num_nodes} nodes, {graph.num_edges} edges")
    print(properties.table())
    return 0


__all__ = ["HELP", "add_arguments", "run"]
