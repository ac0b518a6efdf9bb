"""`glassgrad evaluate`: re-score a saved run's checkpoint on its test set, with 95% intervals.

    glassgrad evaluate runs/digits-mlp                   # the run folder or its checkpoint.npz
    glassgrad evaluate runs/digits-mlp --data digits     # another data set of the same shape

The work is run_folder.evaluate_checkpoint; this file checks the arguments and says whether the
accuracy is the one saved at training.
"""
import os

from . import run_folder
from .arguments import UsageError, check_data

HELP = "re-score a saved run's checkpoint on its test set, with 95% CIs"


def add_arguments(parser):
    parser.add_argument("checkpoint", metavar="CHECKPOINT",
                        help="a checkpoint.npz written by `glassgrad train`, or its run folder")
    parser.add_argument("--data", default=None, metavar="NAME|FILE.npz",
                        help="score on this data set's test split instead of the one the "
                             "model was trained on (its samples must have the same shape)")


def run(args):
    prog = "glassgrad evaluate"
    path = args.checkpoint
    if os.path.isdir(path):
        path = os.path.join(path, "checkpoint.npz")
    if not os.path.isfile(path):
        raise UsageError(prog, f"no checkpoint at {path!r}; give the checkpoint.npz (or the "
                               "run folder) that `glassgrad train` wrote")
    if args.data is not None:
        check_data(prog, args.data)
    result = run_folder.evaluate_checkpoint(path, data=args.data)
    saved = (result["saved"] or {}).get("accuracy")
    if saved is not None and args.data is None:
        now = result["test"]["accuracy"].value
        same = "the same as" if abs(now - saved["value"]) < 1e-9 else "differs from"
        print(f"{same} the test accuracy saved at training ({saved['value']:.3f})")
    return 0


__all__ = ["HELP", "add_arguments", "run"]
