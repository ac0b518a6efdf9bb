"""Models, optimisers and data by name, shaped to the data: what `glassgrad train` builds.

    data = load_data("digits")                     # checked arrays + input shape + classes
    model = build_model("cnn", data.input_shape, data.num_classes)
    optimizer = build_optimizer("adam", model.parameters(), lr=1e-2)

The models are the MNIST-1D paper's (glassgrad.models: `LogisticRegression(L, classes)`,
`MNIST1DMLP`, `MNIST1DCNN`), adapted to the input's shape:
- signals (N, L): logistic regression, the paper's MLP and its 1-D CNN, exactly as the paper's;
- images (N, C, H, W) (digits 8x8, Fashion-MNIST 28x28): logistic regression and the MLP on
  the flattened pixels, and a small 2-D CNN (glassgrad.models.ImageCNN).
Every model is rebuilt from (name, input shape, number of classes) alone, which is what a
checkpoint's metadata records, so `glassgrad evaluate` needs nothing else.
"""
import os
import warnings
import zipfile
from typing import NamedTuple

import numpy as np

from .. import nn, optim
from ..data import check_finite, check_labels, datasets
from ..experiments.mnist1d_baselines import TRAINING
from ..models import MNIST1DCNN, MNIST1DGRU, MNIST1DMLP, ImageCNN, LogisticRegression

MODELS = ("logreg", "mlp", "cnn", "rnn", "lstm", "gru")
RECURRENT = ("rnn", "lstm", "gru")    # MNIST1DGRU with that cell
DATASETS = ("mnist1d", "digits", "fashion-mnist")
# Text data sets and their recurrent models: trained by cli/text_train.py, not build_model.
TEXT_DATASETS = ("shakespeare", "rotten-tomatoes")
SEQUENCE_MODELS = ("rnn", "lstm", "gru")

# name -> (optimizer class, extra keyword arguments, default learning rate)
OPTIMIZERS = {
    "adam": (optim.Adam, {}, 1e-2),
    "adamw": (optim.AdamW, {}, 1e-2),
    "radam": (optim.RAdam, {}, 1e-2),
    "sgd": (optim.SGD, {"momentum": 0.9}, 1e-1),
}

# Training settings per data set (every model). MNIST-1D: the paper's, Adam lr 1e-2, batches of
# 100, 6,000 steps = 150 epochs of 4,000 signals (glassgrad.experiments.mnist1d_baselines'
# TRAINING). The image sets: picked so a default run ends in seconds (digits) or a few minutes
# (Fashion-MNIST) on two cores.
SETTINGS = {
    "mnist1d": {"optimizer": "adam", "lr": TRAINING["lr"],
                "batch_size": TRAINING["batch_size"],
                "epochs": 150},                   # 6,000 steps of 100 from 4,000 signals
    "digits": {"optimizer": "adam", "lr": 1e-2, "batch_size": 100, "epochs": 60},
    "fashion-mnist": {"optimizer": "adam", "lr": 1e-3, "batch_size": 100, "epochs": 5},
    "file": {"optimizer": "adam", "lr": 1e-2, "batch_size": 100, "epochs": 20},
}


class DataError(ValueError):
    """Data that cannot be trained on: NaN/Inf, labels out of range, mismatched shapes."""


class Data(NamedTuple):
    """A classification data set ready to train on: arrays, their input shape, class count."""
    name: str                   # "mnist1d", "digits", "fashion-mnist", or a .npz path
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    input_shape: tuple          # one sample's shape, e.g. (40,) or (1, 8, 8)
    num_classes: int

    @property
    def settings_key(self):
        """The key of this data set's default settings in SETTINGS."""
        return self.name if self.name in SETTINGS else "file"


# --- models ----------------------------------------------------------------------------------
def build_model(name, input_shape, num_classes):
    """A fresh model `name` ("logreg", "mlp", "cnn") for samples of `input_shape`.

    Signals (L,) get the MNIST-1D paper's models as they are; other shapes are flattened for
    logreg and mlp, and images (C, H, W) get `ImageCNN`.
    """
    input_shape = tuple(int(d) for d in input_shape)
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; known: {', '.join(MODELS)}")
    features = int(np.prod(input_shape))
    if name == "cnn":
        return _cnn(input_shape, num_classes)
    if name in RECURRENT:
        return _recurrent(name, input_shape, num_classes)
    model = (LogisticRegression(features, num_classes) if name == "logreg"
             else MNIST1DMLP(features, 100, num_classes))
    return model if len(input_shape) == 1 else nn.Sequential(nn.Flatten(), model)


def _cnn(input_shape, num_classes):
    if len(input_shape) == 1 or (len(input_shape) == 2 and input_shape[0] == 1):
        length = input_shape[-1]
        if length < 7:       # three stride-2 convolutions: 7 -> 3 -> 2 -> 1
            raise ValueError(f"cnn: the 1-D CNN needs signals of length >= 7, got {length}")
        return MNIST1DCNN(num_classes=num_classes, length=length)
    if len(input_shape) == 3:
        return ImageCNN(*input_shape, num_classes=num_classes)
    raise ValueError(f"cnn: takes signals (N, L) or images (N, C, H, W), got samples of shape "
                     f"{input_shape}; reshape images to (N, 1, H, W), or use --model mlp")


def _recurrent(cell, input_shape, num_classes):
    """The paper's bidirectional GRU read-out (MNIST1DGRU) with `cell`: a signal (L,) is L steps
    of one feature, (C, L) is L steps of C, and an image (C, H, W) is H rows of C·W."""
    if len(input_shape) == 1:
        steps, features = input_shape[0], 1
    elif len(input_shape) == 2:
        features, steps = input_shape
        return MNIST1DGRU(features, steps, num_classes=num_classes, cell=cell,
                          channels_first=True)
    elif len(input_shape) == 3:
        steps, features = input_shape[1], input_shape[0] * input_shape[2]
    else:
        raise ValueError(f"{cell}: takes signals (N, L), (N, C, L) or images (N, C, H, W), got "
                         f"samples of shape {input_shape}")
    return MNIST1DGRU(features, steps, num_classes=num_classes, cell=cell)


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def describe_model(model):
    """The model's class, e.g. "ImageCNN", or "Flatten -> MNIST1DMLP" for flattened images."""
    if isinstance(model, nn.Sequential):
        return " -> ".join(type(layer).__name__ for layer in model)
    return type(model).__name__


def build_optimizer(name, parameters, lr=None):
    """An optimiser by name (see OPTIMIZERS); `lr` defaults to the optimiser's own default."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; known: {', '.join(OPTIMIZERS)}")
    cls, kwargs, default_lr = OPTIMIZERS[name]
    return cls(parameters, lr=default_lr if lr is None else lr, **kwargs)


def describe_optimizer(name, lr):
    extra = "".join(f", {k} {v}" for k, v in OPTIMIZERS[name][1].items())
    return f"{name} lr {lr:g}{extra}"


# --- data ------------------------------------------------------------------------------------
# The data sets read from files in a folder (--data-dir, root=): the IDX ones.
FOLDER_DATASETS = ("fashion-mnist",)


def reads_folder(spec):
    """Whether the data set `spec` is read from a folder of files (--data-dir, root=)."""
    return str(spec).lower().replace("_", "-") in FOLDER_DATASETS


def is_file(spec):
    """Whether a --data value names a .npz file rather than a data set (.npz in any case)."""
    return str(spec).lower().endswith(".npz")


def load_data(spec, data_dir=None, warn=None):
    """The data set `spec` ("mnist1d", "digits", "fashion-mnist" or a .npz path), checked.

    A .npz file holds x_train, y_train, x_test, y_test (and optionally num_classes, else the
    largest training label + 1). Raises DataError for NaN/Inf inputs, labels that are not
    class indices in [0, num_classes) (strings, one-hot rows), or train and test samples of
    different shapes; FileNotFoundError for a missing file or data set (with how to get it).
    `data_dir` is the folder of Fashion-MNIST's IDX files (default: Debian's). `warn(text)` is
    told of a class count that looks like a mistake (default: warnings.warn, a DataWarning).
    """
    spec = str(spec)
    key = spec.lower().replace("_", "-")
    if data_dir is not None and key not in FOLDER_DATASETS:
        raise ValueError(f"data_dir is the folder of {', '.join(FOLDER_DATASETS)}'s files; "
                         f"{spec!r} does not read one (leave --data-dir out)")
    if is_file(spec):
        arrays, num_classes = _read_npz(spec, warn)
        name = os.path.abspath(spec)
    else:
        if key not in DATASETS:
            raise ValueError(f"unknown data set {spec!r}; known: {', '.join(DATASETS)}, or a "
                             ".npz file with x_train, y_train, x_test, y_test")
        options = {} if data_dir is None else {"root": os.fspath(data_dir)}
        arrays = tuple(np.asarray(a) for a in datasets.load(key.replace("-", "_"), **options))
        name, num_classes = key, 10
    x_train, y_train, x_test, y_test = arrays
    _check(name, x_train, y_train, x_test, y_test, num_classes)
    return Data(name, x_train, y_train.astype(np.int64), x_test, y_test.astype(np.int64),
                tuple(x_train.shape[1:]), num_classes)


class DataWarning(UserWarning):
    """Data that can be trained on but looks like a mistake (a class with almost no samples)."""


def _read_npz(path, warn=None):
    if not os.path.exists(path):
        raise FileNotFoundError(f"no data file {path!r}")
    with open(path, "rb") as f:
        head = f.read(4)
    if head != b"PK\x03\x04":                 # every .npz is a zip archive
        raise DataError(f"{path!r} is not a valid .npz file (not a zip archive: it starts with "
                        f"{head!r}); write one with np.savez(path, x_train=..., y_train=..., "
                        f"x_test=..., y_test=...)")
    keys = ("x_train", "y_train", "x_test", "y_test")
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in keys if k not in f.files]
            if missing:
                raise DataError(f"{path!r} lacks {', '.join(missing)}; a data file holds the "
                                f"arrays {', '.join(keys)} (np.savez(path, x_train=..., ...))")
            arrays = tuple(np.asarray(f[k]) for k in keys)
            num_classes = int(f["num_classes"]) if "num_classes" in f.files else None
    except DataError:
        raise
    except ValueError as error:
        if "pickle" not in str(error):
            raise DataError(f"{path!r} is not a valid .npz file ({error})") from None
        # numpy's message suggests allow_pickle=True, which would run code from the file.
        raise DataError(f"{path!r} holds an array of Python objects, which only pickle can "
                        "read, and glassgrad never unpickles data; save numbers (class "
                        "indices for labels: np.unique(labels, return_inverse=True)[1])") from None
    except (OSError, EOFError, KeyError, zipfile.BadZipFile) as error:
        raise DataError(f"{path!r} is not a valid .npz file: truncated or corrupt "
                        f"({type(error).__name__}: {error}); write it again with "
                        f"np.savez") from None
    x_train = arrays[0]
    if x_train.dtype.kind not in "fiub" or x_train.ndim < 2:
        raise DataError(f"{path!r}: x_train must be numbers of shape (N, features...), got "
                        f"dtype {x_train.dtype} and shape {x_train.shape}")
    for split, y in (("y_train", arrays[1]), ("y_test", arrays[3])):
        _check_label_array(path, split, y)
    # Inputs to float32; boolean labels (a binary task) to the class indices 0 and 1.
    labels = [y.astype(np.int64) if y.dtype == np.bool_ else y for y in (arrays[1], arrays[3])]
    arrays = (arrays[0].astype(np.float32), labels[0], arrays[2].astype(np.float32), labels[1])
    if num_classes is None:
        y_train = arrays[1]
        labels = y_train[y_train >= 0]
        num_classes = int(labels.max()) + 1 if labels.size else 1
        if labels.size and np.all(labels == np.round(labels)):
            _warn_sparse_classes(path, labels.astype(np.int64), num_classes, warn)
    return arrays, num_classes


def _check_label_array(path, split, y):
    """Labels are one class index per sample: not strings, not one-hot rows."""
    if y.dtype.kind in "USO":
        kind = "strings" if y.dtype.kind in "US" else "objects"
        raise DataError(f"{path!r}: {split} holds {kind} (dtype {y.dtype}), not class "
                        f"indices; map them to 0..C-1 first: "
                        f"classes, {split} = np.unique({split}, return_inverse=True)")
    if y.ndim != 1:
        hint = (f"; for one-hot rows use {split}.argmax(axis=1)" if y.ndim == 2 else "")
        raise DataError(f"{path!r}: {split} has shape {y.shape}, but labels are one class index "
                        f"per sample, shape (N,){hint}")


def _warn_sparse_classes(path, labels, num_classes, warn):
    """Warn when the inferred classes include some with (almost) no training samples: a
    stray label (a 7 among 0s and 1s) silently makes eight classes of a binary task."""
    counts = np.bincount(labels, minlength=num_classes)
    # no sample, or at most 1% of the largest class's samples
    rare = [c for c in range(num_classes) if counts[c] == 0 or counts[c] <= 0.01 * counts.max()]
    if not rare:
        return
    shown = ", ".join(f"{c}: {counts[c]}" for c in range(num_classes) if counts[c])
    empty = [c for c in range(num_classes) if counts[c] == 0]
    text = (f"{path}: the largest training label is {num_classes - 1}, so there are "
            f"{num_classes} classes, but {len(rare)} of them {'has' if len(rare) == 1 else 'have'}"
            f" (almost) no samples "
            f"(samples per class: {shown}"
            f"{'; none of ' + ', '.join(map(str, empty)) if empty else ''}); if a label is a "
            f"mistake, fix it, else set num_classes in the file to say so")
    if warn is None:
        warnings.warn(text, DataWarning, stacklevel=3)
    else:
        warn(text)


def _check(name, x_train, y_train, x_test, y_test, num_classes):
    """Every problem found before training starts, one line each, saying what to do."""
    for split, x, y in (("train", x_train, y_train), ("test", x_test, y_test)):
        if len(x) != len(y):
            raise DataError(f"{name}: x_{split} has {len(x)} samples but y_{split} has "
                            f"{len(y)}; give one label per sample")
        if len(x) == 0:
            raise DataError(f"{name}: the {split} split is empty; it needs at least one sample")
        try:
            check_finite(x, f"{name} x_{split}")
            check_labels(y, num_classes, f"{name} y_{split}")
        except ValueError as error:
            hint = "" if "finite" in str(error) else (
                "; labels must be class indices 0..C-1 (a .npz file may set num_classes)")
            raise DataError(f"{error}{hint}") from None
    if x_train.shape[1:] != x_test.shape[1:]:
        raise DataError(f"{name}: training samples have shape {x_train.shape[1:]} but test "
                        f"samples {x_test.shape[1:]}; both splits need the same sample shape")


def check_fits(data, input_shape, num_classes, model_name, trained_on):
    """Refuse data whose samples or labels do not fit a model built for input_shape and
    num_classes (a checkpoint evaluated on another data set)."""
    if tuple(data.input_shape) != tuple(input_shape):
        raise DataError(f"the checkpoint's {model_name} takes samples of shape "
                        f"{tuple(input_shape)}, but {data.name} has samples of shape "
                        f"{tuple(data.input_shape)}; evaluate it on {trained_on}, the data set "
                        "it was trained on")
    try:
        check_labels(data.y_test, num_classes, f"{data.name} y_test")
    except ValueError as error:
        raise DataError(f"the checkpoint's {model_name} has {num_classes} classes, but "
                        f"{error}") from None


__all__ = ["DATASETS", "FOLDER_DATASETS", "MODELS", "SEQUENCE_MODELS", "TEXT_DATASETS", "OPTIMIZERS", "SETTINGS", "Data", "DataError",
           "DataWarning", "build_model",
           "build_optimizer", "check_fits", "count_parameters", "describe_model",
           "describe_optimizer", "is_file", "load_data", "reads_folder"]
