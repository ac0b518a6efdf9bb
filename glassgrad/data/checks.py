"""Input checks for data: no NaN/Inf in the inputs, labels inside the declared classes.

Cheap whole-array tests, run by the loaders and on request by `TensorDataset`; each error
says which array, how many bad entries, and where the first one is.
"""
import numpy as np

from ..tensor import as_array


def check_finite(x, name="data"):
    """Raise ValueError if `x` (array or Tensor) holds a NaN or an infinity; returns x."""
    array = as_array(x)
    if array.dtype.kind not in "fc":
        return x
    bad = ~np.isfinite(array)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        value = array[first]
        raise ValueError(f"{name}: {int(bad.sum())} of {array.size} values are not finite "
                         f"(NaN or Inf); the first is {value} at index {first} of shape "
                         f"{array.shape}. Clean or impute the data before training.")
    return x


def check_labels(y, num_classes, name="labels"):
    """Raise ValueError unless `y` holds integers in [0, num_classes); returns y."""
    array = as_array(y)
    if array.dtype.kind not in "iu":
        if array.dtype.kind == "f" and array.size and np.all(np.mod(array, 1) == 0):
            array = array.astype(np.int64)
        else:
            raise ValueError(f"{name}: class labels must be integers, got dtype {array.dtype}")
    if array.size == 0:
        return y
    low, high = int(array.min()), int(array.max())
    if low < 0 or high >= num_classes:
        bad = (array < 0) | (array >= num_classes)
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name}: labels must lie in [0, {num_classes}) for {num_classes} "
                         f"classes, got values from {low} to {high} ({int(bad.sum())} out of "
                         f"range; the first is {array[first]} at index {first})")
    return y
