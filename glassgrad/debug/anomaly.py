"""`detect_anomaly()`: stop at the first op whose output or gradient holds NaN or Inf.

While active, every op's forward output is checked, and each node remembers the line of user
code that created it; in backward, every gradient an op returns is checked too. The error names
the op and that line, so a NaN is traced to its source instead of surfacing at the loss.
(Modelled on torch/autograd/anomaly_mode.py; slow, as there: use it to debug, not to train.)
"""
import os
import traceback

import numpy as np

from ..autograd.function import DebugMode
from ..tensor import Tensor

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _user_frame():
    """The innermost stack frame outside the glassgrad package: where the user called the op."""
    for frame in reversed(traceback.extract_stack()[:-1]):
        if not os.path.abspath(frame.filename).startswith(_PACKAGE_DIR):
            return f'File "{frame.filename}", line {frame.lineno}, in {frame.name}: ' \
                   f'{(frame.line or "").strip()}'
    return "(created inside glassgrad)"


def _bad(array):
    return (isinstance(array, np.ndarray) and array.dtype.kind in "fc"
            and not np.isfinite(array).all())


def _describe(array):
    nan, inf = int(np.isnan(array).sum()), int(np.isinf(array).sum())
    return f"{nan} NaN and {inf} Inf of {array.size} values, shape {array.shape}"


class AnomalyError(RuntimeError):
    """Raised by detect_anomaly at the op that first produced NaN or Inf."""


class detect_anomaly(DebugMode):
    """Context manager: raise at the first op whose output or gradient is not finite.

    Args:
        check_nan: set False to only record where ops were created, without checking values.
    Example::

        with glassgrad.debug.detect_anomaly():
            loss = model(x).log().sum()      # raises here if log meets a negative value
            loss.backward()                  # or here, naming the op whose gradient broke
    """

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def on_forward(self, cls, arrays, out, node):
        where = _user_frame()
        if node is not None:
            node._anomaly_trace = where
        if self.check_nan and _bad(out) and not any(_bad(a) for a in arrays):
            raise AnomalyError(f"{cls.__name__} produced non-finite output ({_describe(out)}) "
                               f"from finite inputs.\n  The op was called at {where}")

    def on_backward(self, node, grads):
        if not self.check_nan:
            return
        for i, g in enumerate(grads):
            data = g._data if isinstance(g, Tensor) else g   # a user's backward may return arrays
            if data is not None and _bad(data):
                where = getattr(node, "_anomaly_trace", "(created before detect_anomaly began)")
                raise AnomalyError(f"{type(node).__name__}.backward returned a non-finite "
                                   f"gradient for input {i} ({_describe(data)}).\n  The op was "
                                   f"created at {where}")
