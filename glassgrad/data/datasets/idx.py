"""MNIST and Fashion-MNIST from their standard IDX files, in a folder you have.

IDX (LeCun's format): 2 zero bytes, a type byte, the number of dimensions, then each dimension
as a big-endian int32, then the values big-endian. Files may be gzipped (`.gz`) or raw.
Nothing is downloaded; for Fashion-MNIST, Debian's `dataset-fashion-mnist` package
(`apt-get install dataset-fashion-mnist`) puts the four files in /usr/share/datasets/fashion-mnist,
which is the default folder.
"""
import gzip
import os

import numpy as np

from ..checks import check_finite, check_labels
from ._base import DataSplits

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"

# The four files of MNIST and Fashion-MNIST (the same names for both), without ".gz".
IDX_FILES = {"x_train": "train-images-idx3-ubyte", "y_train": "train-labels-idx1-ubyte",
             "x_test": "t10k-images-idx3-ubyte", "y_test": "t10k-labels-idx1-ubyte"}

# The type byte of an IDX header and the big-endian numpy dtype it stands for.
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """One IDX file (gzipped if its name ends in .gz) as a numpy array in native byte order."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"read_idx: {path} is not an IDX file (it must start with two zero "
                         f"bytes and a type byte in {sorted(_IDX_TYPES)}), got first bytes "
                         f"{list(raw[:4])}")
    dtype, ndim = np.dtype(_IDX_TYPES[raw[2]]), raw[3]
    shape = tuple(int(d) for d in np.frombuffer(raw, ">i4", count=ndim, offset=4))
    offset = 4 + 4 * ndim
    expected = offset + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(f"read_idx: {path} declares shape {shape} of {dtype.str} "
                         f"({expected} bytes with the header) but holds {len(raw)} bytes")
    data = np.frombuffer(raw, dtype, offset=offset).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def _find(folder, stem, dataset):
    for name in (stem + ".gz", stem):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            return path
    expected = ", ".join(f"{s}[.gz]" for s in IDX_FILES.values())
    hint = (" (apt-get install dataset-fashion-mnist puts them in "
            f"{FASHION_MNIST_DIR})" if dataset == "fashion_mnist" else "")
    raise FileNotFoundError(f"load_{dataset}: no {stem}[.gz] in {folder!r}; that folder must "
                            f"hold the four IDX files {expected}{hint}")


def load_idx_folder(folder, dataset="mnist", num_classes=10, check=True):
    """The four IDX files of an MNIST-like data set in `folder`, as (N, 1, H, W) float32 images
    in [0, 1] and int64 labels. `dataset` only names the data set in errors."""
    arrays = {key: read_idx(_find(folder, stem, dataset)) for key, stem in IDX_FILES.items()}
    for split in ("train", "test"):
        images, labels = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(f"load_{dataset}: expected {split} images (N, H, W) and labels "
                             f"(N,), got shapes {images.shape} and {labels.shape} in {folder!r}")
        scale = 255.0 if images.dtype == np.uint8 else 1.0
        arrays[f"x_{split}"] = (images.astype(np.float32) / scale)[:, None]
        arrays[f"y_{split}"] = labels.astype(np.int64)
        if check:
            check_finite(arrays[f"x_{split}"], f"{dataset} x_{split}")
            check_labels(arrays[f"y_{split}"], num_classes, f"{dataset} y_{split}")
    return DataSplits(**arrays).flagged()


def load_fashion_mnist(root=None, check=True):
    """Fashion-MNIST: 28x28 grey images of 10 kinds of clothing, (N, 1, 28, 28) float32 in
    [0, 1] and int64 labels 0-9.

    Source: Xiao, Rasul & Vollgraf, "Fashion-MNIST: a Novel Image Dataset for Benchmarking
    Machine Learning Algorithms", arXiv:1708.07747, 2017 (Zalando Research); read from IDX files
    in `root`, by default where Debian's dataset-fashion-mnist package installs them
    (/usr/share/datasets/fashion-mnist). Licence: MIT. Size: 70,000 images (30 MB gzipped).
    Split: the official one, 60,000 train and 10,000 test.
    """
    return load_idx_folder(FASHION_MNIST_DIR if root is None else root, "fashion_mnist",
                           check=check)


def load_mnist(root, check=True):
    """MNIST: 28x28 grey images of handwritten digits, (N, 1, 28, 28) float32 in [0, 1] and
    int64 labels 0-9.

    Source: LeCun, Cortes & Burges, the MNIST database (1998); read from the four IDX files in
    `root` (no package ships them, so the folder is yours to name). Licence: CC BY-SA 3.0.
    Size: 70,000 images (11 MB gzipped). Split: the official one, 60,000 train, 10,000 test.
    """
    return load_idx_folder(root, "mnist", check=check)
