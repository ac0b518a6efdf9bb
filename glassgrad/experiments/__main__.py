"""`python -m glassgrad.experiments list | run NAME [--size small|full] [--out DIR] [--seed N]`.

`list` prints each registered experiment with its one-line description; `run` runs one,
prints its results as JSON (long per-step curves left out) and where its figures went.
"""
import argparse
import json
import sys

from . import SIZES, describe, list_experiments, run


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m glassgrad.experiments",
                                     description="Run glassgrad's registered experiments.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list the registered experiments")
    run_parser = commands.add_parser("run", help="run one experiment")
    run_parser.add_argument("name", help="the experiment's name (see `list`)")
    run_parser.add_argument("--size", choices=SIZES, default="small",
                            help="small: seconds, for CI; full: the size for the record")
    run_parser.add_argument("--out", default=None,
                            help="folder for the figures (default runs/experiments/NAME)")
    run_parser.add_argument("--seed", type=int, default=0)
    return parser


def summary(value):
    """The results without long lists (per-step curves), for printing."""
    if isinstance(value, dict):
        return {k: summary(v) for k, v in value.items() if k != "losses"}
    if isinstance(value, (list, tuple)) and len(value) > 20:
        return f"[{len(value)} values]"
    return value


def main(argv=None):
    args = build_parser().parse_args(argv)
    if args.command == "list":
        for name in list_experiments():
            print(f"{name:28s} {describe(name)}")
        return 0
    if args.name not in list_experiments():
        print(f"unknown experiment {args.name!r}; registered: {', '.join(list_experiments())}",
              file=sys.stderr)
        return 2
    results = run(args.name, size=args.size, out_dir=args.out, seed=args.seed)
    print(json.dumps(summary(results), indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
