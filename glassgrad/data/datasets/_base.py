"""`DataSplits`: what every loader returns, (x_train, y_train, x_test, y_test) numpy arrays.

Inputs are float32, class labels int64 (a regression target, as for CO2, float32). The test
arrays come flagged as the test split, so a fitted transform refuses to fit on them.
"""
from typing import NamedTuple

import numpy as np

from ..scalers import flag_split


class DataSplits(NamedTuple):
    """A train and a test split; unpacks as `x_train, y_train, x_test, y_test = load(...)`."""
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def flagged(self):
        """The same arrays (no copy), each flagged with its split ("train" or "test")."""
        return DataSplits(*(flag_split(array, name.split("_")[1])
                            for name, array in zip(self._fields, self)))

    def datasets(self):
        """(train, test) as `TensorDataset`s, ready for a `DataLoader`."""
        from ..dataset import TensorDataset
        return (TensorDataset(np.asarray(self.x_train), np.asarray(self.y_train)),
                TensorDataset(np.asarray(self.x_test), np.asarray(self.y_test)))

    def __repr__(self):
        parts = ", ".join(f"{name}={array.dtype}{tuple(array.shape)}"
                          for name, array in zip(self._fields, self))
        return f"DataSplits({parts})"
