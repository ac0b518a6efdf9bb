"""Data types: numpy's dtype objects under torch's names. float32 is the default for floats.

`glassgrad.float32 == tensor.dtype` holds because both are numpy dtypes; float64 is there for
gradient checks, where finite differences need the extra precision.
"""
import numpy as np

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
bool = np.dtype(np.bool_)
complex64 = np.dtype(np.complex64)
complex128 = np.dtype(np.complex128)

_default_dtype = float32


def get_default_dtype():
    """The dtype of floating-point tensors made from Python numbers (float32 unless set)."""
    return _default_dtype


def set_default_dtype(dtype):
    """Make new floating-point tensors `dtype` (float32 or float64)."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating-point dtypes are allowed, got {dtype}")
    _default_dtype = dtype


def is_floating_point(tensor):
    return tensor.dtype.kind == "f"
