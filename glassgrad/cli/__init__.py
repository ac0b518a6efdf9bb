"""The `glassgrad` command: `train`, `evaluate`, `experiments` and `demo`.

    glassgrad train                              # the MNIST-1D paper's CNN: ~93% test accuracy
    glassgrad train --data digits --model mlp --epochs 5 --out runs/digits-mlp
    glassgrad evaluate runs/digits-mlp           # re-score the saved checkpoint
    glassgrad experiments list
    glassgrad experiments run vanishing_gradients --size small --out figures
    glassgrad demo                               # one second: a small MLP on two spirals
    glassgrad graph info data.tsv                # a graph file's properties checklist

One file per sub-command (train.py, evaluate.py, experiments.py, demo.py: its arguments and
its run), command.py builds the parser from them and runs one, arguments.py holds what they
share. The work behind train and evaluate lives in run_folder.py (training, scoring, the run
folder) and builders.py (models, data and optimisers by name). `main(argv)` returns the exit
status, so the command is testable in-process.

Errors are one line on stderr, `glassgrad train: error: <what was wrong; what to do>`, never a
traceback (`--traceback` shows it). Exit status: 0 success, 1 the run failed (bad data, a
corrupt checkpoint, a data set not installed, a diverging loss), 2 the command line asks for
something that cannot be done as written (an unknown name or option, a bad number, a file
that does not exist, a run folder that exists), 130 interrupted.
"""
from .arguments import UsageError
from .command import COMMANDS, build_parser, main

__all__ = ["COMMANDS", "UsageError", "build_parser", "main"]
