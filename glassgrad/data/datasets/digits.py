"""scikit-learn's handwritten digits: 1,797 grey 8x8 images of the digits 0-9.

Source: UCI ML "Optical Recognition of Handwritten Digits" (Alpaydin & Kaynak, 1998), the test
part, as shipped inside scikit-learn (sklearn/datasets/data/digits.csv.gz); nothing is
downloaded. Licence: the data CC BY 4.0 (UCI), scikit-learn BSD-3-Clause.
Size: 1,797 images of 8x8 pixels valued 0-16 (about 460 KB as float32).
Split: not fixed upstream; ours is a stratified 80/20 split drawn with seed 0 (1,438 train,
359 test), the same on every machine.
"""
import gzip
import importlib.util
import os

import numpy as np

from ..checks import check_finite, check_labels
from ..splits import train_val_test_split
from ._base import DataSplits


def _read_digits():
    """(images, labels) from the CSV inside the installed scikit-learn, without importing it
    (that takes a second); through sklearn.datasets.load_digits if the file has moved."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None:
        raise ImportError("load_digits: the digits data ship inside scikit-learn, which is not "
                          "installed; pip install scikit-learn")
    path = os.path.join(spec.submodule_search_locations[0], "datasets", "data",
                        "digits.csv.gz")
    if os.path.exists(path):
        with gzip.open(path, "rt") as f:
            table = np.loadtxt(f, delimiter=",")
        return table[:, :-1], table[:, -1]
    from sklearn.datasets import load_digits as sklearn_load_digits
    return sklearn_load_digits(return_X_y=True)


def load_digits(flat=False, test_fraction=0.2, seed=0, check=True):
    """The digits as float32 images in [0, 1] and int64 labels 0-9.

    Args:
        flat: give (N, 64) vectors instead of (N, 1, 8, 8) images.
        test_fraction: the share of each class held out for testing.
        seed: the seed of the stratified split (0 gives the documented split).
        check: raise if a pixel is NaN/Inf or a label is outside 0-9.
    Returns:
        DataSplits(x_train, y_train, x_test, y_test).
    """
    pixels, labels = _read_digits()
    x = (np.asarray(pixels, dtype=np.float32) / 16.0).reshape((-1, 64) if flat else (-1, 1, 8, 8))
    y = np.asarray(labels).astype(np.int64)
    if check:
        check_finite(x, "digits images")
        check_labels(y, 10, "digits labels")
    split = train_val_test_split(len(y), (1 - test_fraction, 0.0, test_fraction), stratify=y,
                                 seed=seed)
    return DataSplits(x[split.train], y[split.train], x[split.test], y[split.test]).flagged()
