"""`glassgrad experiments list | run NAME [--size small|full] [--out DIR] [--seed N]`: the
registry of glassgrad.experiments from the shell (`python -m glassgrad.experiments ...` is the
same command).

`list` prints each registered experiment with its one-line description; `run` runs one,
prints its results as JSON (long per-step curves left out), its table if it has one, and where
its figures went (without matplotlib they are skipped with a note; the results are the same).
"""
import argparse
import json
import os

from .. import experiments
from .arguments import UsageError, non_negative

HELP = "list or run the registered experiments"


def add_arguments(parser):
    commands = parser.add_subparsers(dest="action", metavar="list|run")
    commands.required = True
    commands.add_parser("list", help="list the registered experiments",
                        description="List the registered experiments.")
    runner = commands.add_parser("run", help="run one experiment",
                                 description="Run one registered experiment; print its results "
                                             "as JSON and write its figures to --out.")
    runner.add_argument("name", help="the experiment's name (see `glassgrad experiments list`)")
    runner.add_argument("--size", choices=experiments.SIZES, default="small",
                        help="small: seconds, for CI; full: the size for the record "
                             "(default: small)")
    runner.add_argument("--out", default=None, metavar="DIR",
                        help="folder for the figures (default: runs/experiments/NAME)")
    runner.add_argument("--seed", type=non_negative("--seed"), default=0, help="seed (default: 0)")
    for sub in (commands.choices["list"], runner):
        # SUPPRESS: not given here, it leaves the `experiments --traceback` value alone.
        sub.add_argument("--traceback", action="store_true", default=argparse.SUPPRESS,
                         help="on error, show the full Python traceback (for bug reports)")


def summary(value):
    """The results without long lists (per-step curves), for printing."""
    if isinstance(value, dict):
        return {k: summary(v) for k, v in value.items() if k != "losses"}
    if isinstance(value, (list, tuple)) and len(value) > 20:
        return f"[{len(value)} values]"
    return value


def run(args):
    if args.action == "list":
        for name in experiments.list_experiments():
            print(f"{name:28s} {experiments.describe(name)}")
        return 0
    if args.name not in experiments.list_experiments():
        raise UsageError("glassgrad experiments run",
                         f"unknown experiment {args.name!r}; registered: "
                         f"{', '.join(experiments.list_experiments())}")
    results = experiments.run(args.name, size=args.size, out_dir=args.out, seed=args.seed)
    table = results.get("table") if isinstance(results, dict) else None
    shown = {k: v for k, v in results.items() if k != "table"} if table else results
    print(json.dumps(summary(shown), indent=2, default=str))
    if isinstance(table, str):
        print(table)                          # a Markdown table, as the experiment wrote it
    if isinstance(results, dict) and results.get("figures"):
        out = args.out or os.path.join(experiments.DEFAULT_OUT, args.name)
        print(f"figures in {out}{os.sep}")
    return 0


__all__ = ["HELP", "add_arguments", "run", "summary"]
