"""Making tensors: `tensor`, `zeros`, `ones`, `full`, `arange`, `linspace`, `eye`, random ones,
and the `*_like` forms. Floats default to float32 (`glassgrad.get_default_dtype()`).

Each takes torch's `device=`: the CPU ('cpu', 'cpu:0', glassgrad.device('cpu')) or None; any
other device is an error (glassgrad runs on the CPU only, see devices.py).
"""
import builtins

import numpy as np

from . import dtypes
from .devices import as_device
from .random import _generator
from .tensor import Tensor, as_array


def _dtype(dtype):
    return dtypes.get_default_dtype() if dtype is None else np.dtype(dtype)


def _shape(size, op="a creation function"):
    """The shape from torch's `zeros(2, 3)` or `zeros((2, 3))`: non-negative ints only."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    for i, s in enumerate(size):
        if isinstance(s, (bool, float)) or not hasattr(s, "__index__"):
            raise TypeError(f"{op}: size must be a tuple of ints, but found element of type "
                            f"{type(s).__name__} at pos {i}")
        if s < 0:
            raise RuntimeError(f"{op}: trying to create a tensor with negative dimension {s}: "
                               f"{list(size)}")
    return tuple(int(s) for s in size)


def _new(array, requires_grad):
    return Tensor(array, requires_grad=requires_grad)


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of `data` (nested lists, numbers, numpy arrays, tensors).

    Python floats become the default dtype (float32); a numpy array keeps its dtype, as in torch.
    """
    as_device("tensor", device)
    if isinstance(data, Tensor):
        data = data._data
    try:
        array = np.array(data, dtype=dtype)
    except ValueError as error:
        if "inhomogeneous" not in str(error):
            raise
        raise ValueError("tensor: the nested lists have rows of different lengths; a tensor "
                         "needs every row at one depth to have the same length (pad them, e.g. "
                         "nn.utils.rnn.pad_sequence)") from None
    if dtype is None and array.dtype.kind == "f" and not isinstance(data, (np.ndarray,
                                                                            np.generic)):
        array = array.astype(dtypes.get_default_dtype())    # Python floats: float32
    return _new(array, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like `tensor`, but shares memory with a numpy array of the right dtype."""
    as_device("as_tensor", device)
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


def zeros(*size, dtype=None, device=None, requires_grad=False):
    as_device("zeros", device)
    return _new(np.zeros(_shape(size, "zeros"), dtype=_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    as_device("ones", device)
    return _new(np.ones(_shape(size, "ones"), dtype=_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    as_device("empty", device)
    return _new(np.empty(_shape(size, "empty"), dtype=_dtype(dtype)), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    as_device("full", device)
    if dtype is None and isinstance(fill_value, (bool, int)) and not isinstance(fill_value, float):
        dtype = np.bool_ if isinstance(fill_value, bool) else np.int64
    return _new(np.full(tuple(size), fill_value, dtype=_dtype(dtype)), requires_grad)


def _like(op, t, dtype, device):
    as_device(op, device)
    return t.shape, t.dtype if dtype is None else dtype


def zeros_like(t, dtype=None, device=None, requires_grad=False):
    return _new(np.zeros(*_like("zeros_like", t, dtype, device)), requires_grad)


def ones_like(t, dtype=None, device=None, requires_grad=False):
    return _new(np.ones(*_like("ones_like", t, dtype, device)), requires_grad)


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False):
    shape, dtype = _like("full_like", t, dtype, device)
    return _new(np.full(shape, fill_value, dtype=dtype), requires_grad)


def empty_like(t, dtype=None, device=None, requires_grad=False):
    return _new(np.empty(*_like("empty_like", t, dtype, device)), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Values from start (inclusive) to end (exclusive); int64 for integer arguments."""
    as_device("arange", device)
    if end is None:
        start, end = 0, start
    if dtype is None:
        is_int = builtins.all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if is_int else dtypes.get_default_dtype()
    return _new(np.arange(start, end, step, dtype=dtype), requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    as_device("linspace", device)
    return _new(np.linspace(start, end, steps, dtype=_dtype(dtype)), requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    as_device("eye", device)
    return _new(np.eye(n, m, dtype=_dtype(dtype)), requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform on [0, 1)."""
    as_device("rand", device)
    array = _generator(generator).random(_shape(size, "rand"), dtype=np.float64)
    return _new(array.astype(_dtype(dtype)), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal."""
    as_device("randn", device)
    array = _generator(generator).standard_normal(_shape(size, "randn"))
    return _new(array.astype(_dtype(dtype)), requires_grad)


def randint(low, high=None, size=(), generator=None, dtype=np.int64, device=None):
    """Integers uniform on [low, high): torch's randint(high, size) and randint(low, high, size)."""
    as_device("randint", device)
    if isinstance(high, (tuple, list)):         # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    dtype = np.dtype(dtype)
    draw_dtype = dtype if dtype.kind in "iu" else np.int64      # float dtypes: integer values
    values = _generator(generator).integers(low, high, size=tuple(size), dtype=draw_dtype)
    return Tensor(values.astype(dtype, copy=False))


def randperm(n, generator=None, dtype=np.int64, device=None):
    as_device("randperm", device)
    return Tensor(_generator(generator).permutation(n).astype(dtype))


def rand_like(t, generator=None, dtype=None, device=None):
    return rand(t.shape, generator=generator, dtype=_like("rand_like", t, dtype, device)[1])


def randn_like(t, generator=None, dtype=None, device=None):
    return randn(t.shape, generator=generator, dtype=_like("randn_like", t, dtype, device)[1])


def randint_like(t, low, high=None, generator=None, dtype=None, device=None):
    shape, dtype = _like("randint_like", t, dtype, device)
    return randint(low, high, shape, generator=generator, dtype=dtype)


def bernoulli(p, generator=None):
    """1 with probability p (element-wise), else 0; no gradient."""
    probs = as_array(p)
    return Tensor((_generator(generator).random(probs.shape) < probs).astype(probs.dtype))


def new(make, like, *args, dtype=None, **kwargs):
    """`like.new_zeros(...)` and friends: `make(...)` in the dtype of `like` unless one is given."""
    return make(*args, dtype=like.dtype if dtype is None else dtype, **kwargs)
