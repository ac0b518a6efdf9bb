"""`glassgrad train`: train a model on a data set, print its test scores with 95% intervals,
and write the run folder (metrics.json, curves.png, checkpoint.npz).

    glassgrad train                              # the MNIST-1D paper's CNN: ~93% test accuracy
    glassgrad train --data digits --model mlp --epochs 5 --out runs/digits-mlp

The arguments are declared here; the run itself is run_folder.train_run, the models, data and
optimisers by name builders.py.
"""
import argparse
import os

from . import builders, run_folder
from .arguments import UsageError, check_data, fraction, positive

HELP = ("train logreg, mlp or cnn on MNIST-1D, digits or Fashion-MNIST; print the test "
        "accuracy with its 95% CI and write metrics, curves and a checkpoint")


def add_arguments(parser):
    parser.add_argument("--data", default="mnist1d", metavar="NAME|FILE.npz",
                        help=f"data set: {', '.join(builders.DATASETS)} (if installed), or a "
                             ".npz file holding x_train, y_train, x_test, y_test "
                             "(default: mnist1d)")
    parser.add_argument("--model", choices=builders.MODELS, default="cnn",
                        help="logistic regression, the paper's MLP, or a CNN (1-D for signals, "
                             "2-D for images) (default: cnn)")
    parser.add_argument("--optimizer", choices=tuple(builders.OPTIMIZERS), default=None,
                        help="the optimiser (default: adam)")
    parser.add_argument("--lr", type=positive(float, "--lr"), default=None,
                        help="learning rate (default: per data set, see below; 0.1 for sgd)")
    parser.add_argument("--epochs", type=positive(int, "--epochs"), default=None,
                        help="passes over the training set (default: per data set)")
    parser.add_argument("--batch-size", type=positive(int, "--batch-size"), default=None,
                        help="samples per step (default: per data set)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the initial weights, batch order and validation split "
                             "(default: 0)")
    parser.add_argument("--val-fraction", type=fraction, default=0.0,
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


def run(args):
    prog = "glassgrad train"
    check_data(prog, args.data)
    if args.out is not None and os.path.exists(args.out):
        try:
            run_folder.check_out(args.out, args.overwrite)
        except run_folder.RunExistsError as error:
            raise UsageError(prog, str(error)) from None
    run_folder.train_run(data=args.data, model=args.model, optimizer=args.optimizer,
                         lr=args.lr, epochs=args.epochs, batch_size=args.batch_size,
                         seed=args.seed, shuffle=not args.no_shuffle,
                         val_fraction=args.val_fraction, out=args.out,
                         overwrite=args.overwrite, progress=not args.no_progress,
                         command=" ".join(["glassgrad"] + args.argv))
    return 0


__all__ = ["HELP", "add_arguments", "run"]
