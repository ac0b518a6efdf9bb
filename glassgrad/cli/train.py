"""`glassgrad train`: train a model on a data set, print its test scores with 95% intervals,
and write the run folder as it trains (log.csv, checkpoint.npz, best.npz; then metrics.json
and curves.png); `glassgrad train --resume RUN_DIR` carries an interrupted run on.

    glassgrad train                              # the MNIST-1D paper's CNN: ~93% test accuracy
    glassgrad train --data digits --model mlp --epochs 5 --out runs/digits-mlp
    glassgrad train --resume runs/digits-mlp     # after a Ctrl-C, a crash, a killed job

The arguments are declared here; the run itself is run_folder.train_run (resume_run), the
models, data and optimisers by name builders.py.
"""
import argparse
import os
import sys

from ..train.tensorboard import summary_writer_class
from . import builders, run_folder, text_train
from .arguments import UsageError, check_data, fraction, non_negative, positive

HELP = ("train logreg, mlp or cnn on MNIST-1D, digits or Fashion-MNIST; print the test "
        "accuracy with its 95% CI and write metrics, curves and checkpoints")

# The options that set up a run; a resumed run takes all of them from its checkpoint.
RUN_OPTIONS = ("data", "model", "optimizer", "lr", "epochs", "batch_size", "seed",
               "val_fraction", "no_shuffle", "out", "overwrite", "max_grad_norm", "data_dir",
               "tensorboard")


def add_arguments(parser):
    parser.add_argument("--data", default=None, metavar="NAME|FILE.npz",
                        help=f"data set: {', '.join(builders.DATASETS)} (if installed), or a "
                             ".npz file holding x_train, y_train, x_test, y_test "
                             "(default: mnist1d)")
    parser.add_argument("--data-dir", default=None, metavar="DIR",
                        help="the folder of Fashion-MNIST's four IDX files (default: "
                             "/usr/share/datasets/fashion-mnist, Debian's "
                             "dataset-fashion-mnist package)")
    parser.add_argument("--model", default=None,
                        choices=tuple(dict.fromkeys(builders.MODELS + builders.SEQUENCE_MODELS
                                                    + ("gpt",))),
                        help="logistic regression, the paper's MLP, or a CNN (1-D for signals, "
                             "2-D for images) (default: cnn); rnn, lstm, gru for the text "
                             "data sets (shakespeare: lstm or gpt, character-level language "
                             "models; rotten-tomatoes: sentiment)")
    parser.add_argument("--optimizer", choices=tuple(builders.OPTIMIZERS), default=None,
                        help="the optimiser (default: adam)")
    parser.add_argument("--lr", type=positive(float, "--lr"), default=None,
                        help="learning rate (default: per data set, see below; 0.1 for sgd)")
    parser.add_argument("--epochs", type=positive(int, "--epochs"), default=None,
                        help="passes over the training set (default: per data set)")
    parser.add_argument("--batch-size", type=positive(int, "--batch-size"), default=None,
                        help="samples per step (default: per data set)")
    parser.add_argument("--max-grad-norm", type=positive(float, "--max-grad-norm"),
                        default=None, metavar="NORM",
                        help="clip the gradients' joint norm to NORM before each step (a cure "
                             "for a diverging loss; default: no clipping)")
    parser.add_argument("--seed", type=non_negative("--seed"), default=None,
                        help="seed of the initial weights, batch order and validation split "
                             "(default: 0)")
    parser.add_argument("--val-fraction", type=fraction, default=None,
                        help="hold out this share of the training set for validation curves "
                             "and best.npz (default: 0, train on all of it)")
    parser.add_argument("--no-shuffle", action="store_true", default=None,
                        help="take the batches in order every epoch, as the MNIST-1D paper does")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="the run folder (default: runs/<data>-<model>-<timestamp>/)")
    parser.add_argument("--overwrite", action="store_true", default=None,
                        help="replace the files of a run already in --out")
    parser.add_argument("--resume", default=None, metavar="RUN_DIR",
                        help="carry on the unfinished run in RUN_DIR from its last epoch's "
                             "checkpoint, with that run's own settings")
    parser.add_argument("--tensorboard", nargs="?", const="", default=None, metavar="DIR",
                        help="also write TensorBoard event files each epoch, into DIR (default: "
                             "RUN_DIR/tensorboard); needs tensorboardX: pip install "
                             "'glassgrad[tensorboard]'")
    parser.add_argument("--threads", type=positive(int, "--threads"), default=None,
                        help="BLAS threads for the matrix products (needs threadpoolctl; "
                             "default: numpy's, usually one per core)")
    parser.add_argument("--no-tune-malloc", action="store_true",
                        help="leave glibc's allocator as it is (by default its thresholds are "
                             "raised so large temporaries are reused: ~2x faster CNNs)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    rows = "\n".join(f"  {name:14s} {s['optimizer']} lr {s['lr']:g}, batch {s['batch_size']}, "
                     f"{s['epochs']} epochs" for name, s in builders.SETTINGS.items())
    parser.epilog = (f"defaults per data set (any model; 'file' is a .npz):\n{rows}\n\n"
                     "writes, as it trains, log.csv (a row per epoch), checkpoint.npz (the last "
                     "epoch), best.npz (with --val-fraction) and TensorBoard events (with "
                     "--tensorboard); at the end metrics.json (history, test scores with 95% "
                     "CIs, arguments, versions, machine, duration) and curves.png (needs "
                     "matplotlib)")
    parser.formatter_class = argparse.RawDescriptionHelpFormatter


def _warn(text):
    print(f"glassgrad train: warning: {text}", file=sys.stderr)


def run(args):
    prog = "glassgrad train"
    command = " ".join(["glassgrad"] + args.argv)
    common = {"progress": not args.no_progress, "command": command, "threads": args.threads,
              "tune_malloc": not args.no_tune_malloc, "warn": _warn}
    if args.resume is not None:
        given = [name for name in RUN_OPTIONS if getattr(args, name) is not None]
        if given:
            options = ", ".join("--" + name.replace("_", "-") for name in given)
            raise UsageError(prog, f"--resume takes the run's own settings from its checkpoint;"
                                   f" leave out {options}")
        try:
            run_folder.check_resumable(args.resume)
        except (FileNotFoundError, run_folder.RunExistsError) as error:
            raise UsageError(prog, str(error)) from None
        run_folder.resume_run(args.resume, **common)
        return 0
    data = "mnist1d" if args.data is None else args.data
    if text_train.key(data) is not None:         # strings, not arrays: their own path
        name, model = text_train.check(prog, data, args, UsageError)
        text_train.train(name, model, args.epochs, args.lr, args.batch_size, args.seed or 0,
                         args.out)
        return 0
    check_data(prog, data)
    if args.data_dir is not None:
        if not builders.reads_folder(data):
            raise UsageError(prog, f"--data-dir is the folder of "
                                   f"{', '.join(builders.FOLDER_DATASETS)}'s IDX files; --data "
                                   f"{data} does not read one, so leave --data-dir out")
        if not os.path.isdir(args.data_dir):
            raise UsageError(prog, f"--data-dir {args.data_dir!r}: no such folder")
    if args.tensorboard is not None:
        try:
            summary_writer_class()
        except ImportError as error:
            raise UsageError(prog, f"--tensorboard: {error}") from None
    if args.out is not None and os.path.exists(args.out):
        try:
            run_folder.check_out(args.out, bool(args.overwrite))
        except run_folder.RunExistsError as error:
            raise UsageError(prog, str(error)) from None
    run_folder.train_run(data=data, model=args.model or "cnn", optimizer=args.optimizer,
                         lr=args.lr, epochs=args.epochs, batch_size=args.batch_size,
                         seed=args.seed or 0, shuffle=not args.no_shuffle,
                         val_fraction=args.val_fraction or 0.0, out=args.out,
                         overwrite=bool(args.overwrite), max_grad_norm=args.max_grad_norm,
                         data_dir=args.data_dir, tensorboard=args.tensorboard, **common)
    return 0


__all__ = ["HELP", "RUN_OPTIONS", "add_arguments", "run"]
