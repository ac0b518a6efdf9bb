"""The `glassgrad` command's parser and entry point: one sub-command per file of this package
(train.py, evaluate.py, experiments.py, demo.py), each a HELP line, `add_arguments(parser)` and
`run(args) -> exit status`, listed in `COMMANDS`; `main` builds the argparse parser from that
list, runs the sub-command and turns every error into one line on stderr.
"""
import re
import sys
import textwrap

import numpy as np

from .. import __version__
from . import demo, evaluate, experiments, graph, sample, train
from .arguments import Parser, UsageError

# name -> (help, add_arguments(parser), run(args) -> exit status)
COMMANDS = {
    "train": (train.HELP, train.add_arguments, train.run),
    "evaluate": (evaluate.HELP, evaluate.add_arguments, evaluate.run),
    "experiments": (experiments.HELP, experiments.add_arguments, experiments.run),
    "demo": (demo.HELP, demo.add_arguments, demo.run),
    "sample": (sample.HELP, sample.add_arguments, sample.run),
    "graph": (graph.HELP, graph.add_arguments, graph.run),
}


def build_parser():
    parser = Parser(
        prog="glassgrad",
        description="glassgrad: a deep-learning framework on numpy that a student can read end "
                    "to end.")
    parser.add_argument("--version", action="version", version=f"glassgrad {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="command")
    subparsers.required = True
    for name, (help_text, add_arguments, run_command) in COMMANDS.items():
        # argparse %-formats help strings (not descriptions), so a "%" there is written "%%".
        sub = subparsers.add_parser(name, help=help_text.replace("%", "%%"),
                                    description=textwrap.fill(help_text, 79))
        add_arguments(sub)
        sub.add_argument("--traceback", action="store_true",
                         help="on error, show the full Python traceback (for bug reports)")
        sub.set_defaults(run=run_command)
    return parser


def main(argv=None):
    """Entry point of the `glassgrad` command (and of `python -m glassgrad`); returns the exit
    status. `argv` defaults to the process's arguments."""
    argv = sys.argv[1:] if argv is None else list(argv)
    words = ["glassgrad"] + (argv[:1] if argv and argv[0] in COMMANDS else [])
    if words[1:] == ["experiments"] and argv[1:2] in (["list"], ["run"]):
        words.append(argv[1])
    prog = " ".join(words)
    args = None
    try:
        args, extra = build_parser().parse_known_args(argv)
        if extra:       # argparse would blame the top-level parser; name the subcommand
            raise UsageError(prog, f"unrecognized arguments: {' '.join(extra)}; see "
                                   f"`{prog} --help`")
        args.argv = argv
        # A diverging run stops with fit's one-line error about the loss; numpy's overflow
        # warnings on the way there would only add lines to stderr.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return args.run(args)
    except SystemExit as done:          # --help and --version print, then exit 0
        return done.code if isinstance(done.code, int) else 0
    except UsageError as error:
        return _fail(error.prog, str(error), 2)
    except KeyboardInterrupt as interrupt:
        # train_run says where the run so far is; anything else was simply stopped.
        return _fail(prog, str(interrupt) or "interrupted", 130)
    except Exception as error:
        if args is not None and getattr(args, "traceback", False):
            raise
        return _fail(prog, _describe(error), 1)


def _describe(error):
    """An exception as one line: its message, or its type and message with a hint when it is
    not one of the errors glassgrad raises on purpose."""
    text = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
    expected = (ValueError, OSError, RuntimeError, FloatingPointError, ImportError, KeyError)
    if not isinstance(error, expected) or not text:
        text = f"{type(error).__name__}: {text} (run again with --traceback for the details)"
    if isinstance(error, ImportError) and "glassgrad[cli]" not in text:
        text += " (pip install 'glassgrad[cli]' installs all that the command can use)"
    return text


def _fail(prog, message, status):
    message = re.sub(r"\s*\n\s*", "; ", str(message).strip())
    print(f"{prog}: error: {message}", file=sys.stderr)
    return status


__all__ = ["COMMANDS", "build_parser", "main"]
