"""Broadcasting's adjoint pair: `expand` (copy along new or size-1 axes) and `sum_to_shape`.

The one place un-broadcasting lives: the engine calls `sum_to_shape` on every gradient whose
shape differs from its input's, so no op's backward has to think about broadcasting.
"""
import numpy as np

from ..autograd.function import Function


def summed_axes(shape, target):
    """Axes to sum so that an array of `shape` reduces to `target` (numpy broadcasting rules)."""
    lead = len(shape) - len(target)
    if lead < 0:
        return None
    axes = list(range(lead))
    for i, size in enumerate(target):
        if size == 1 and shape[lead + i] != 1:
            axes.append(lead + i)
        elif size != shape[lead + i]:
            return None
    return tuple(axes)


class SumToShape(Function):
    """Sum over the broadcast axes so that the result has `shape`. Backward: expand."""

    reads_inputs = False

    @staticmethod
    def forward(ctx, x, shape):
        axes = summed_axes(x.shape, shape)
        if axes is None:
            raise RuntimeError(f"sum_to_shape: cannot reduce shape {x.shape} to {tuple(shape)}")
        ctx.in_shape = x.shape
        return x.sum(axis=axes).reshape(shape) if axes else x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return Expand.apply(grad, ctx.in_shape)


class Expand(Function):
    """Broadcast to a larger shape without copying (a read-only view). Backward: sum_to_shape."""

    reads_inputs = False
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.in_shape = x.shape
        try:
            return np.broadcast_to(x, shape)
        except ValueError:
            raise RuntimeError(f"expand: the shape {x.shape} cannot be expanded to "
                               f"{tuple(shape)} (only size-1 or new leading dimensions can "
                               "grow)") from None

    @staticmethod
    def backward(ctx, grad):
        return SumToShape.apply(grad, ctx.in_shape)


def sum_to_shape(x, shape):
    """Sum `x` over the axes that broadcasting added, down to `shape`."""
    shape = tuple(shape)
    return x if x.shape == shape else SumToShape.apply(x, shape)


def expand(x, *shape):
    """Broadcast `x` to `shape` (torch: -1 keeps a dimension's size)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    lead = len(shape) - x.ndim
    shape = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
    return x if x.shape == shape else Expand.apply(x, shape)


def broadcast_to(x, shape):
    return expand(x, tuple(shape))


def broadcast_shapes(op, *shapes):
    """The broadcast shape, or an error naming the op and the shapes that do not fit."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise RuntimeError(f"{op}: shapes {' and '.join(str(tuple(s)) for s in shapes)} cannot be "
                           "broadcast together (each dimension must match or be 1)") from None
