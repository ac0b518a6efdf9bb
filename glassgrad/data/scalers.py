"""Fitted transforms that cannot leak: `Standardize` and `MinMaxScale`.

Their statistics must come from the training split alone; computed on all the data, the test
score silently improves (the test set leaked into training). The API makes the safe order the
only one that runs:

    scaler = Standardize().fit(x_train)      # fit returns the fitted transform
    x_train, x_test = scaler(x_train), scaler(x_test)

Applying an unfitted transform raises, fitting twice raises, and fitting on an array flagged
as the validation or test split raises. Loaders flag their test arrays (`flag_split`), and so
does `SplitIndices.take`; the flag survives slicing and arithmetic.
"""
import numpy as np

from ..tensor import Tensor


class SplitArray(np.ndarray):
    """A numpy array that remembers which split it belongs to ("train", "val" or "test").

    Views, slices and arithmetic keep the flag; `np.asarray(x)` gives a plain array.
    """

    def __new__(cls, array, split):
        obj = np.asarray(array).view(cls)
        obj.split = split
        return obj

    def __array_finalize__(self, obj):
        self.split = getattr(obj, "split", None)

    def __reduce__(self):
        raise TypeError("SplitArray: save np.asarray(x) instead (no pickle in glassgrad)")


_SPLITS = ("train", "val", "test")


def flag_split(array, split):
    """`array` (a view, no copy) flagged as belonging to `split`: "train", "val" or "test"."""
    if split not in _SPLITS:
        raise ValueError(f"flag_split: split must be one of {_SPLITS}, got {split!r}")
    return SplitArray(array._data if isinstance(array, Tensor) else array, split)


def split_of(array):
    """The split an array was flagged with, or None."""
    return getattr(array, "split", None)


class _FittedTransform:
    """The fit-once-then-apply protocol; subclasses compute statistics and apply them."""

    def __init__(self, dim=0):
        self.dim = (dim,) if isinstance(dim, int) else tuple(dim)
        self.fitted = False

    def fit(self, x):
        """Compute the statistics from `x` (the training split only); returns self."""
        name = type(self).__name__
        if self.fitted:
            raise RuntimeError(f"{name}.fit: already fitted; fitting again would overwrite the "
                               f"training statistics. Make a new {name}() for other data")
        split = split_of(x)
        if split in ("val", "test"):
            raise ValueError(f"{name}.fit: this array is flagged as the {split!r} split; fit on "
                             f"the training split only, then apply the fitted transform to "
                             f"the {split} data")
        array = np.asarray(x._data if isinstance(x, Tensor) else x, dtype=np.float64)
        if array.ndim == 0 or max(self.dim) >= array.ndim or array.shape[0] == 0:
            raise ValueError(f"{name}.fit: expected an array with dims {self.dim} to reduce "
                             f"over and at least one sample, got shape {array.shape}")
        self._fit(array)
        self.fitted = True
        return self

    def _require_fitted(self):
        if not self.fitted:
            name = type(self).__name__
            raise RuntimeError(f"{name}: not fitted; call {name}().fit(x_train) first and "
                               f"apply the result to every split")

    def __call__(self, x):
        """Apply the fitted statistics to `x` (array or Tensor, the type is kept)."""
        self._require_fitted()
        if isinstance(x, Tensor):
            return Tensor(self._apply(x._data))
        return self._apply(x)

    def inverse(self, x):
        """Undo the transform (e.g. to report predictions in the data's own units)."""
        self._require_fitted()
        if isinstance(x, Tensor):
            return Tensor(self._invert(x._data))
        return self._invert(x)

    def _cast(self, stat, x):
        """A statistic in the input's float dtype (float32 data stays float32)."""
        dtype = x.dtype if x.dtype.kind == "f" else np.float32
        return stat.astype(dtype)

    def state_dict(self):
        return {key: getattr(self, key) for key in self._state_keys}

    def load_state_dict(self, state):
        for key in self._state_keys:
            setattr(self, key, np.asarray(state[key]))
        self.fitted = True
        return self


class Standardize(_FittedTransform):
    """x -> (x - mean) / std, with mean and std from the training split.

    Args:
        dim: the dimension(s) reduced over: 0 gives one mean per feature (tabular data);
            (0, 2, 3) one per channel of (N, C, H, W) images.
        eps: a feature whose std is below eps is only centred (divided by 1).
    """
    _state_keys = ("mean", "std")

    def __init__(self, dim=0, eps=1e-12):
        super().__init__(dim)
        self.eps = eps

    def _fit(self, x):
        self.mean = x.mean(axis=self.dim, keepdims=True)
        std = x.std(axis=self.dim, keepdims=True)
        self.std = np.where(std < self.eps, 1.0, std)

    def _apply(self, x):
        return (x - self._cast(self.mean, x)) / self._cast(self.std, x)

    def _invert(self, x):
        return x * self._cast(self.std, x) + self._cast(self.mean, x)


class MinMaxScale(_FittedTransform):
    """x -> low + (x - min) / (max - min) * (high - low), with min and max from the
    training split (other splits may fall outside [low, high]; that is expected)."""
    _state_keys = ("min", "max")

    def __init__(self, feature_range=(0.0, 1.0), dim=0):
        super().__init__(dim)
        self.low, self.high = feature_range
        if not self.low < self.high:
            raise ValueError(f"MinMaxScale: feature_range must be (low, high) with low < high, "
                             f"got {feature_range}")

    def _fit(self, x):
        self.min = x.min(axis=self.dim, keepdims=True)
        self.max = x.max(axis=self.dim, keepdims=True)

    def _scale(self):
        span = self.max - self.min
        return (self.high - self.low) / np.where(span == 0, 1.0, span)

    def _apply(self, x):
        return (x - self._cast(self.min, x)) * self._cast(self._scale(), x) + self.low

    def _invert(self, x):
        return (x - self.low) / self._cast(self._scale(), x) + self._cast(self.min, x)
