"""`glassgrad evaluate`: re-score a saved run's checkpoint on its test set, with 95% intervals.

    glassgrad evaluate runs/digits-mlp                   # the run folder or its checkpoint.npz
    glassgrad evaluate runs/digits-mlp --data digits     # another data set of the same shape
    glassgrad evaluate runs/fashion --data-dir ~/data/fashion-mnist   # its IDX files elsewhere

The work is run_folder.evaluate_checkpoint; this file checks the arguments and says whether the
accuracy is the one saved at training.
"""
import os

from . import builders, run_folder
from .arguments import UsageError, check_data

HELP = "re-score a saved run's checkpoint on its test set, with 95% CIs"


def add_arguments(parser):
    parser.add_argument("checkpoint", metavar="CHECKPOINT",
                        help="a checkpoint.npz written by `glassgrad train`, or its run folder")
    parser.add_argument("--data", default=None, metavar="NAME|FILE.npz",
                        help="score on this data set's test split instead of the one the "
                             "model was trained on (its samples must have the same shape)")
    parser.add_argument("--data-dir", default=None, metavar="DIR",
                        help="the folder of Fashion-MNIST's four IDX files (default: the one the "
                             "run was trained from, else /usr/share/datasets/fashion-mnist)")


def run(args):
    prog = "glassgrad evaluate"
    path = args.checkpoint
    if os.path.isdir(path):
        path = os.path.join(path, "checkpoint.npz")
    if os.path.exists(path) and not os.path.isfile(path):
        raise UsageError(prog, f"{path!r} is not a regular file (a FIFO, a socket or a device?); "
                               "give the checkpoint.npz that `glassgrad train` wrote")
    if not os.path.isfile(path):
        raise UsageError(prog, f"no checkpoint at {path!r}; give the checkpoint.npz (or the "
                               "run folder) that `glassgrad train` wrote")
    if args.data is not None:
        check_data(prog, args.data)
    if args.data_dir is not None:
        if args.data is not None and not builders.reads_folder(args.data):
            raise UsageError(prog, f"--data-dir is the folder of "
                                   f"{', '.join(builders.FOLDER_DATASETS)}'s IDX files; --data "
                                   f"{args.data} does not read one, so leave --data-dir out")
        if not os.path.isdir(args.data_dir):
            raise UsageError(prog, f"--data-dir {args.data_dir!r}: no such folder")
    result = run_folder.evaluate_checkpoint(path, data=args.data, data_dir=args.data_dir)
    saved = (result["saved"] or {}).get("accuracy")
    if saved is not None and args.data is None:
        now = result["test"]["accuracy"].value
        same = "the same as" if abs(now - saved["value"]) < 1e-9 else "differs from"
        print(f"{same} the test accuracy saved at training ({saved['value']:.3f})")
    return 0


__all__ = ["HELP", "add_arguments", "run"]
