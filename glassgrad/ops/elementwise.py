"""Element-wise arithmetic and math: forward in numpy, backward in glassgrad ops.

Inputs broadcast like numpy; the engine sums each gradient back to its input's shape, so the
backward rules below are written as if no broadcasting happened. Comparisons return boolean
tensors and record no graph.
"""
import numpy as np

from ..autograd.function import Function, apply_binary
from ..tensor import Tensor


class Add(Function):
    """a + b."""

    reads_inputs = False

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    """a - b."""

    reads_inputs = False

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if _needs(ctx.inputs[1]) else None)


class Mul(Function):
    """a * b.   d/da = b,  d/db = a."""

    @staticmethod
    def forward(ctx, a, b):
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        grad_a = grad * b if _needs(a) else None
        grad_b = grad * a if _needs(b) else None
        return grad_a, grad_b


class Div(Function):
    """a / b.   d/da = 1/b,  d/db = -a/b²."""

    @staticmethod
    def forward(ctx, a, b):
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        grad_a = grad / b if _needs(a) else None
        grad_b = -grad * a / (b * b) if _needs(b) else None
        return grad_a, grad_b


class Neg(Function):
    """-a."""

    reads_inputs = False

    @staticmethod
    def forward(ctx, a):
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Pow(Function):
    """a ** b.   d/da = b·a^(b-1),  d/db = a^b · log a (defined where a > 0)."""

    @staticmethod
    def forward(ctx, a, b):
        return np.power(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        grad_a = None
        if _needs(a):
            zero_exponent = _data(b) == 0
            if np.any(zero_exponent):   # x⁰ = 1 has slope 0, also at x = 0 (not 0·0⁻¹ = NaN)
                base = where(zero_exponent, 1.0, a)
                grad_a = where(zero_exponent, 0.0, grad * b * base ** (b - 1))
            else:
                grad_a = grad * b * a ** (b - 1)
        grad_b = None
        if _needs(b):
            # log a is taken only where a > 0; elsewhere torch's convention is a zero gradient.
            positive = (_data(a) > 0)
            if isinstance(a, Tensor):
                log_a = log(where(positive, a, 1.0))
            else:   # a constant base (2.0 ** x): its log is a constant, in the gradient's dtype
                log_a = np.log(np.where(positive, a, 1.0)).astype(grad.dtype)
            grad_b = grad * a ** b * log_a
        return grad_a, grad_b


class Abs(Function):
    """|a|.   d/da = sign(a) (0 at 0, as torch)."""

    @staticmethod
    def forward(ctx, a):
        return np.abs(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad * np.sign(a._data)


class Exp(Function):
    """exp(a).   d/da = exp(a), the output itself."""

    save_output = True

    @staticmethod
    def forward(ctx, a):
        return np.exp(a)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.output


class Log(Function):
    """log(a).   d/da = 1/a."""

    @staticmethod
    def forward(ctx, a):
        return np.log(a)

    @staticmethod
    def backward(ctx, grad):
        return grad / ctx.inputs[0]


class Log1p(Function):
    """log(1 + a), accurate for small a.   d/da = 1/(1 + a)."""

    @staticmethod
    def forward(ctx, a):
        return np.log1p(a)

    @staticmethod
    def backward(ctx, grad):
        return grad / (ctx.inputs[0] + 1.0)


class Sqrt(Function):
    """√a.   d/da = 1/(2√a)."""

    save_output = True

    @staticmethod
    def forward(ctx, a):
        return np.sqrt(a)

    @staticmethod
    def backward(ctx, grad):
        return grad / (2.0 * ctx.output)


class Sin(Function):
    """sin(a).   d/da = cos(a)."""

    @staticmethod
    def forward(ctx, a):
        return np.sin(a)

    @staticmethod
    def backward(ctx, grad):
        return grad * cos(ctx.inputs[0])


class Cos(Function):
    """cos(a).   d/da = -sin(a)."""

    @staticmethod
    def forward(ctx, a):
        return np.cos(a)

    @staticmethod
    def backward(ctx, grad):
        return -grad * sin(ctx.inputs[0])


class Maximum(Function):
    """Element-wise max(a, b); a tie sends half the gradient to each side (as torch)."""

    @staticmethod
    def forward(ctx, a, b):
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, grad):
        return _pick_backward(ctx, grad, np.greater)


class Minimum(Function):
    """Element-wise min(a, b); a tie sends half the gradient to each side (as torch)."""

    @staticmethod
    def forward(ctx, a, b):
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, grad):
        return _pick_backward(ctx, grad, np.less)


def _pick_backward(ctx, grad, wins):
    a, b = ctx.inputs
    a_data, b_data = _data(a), _data(b)
    # Piecewise-constant weights: 1 where a wins, 0 where b wins, 0.5 on a tie.
    weight_a = wins(a_data, b_data) + 0.5 * (a_data == b_data)
    weight_a = np.asarray(weight_a, dtype=grad.dtype)
    grad_a = grad * weight_a if _needs(a) else None
    grad_b = grad * (1.0 - weight_a) if _needs(b) else None
    return grad_a, grad_b


class Clamp(Function):
    """clamp(a, min, max).   d/da = 1 inside [min, max], 0 outside."""

    @staticmethod
    def forward(ctx, a, min=None, max=None):
        ctx.inside = np.ones(a.shape, dtype=a.dtype)
        if min is not None:
            ctx.inside *= (a >= min)
        if max is not None:
            ctx.inside *= (a <= max)
        return np.clip(a, min, max)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.inside


class Cast(Function):
    """Change the dtype. Backward casts the gradient back to the input's dtype."""

    reads_inputs = False

    returns_float64 = True     # a cast to float64 is asked for: apply must not narrow it

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.in_dtype = a.dtype
        return a.astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return Cast.apply(grad, ctx.in_dtype)


class Clone(Function):
    """A copy with its own memory. Backward: the identity."""

    reads_inputs = False

    @staticmethod
    def forward(ctx, a):
        return a.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


def _needs(x):
    return isinstance(x, Tensor) and x.requires_grad


def _data(x):
    if isinstance(x, Tensor):
        return x._data
    # A Python number stays one: numpy treats it as "weak" and keeps float32, where a 0-d
    # float64 array (np.asarray(0.5)) would widen the gradient of `x * 0.5` to float64.
    return x if isinstance(x, (bool, int, float)) else np.asarray(x)


# --- functions (torch names) -------------------------------------------------------------------
def add(a, b, alpha=1):
    return apply_binary(Add, a, b if alpha == 1 else b * alpha)


def sub(a, b, alpha=1):
    return apply_binary(Sub, a, b if alpha == 1 else b * alpha)


def mul(a, b):
    return apply_binary(Mul, a, b)


def div(a, b):
    return apply_binary(Div, a, b)


def neg(a):
    return Neg.apply(a)


def pow(a, exponent):
    """a ** exponent; the common square takes the cheaper path a * a."""
    if isinstance(exponent, (int, float)) and exponent == 2 and isinstance(a, Tensor):
        return Mul.apply(a, a)
    return Pow.apply(a, exponent)


def square(a):
    return Mul.apply(a, a)


def abs(a):
    return Abs.apply(a)


def exp(a):
    return Exp.apply(a)


def log(a):
    return Log.apply(a)


def log1p(a):
    return Log1p.apply(a)


def sqrt(a):
    return Sqrt.apply(a)


def rsqrt(a):
    return 1.0 / Sqrt.apply(a)


def sin(a):
    return Sin.apply(a)


def cos(a):
    return Cos.apply(a)


def maximum(a, b):
    return Maximum.apply(a, b)


def minimum(a, b):
    return Minimum.apply(a, b)


def clamp(a, min=None, max=None):
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    return Clamp.apply(a, min=_number(min), max=_number(max))


clip = clamp


def to_dtype(a, dtype):
    dtype = np.dtype(dtype)
    return a if a.dtype == dtype else Cast.apply(a, dtype)


def clone(a):
    return Clone.apply(a)


def _number(x):
    return x.item() if isinstance(x, Tensor) else x


# --- comparisons and logic: boolean results, no gradient ---------------------------------------
def _compare(ufunc):
    def compare(a, b):
        return Tensor(ufunc(_data(a), _data(b)))
    compare.__name__ = ufunc.__name__
    compare.__doc__ = f"Element-wise {ufunc.__name__} (boolean, not differentiable)."
    return compare


eq = _compare(np.equal)
ne = _compare(np.not_equal)
lt = _compare(np.less)
le = _compare(np.less_equal)
gt = _compare(np.greater)
ge = _compare(np.greater_equal)
logical_and = _compare(np.logical_and)
logical_or = _compare(np.logical_or)


def logical_not(a):
    return Tensor(np.logical_not(_data(a)))


def sign(a):
    """sign(a): -1, 0 or 1 (piecewise constant: its gradient is zero, so none is recorded)."""
    return Tensor(np.sign(_data(a)))


def isnan(a):
    return Tensor(np.isnan(_data(a)))


def isinf(a):
    return Tensor(np.isinf(_data(a)))


def isfinite(a):
    return Tensor(np.isfinite(_data(a)))


def allclose(a, b, rtol=1e-5, atol=1e-8):
    return bool(np.allclose(_data(a), _data(b), rtol=rtol, atol=atol))


def equal(a, b):
    return bool(np.array_equal(_data(a), _data(b)))


from .indexing import where  # noqa: E402  (where is defined with the indexing ops)


# --- rounding, integer division, logarithms in other bases, Tensor.to ----------------------------
def _whole(a, ufunc):
    values = np.asarray(_data(a))
    # Integers are whole already: a copy in their own dtype (numpy's floor would give float64).
    return Tensor(values.copy() if values.dtype.kind in "iub" else ufunc(values))


def floor(a):
    """The largest whole number <= a. Piecewise constant: its gradient is zero, so none is
    recorded (as for sign)."""
    return _whole(a, np.floor)


def ceil(a):
    """The smallest whole number >= a (no gradient, as floor)."""
    return _whole(a, np.ceil)


def trunc(a):
    """a rounded towards zero (no gradient, as floor)."""
    return _whole(a, np.trunc)


def round(a, decimals=0):
    """a rounded half to even, as torch and numpy, to `decimals` digits (no gradient)."""
    return _whole(a, lambda values: np.round(values, decimals))


def floor_divide(a, b):
    """a // b rounded towards -inf (torch.floor_divide, Python's //); no gradient."""
    out = np.floor_divide(_data(a), _data(b))
    wide = any(getattr(_data(x), "dtype", None) == np.float64 for x in (a, b))
    # int // float: numpy answers in float64, torch in the default float32 (as Function.apply)
    return Tensor(out.astype(np.float32) if out.dtype == np.float64 and not wide else out)


def remainder(a, b):
    """a - b·floor(a / b), with the sign of b (torch.remainder, Python's %).

    floor(a / b) is piecewise constant, so the gradient is 1 for a and -floor(a / b) for b.
    """
    return a - floor_divide(a, b) * b


def reciprocal(a):
    return 1.0 / a


def log2(a):
    return log(a) / float(np.log(2.0))


def log10(a):
    return log(a) / float(np.log(10.0))


def to(a, *args, **kwargs):
    """`a` in another dtype, in every form of torch's Tensor.to: to(dtype), to('cpu'),
    to(device, dtype), to(other), to(dtype=..., device=..., copy=...). The device must be the
    CPU; `a` itself comes back when nothing changes (unless copy=True)."""
    dtype, copy = parse_to("Tensor.to", *args, **kwargs)
    out = a if dtype is None else to_dtype(a, dtype)
    return clone(out) if copy and out is a else out


from ..devices import parse_to  # noqa: E402
