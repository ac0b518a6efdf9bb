"""Making tensors: `tensor`, `zeros`, `ones`, `full`, `arange`, `linspace`, `eye`, random ones,
and the `*_like` forms. Floats default to float32 (`glassgrad.get_default_dtype()`).
"""
import builtins

import numpy as np

from . import dtypes
from .random import _generator
from .tensor import Tensor, as_array


def _dtype(dtype):
    return dtypes.get_default_dtype() if dtype is None else np.dtype(dtype)


def _shape(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(size)


def _new(array, requires_grad):
    return Tensor(array, requires_grad=requires_grad)


def tensor(data, dtype=None, requires_grad=False):
    """A new tensor holding a copy of `data` (nested lists, numbers, numpy arrays, tensors).

    Python floats become the default dtype (float32); a numpy array keeps its dtype, as in torch.
    """
    if isinstance(data, Tensor):
        data = data._data
    if dtype is not None:
        array = np.array(data, dtype=dtype)
    elif isinstance(data, (np.ndarray, np.generic)):
        array = np.array(data)
    else:
        array = np.array(data)
        if array.dtype.kind == "f":
            array = array.astype(dtypes.get_default_dtype())
    return _new(array, requires_grad)


def as_tensor(data, dtype=None):
    """Like `tensor`, but shares memory with a numpy array of the right dtype."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == np.dtype(dtype)):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == np.dtype(dtype)):
        return Tensor(data)
    return tensor(data, dtype=dtype)


def from_numpy(array):
    """A tensor sharing memory with `array` (its dtype kept)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor(array)


def zeros(*size, dtype=None, requires_grad=False):
    return _new(np.zeros(_shape(size), dtype=_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    return _new(np.ones(_shape(size), dtype=_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, requires_grad=False):
    return _new(np.empty(_shape(size), dtype=_dtype(dtype)), requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    if dtype is None and isinstance(fill_value, (bool, int)) and not isinstance(fill_value, float):
        dtype = np.bool_ if isinstance(fill_value, bool) else np.int64
    return _new(np.full(tuple(size), fill_value, dtype=_dtype(dtype)), requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    return _new(np.zeros(t.shape, dtype=t.dtype if dtype is None else dtype), requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return _new(np.ones(t.shape, dtype=t.dtype if dtype is None else dtype), requires_grad)


def full_like(t, fill_value, dtype=None, requires_grad=False):
    return _new(np.full(t.shape, fill_value, dtype=t.dtype if dtype is None else dtype),
                requires_grad)


def empty_like(t, dtype=None, requires_grad=False):
    return _new(np.empty(t.shape, dtype=t.dtype if dtype is None else dtype), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    """Values from start (inclusive) to end (exclusive); int64 for integer arguments."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_int = builtins.all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if is_int else dtypes.get_default_dtype()
    return _new(np.arange(start, end, step, dtype=dtype), requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False):
    return _new(np.linspace(start, end, steps, dtype=_dtype(dtype)), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    return _new(np.eye(n, m, dtype=_dtype(dtype)), requires_grad)


def rand(*size, generator=None, dtype=None, requires_grad=False):
    """Uniform on [0, 1)."""
    array = _generator(generator).random(_shape(size), dtype=np.float64)
    return _new(array.astype(_dtype(dtype)), requires_grad)


def randn(*size, generator=None, dtype=None, requires_grad=False):
    """Standard normal."""
    array = _generator(generator).standard_normal(_shape(size))
    return _new(array.astype(_dtype(dtype)), requires_grad)


def randint(low, high=None, size=(), generator=None, dtype=np.int64):
    """Integers uniform on [low, high): torch's randint(high, size) and randint(low, high, size)."""
    if isinstance(high, (tuple, list)):         # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    dtype = np.dtype(dtype)
    draw_dtype = dtype if dtype.kind in "iu" else np.int64      # float dtypes: integer values
    values = _generator(generator).integers(low, high, size=tuple(size), dtype=draw_dtype)
    return Tensor(values.astype(dtype, copy=False))


def randperm(n, generator=None):
    return Tensor(_generator(generator).permutation(n).astype(np.int64))


def rand_like(t, generator=None, dtype=None):
    return rand(t.shape, generator=generator, dtype=t.dtype if dtype is None else dtype)


def randn_like(t, generator=None, dtype=None):
    return randn(t.shape, generator=generator, dtype=t.dtype if dtype is None else dtype)


def randint_like(t, low, high=None, generator=None):
    return randint(low, high, t.shape, generator=generator, dtype=t.dtype)


def bernoulli(p, generator=None):
    """1 with probability p (element-wise), else 0; no gradient."""
    probs = as_array(p)
    return Tensor((_generator(generator).random(probs.shape) < probs).astype(probs.dtype))
