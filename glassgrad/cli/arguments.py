"""The argument plumbing every sub-command shares: a parser whose mistakes are one-line
`UsageError`s (exit status 2), argparse types for positive numbers and fractions, and the check
of a --data value.

    parser = Parser(prog="glassgrad train")
    parser.add_argument("--epochs", type=positive(int, "--epochs"))
"""
import argparse
import os

from . import builders


class UsageError(Exception):
    """A command line that cannot be carried out as written (exit status 2)."""

    def __init__(self, prog, message):
        super().__init__(message)
        self.prog = prog


class Parser(argparse.ArgumentParser):
    """argparse, but a bad command line raises UsageError (one line) instead of printing the
    usage block and exiting."""

    def error(self, message):
        raise UsageError(self.prog, f"{message}; see `{self.prog} --help`")


def positive(kind, option):
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


def non_negative(option):
    """An argparse type: an integer >= 0 (a seed), or an error naming the option."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{option} expects a whole number, got "
                                             f"{text!r}") from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"{option} must be 0 or more, got {text}")
        return value
    parse.__name__ = "int"
    return parse


def fraction(text):
    """An argparse type: a float in [0, 1)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--val-fraction expects a number, got {text!r}") \
            from None
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"--val-fraction must be in [0, 1), got {text}")
    return value


def check_data(prog, data):
    """--data names a known data set or an existing .npz file, or it is a usage error."""
    if builders.is_file(data):
        if not os.path.isfile(data):
            raise UsageError(prog, f"--data {data!r}: no such file; give a .npz holding "
                                   "x_train, y_train, x_test, y_test, or a data set name")
    elif data.lower().replace("_", "-") not in builders.DATASETS:
        raise UsageError(prog, f"--data: unknown data set {data!r}; choose from "
                               f"{', '.join(builders.DATASETS)}, or give a .npz file")


__all__ = ["Parser", "UsageError", "check_data", "fraction", "non_negative", "positive"]
