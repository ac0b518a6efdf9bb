"""`strict_broadcasting()`: refuse broadcasts that silently grow both operands.

The classic silent bug: `pred` of shape (N,) minus `target` of shape (N, 1) broadcasts to an
(N, N) matrix, and the loss averages N² wrong differences without a word. A broadcast that
stretches one operand to the other's shape (a bias (C,) onto (N, C), a scalar onto anything) is
the intended kind; one where neither operand already has the result's shape is flagged.
"""
import numpy as np

from ..autograd.function import DebugMode


class BroadcastError(RuntimeError):
    """Raised by strict_broadcasting for a broadcast that grows every operand."""


class strict_broadcasting(DebugMode):
    """Context manager: raise where an op broadcasts its operands into a shape none of them had.

    Example::

        with glassgrad.debug.strict_broadcasting():
            loss = ((pred - target) ** 2).mean()   # (N,) - (N, 1): raises, shows both shapes
    """

    def on_forward(self, cls, arrays, out, node):
        shapes = [np.shape(a) for a in arrays
                  if isinstance(a, np.ndarray) and a.ndim > 0 and a.dtype != bool]
        if len(shapes) < 2 or cls.__name__ not in _ELEMENTWISE:
            return
        if all(shape != out.shape for shape in shapes):
            raise BroadcastError(f"{cls.__name__}: operands of shapes "
                                 f"{' and '.join(str(s) for s in shapes)} broadcast to "
                                 f"{out.shape}, a shape neither operand had. If that is "
                                 "intended (an outer product), reshape explicitly; if not, "
                                 "an (N,) against an (N, 1) is the usual cause.")



# The ops that broadcast their operands against each other.
_ELEMENTWISE = {"Add", "Sub", "Mul", "Div", "Pow", "Maximum", "Minimum", "Where"}
