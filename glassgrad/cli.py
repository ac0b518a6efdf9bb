"""The `glassgrad` command: `train`, `evaluate`, `experiments` and `demo`.

    glassgrad train                              # the MNIST-1D paper's CNN: ~93% test accuracy
    glassgrad train --data digits --model mlp --epochs 5 --out runs/digits-mlp
    glassgrad evaluate runs/digits-mlp           # re-score the saved checkpoint
    glassgrad experiments list
    glassgrad experiments run vanishing_gradients --size small --out figures
    glassgrad demo                               # one second: a small MLP on two spirals

Each subcommand is two functions, one to declare its arguments and one to run it, listed in
`COMMANDS`; `main` builds the argparse parser from that list. `main(argv)` returns the exit
status, so the command is testable in-process. The work itself lives in glassgrad.train.run
(training, scoring, the run folder) and glassgrad.train.builders (models, data, optimisers).

Errors are one line on stderr, `glassgrad train: error: <what was wrong; what to do>`, never a
traceback (`--traceback` shows it). Exit status: 0 success, 1 the run failed (bad data, a
corrupt checkpoint, a data set not installed, a diverging loss), 2 the command line asks for
something that cannot be done as written (an unknown name or option, a bad number, a file
that does not exist, a run folder that exists), 130 interrupted.
"""
import argparse
import json
import os
import re
import sys
import textwrap

import numpy as np

from . import __version__, experiments
from .experiments.__main__ import summary
from .train import builders, demo, run


class UsageError(Exception):
    """A command line that cannot be carried out as written (exit status 2)."""

    def __init__(self, prog, message):
        super().__init__(message)
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad command line raises UsageError (one line) instead of printing the
    usage block and exiting."""

    def error(self, message):
        raise UsageError(self.prog, f"{message}; see `{self.prog} --help`")


# --- train -----------------------------------------------------------------------------------
def _add_train(parser):
    parser.add_argument("--data", default="mnist1d", metavar="NAME|FILE.npz",
                        help=f"data set: {', '.join(builders.DATASETS)} (if installed), or a "
                             ".npz file holding x_train, y_train, x_test, y_test "
                             "(default: mnist1d)")
    parser.add_argument("--model", choices=builders.MODELS, default="cnn",
                        help="logistic regression, the paper's MLP, or a CNN (1-D for signals, "
                             "2-D for images) (default: cnn)")
    parser.add_argument("--optimizer", choices=tuple(builders.OPTIMIZERS), default=None,
                        help="the optimiser (default: adam)")
    parser.add_argument("--lr", type=_positive(float, "--lr"), default=None,
                        help="learning rate (default: per data set, see below; 0.1 for sgd)")
    parser.add_argument("--epochs", type=_positive(int, "--epochs"), default=None,
                        help="passes over the training set (default: per data set)")
    parser.add_argument("--batch-size", type=_positive(int, "--batch-size"), default=None,
                        help="samples per step (default: per data set)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the initial weights, batch order and validation split "
                             "(default: 0)")
    parser.add_argument("--val-fraction", type=_fraction, default=0.0,
                        help="hold out this share of the training set for validation curves "
                             "(default: 0, train on all of it)")
    parser.add_argument("--no-shuffle", action="store_true",
                        help="take the batches in order every epoch, as the MNIST-1D paper does")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="the run folder (default: runs/<data>-<model>-<timestamp>/)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the files of a run already in --out")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    rows = "\n".join(f"  {name:14s} {s['optimizer']} lr {s['lr']:g}, batch {s['batch_size']}, "
                     f"{s['epochs']} epochs" for name, s in builders.SETTINGS.items())
    parser.epilog = (f"defaults per data set (any model; 'file' is a .npz):\n{rows}\n\n"
                     "writes metrics.json (history, test scores with 95% CIs, arguments, "
                     "versions, duration), curves.png (needs matplotlib) and checkpoint.npz")
    parser.formatter_class = argparse.RawDescriptionHelpFormatter


def _check_data(prog, data):
    """--data names a known data set or an existing .npz file, or it is a usage error."""
    if builders.is_file(data):
        if not os.path.isfile(data):
            raise UsageError(prog, f"--data {data!r}: no such file; give a .npz holding "
                                   "x_train, y_train, x_test, y_test, or a data set name")
    elif data.lower().replace("_", "-") not in builders.DATASETS:
        raise UsageError(prog, f"--data: unknown data set {data!r}; choose from "
                               f"{', '.join(builders.DATASETS)}, or give a .npz file")


def _run_train(args):
    prog = "glassgrad train"
    _check_data(prog, args.data)
    if args.out is not None and os.path.exists(args.out):
        try:
            run.check_out(args.out, args.overwrite)
        except run.RunExistsError as error:
            raise UsageError(prog, str(error)) from None
    run.train_run(data=args.data, model=args.model, optimizer=args.optimizer, lr=args.lr,
                  epochs=args.epochs, batch_size=args.batch_size, seed=args.seed,
                  shuffle=not args.no_shuffle, val_fraction=args.val_fraction, out=args.out,
                  overwrite=args.overwrite, progress=not args.no_progress,
                  command=" ".join(["glassgrad"] + args.argv))
    return 0


# --- evaluate --------------------------------------------------------------------------------
def _add_evaluate(parser):
    parser.add_argument("checkpoint", metavar="CHECKPOINT",
                        help="a checkpoint.npz written by `glassgrad train`, or its run folder")
    parser.add_argument("--data", default=None, metavar="NAME|FILE.npz",
                        help="score on this data set's test split instead of the one the "
                             "model was trained on (its samples must have the same shape)")


def _run_evaluate(args):
    prog = "glassgrad evaluate"
    path = args.checkpoint
    if os.path.isdir(path):
        path = os.path.join(path, "checkpoint.npz")
    if not os.path.isfile(path):
        raise UsageError(prog, f"no checkpoint at {path!r}; give the checkpoint.npz (or the "
                               "run folder) that `glassgrad train` wrote")
    if args.data is not None:
        _check_data(prog, args.data)
    result = run.evaluate_checkpoint(path, data=args.data)
    saved = (result["saved"] or {}).get("accuracy")
    if saved is not None and args.data is None:
        now = result["test"]["accuracy"].value
        same = "the same as" if abs(now - saved["value"]) < 1e-9 else "differs from"
        print(f"{same} the test accuracy saved at training ({saved['value']:.3f})")
    return 0


# --- experiments -----------------------------------------------------------------------------
def _add_experiments(parser):
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
    runner.add_argument("--seed", type=int, default=0, help="seed (default: 0)")
    for sub in (commands.choices["list"], runner):
        # SUPPRESS: not given here, it leaves the `experiments --traceback` value alone.
        sub.add_argument("--traceback", action="store_true", default=argparse.SUPPRESS,
                         help="on error, show the full Python traceback (for bug reports)")


def _run_experiments(args):
    if args.action == "list":
        for name in experiments.list_experiments():
            print(f"{name:28s} {experiments.describe(name)}")
        return 0
    if args.name not in experiments.list_experiments():
        raise UsageError("glassgrad experiments run",
                         f"unknown experiment {args.name!r}; registered: "
                         f"{', '.join(experiments.list_experiments())}")
    results = experiments.run(args.name, size=args.size, out_dir=args.out, seed=args.seed)
    print(json.dumps(summary(results), indent=2, default=str))
    out = args.out or os.path.join(experiments.DEFAULT_OUT, args.name)
    print(f"figures in {out}{os.sep}")
    return 0


# --- demo ------------------------------------------------------------------------------------
def _add_demo(parser):
    parser.add_argument("--epochs", type=_positive(int, "--epochs"), default=60,
                        help="passes over the training points (default: 60)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the data, the initial weights and the batch order "
                             "(default: 0)")
    parser.add_argument("--optimizer", choices=tuple(demo.OPTIMIZERS), default="adam",
                        help="the optimiser (default: adam)")
    parser.add_argument("--lr", type=_positive(float, "--lr"), default=None,
                        help="learning rate (default: 0.01 for adam, 0.1 for sgd)")
    parser.add_argument("--momentum", type=float, default=0.9,
                        help="momentum of sgd (default: 0.9)")
    parser.add_argument("--batch-size", type=_positive(int, "--batch-size"), default=32,
                        help="points per step (default: 32)")
    parser.add_argument("--hidden", type=_positive(int, "--hidden"), default=32,
                        help="units in each of the two hidden layers (default: 32)")
    parser.add_argument("--dataset", choices=demo.DATASETS, default="spirals",
                        help="the generated 2-D classification task (default: spirals)")


def _run_demo(args):
    demo.fit_demo(epochs=args.epochs, seed=args.seed, lr=args.lr, optimizer=args.optimizer,
                  momentum=args.momentum, batch_size=args.batch_size, hidden=args.hidden,
                  dataset=args.dataset)
    return 0


# name -> (help, add_arguments(parser), run(args) -> exit status)
COMMANDS = {
    "train": (("train logreg, mlp or cnn on MNIST-1D, digits or Fashion-MNIST; print the test "
               "accuracy with its 95% CI and write metrics, curves and a checkpoint"),
              _add_train, _run_train),
    "evaluate": ("re-score a saved run's checkpoint on its test set, with 95% CIs",
                 _add_evaluate, _run_evaluate),
    "experiments": ("list or run the registered experiments", _add_experiments,
                    _run_experiments),
    "demo": ("train a small MLP on generated two spirals (a one-second check of the install)",
             _add_demo, _run_demo),
}


def build_parser():
    parser = _Parser(
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
    except KeyboardInterrupt:
        return _fail(prog, "interrupted (a run is saved only once it has finished)", 130)
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
    return text


def _fail(prog, message, status):
    message = re.sub(r"\s*\n\s*", "; ", str(message).strip())
    print(f"{prog}: error: {message}", file=sys.stderr)
    return status


def _positive(kind, option):
    """An argparse type: a number of `kind` above zero, or an error naming the option."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{option} expects a number ({kind.__name__}), "
                                             f"got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{option} must be greater than 0, got {text}")
        return value
    parse.__name__ = kind.__name__
    return parse


def _fraction(text):
    """An argparse type: a float in [0, 1)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--val-fraction expects a number, got {text!r}") \
            from None
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"--val-fraction must be in [0, 1), got {text}")
    return value
