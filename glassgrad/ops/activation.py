"""Activation functions, all of them (nn.functional only names them with torch's signatures).
Primitives where the derivative is cheapest from the output (tanh, sigmoid, log-softmax) or a
mask (relu); composites (GELU, softplus, SiLU, ELU, softmax) of existing ops otherwise, which
makes them differentiable to any order for free.
"""
import math

import numpy as np

from ..autograd.function import Function
from . import elementwise as ew
from .indexing import where

try:  # scipy's erf is vectorised C; the fallback maps Python's exact math.erf over the array
    from scipy.special import erf as _erf_array
except ImportError:  # pragma: no cover - exercised only without scipy
    _erf_ufunc = np.frompyfunc(math.erf, 1, 1)

    def _erf_array(x):
        return _erf_ufunc(x).astype(x.dtype)


class Tanh(Function):
    """tanh(a).   d/da = 1 - tanh²(a), from the output."""

    save_output = True

    @staticmethod
    def forward(ctx, a):
        return np.tanh(a)

    @staticmethod
    def backward(ctx, grad):
        out = ctx.output
        return grad * (1.0 - out * out)


class Sigmoid(Function):
    """σ(a) = 1 / (1 + e^-a).   d/da = σ(a)(1 - σ(a)), from the output."""

    save_output = True

    @staticmethod
    def forward(ctx, a):
        # σ(a) = (1 + tanh(a/2)) / 2 never overflows, unlike 1/(1+exp(-a)) for a = -1000.
        out = np.tanh(a * 0.5)
        out += 1.0
        out *= 0.5
        return out

    @staticmethod
    def backward(ctx, grad):
        out = ctx.output
        return grad * (out * (1.0 - out))


class Relu(Function):
    """max(a, 0).   d/da = 1 where a > 0, else 0."""

    @staticmethod
    def forward(ctx, a):
        return np.maximum(a, 0)

    @staticmethod
    def backward(ctx, grad):
        return grad * (ctx.inputs[0]._data > 0)


class LeakyRelu(Function):
    """a where a > 0, else slope·a.   d/da = 1 or slope."""

    @staticmethod
    def forward(ctx, a, negative_slope=0.01):
        ctx.negative_slope = negative_slope
        return np.where(a > 0, a, a * negative_slope)

    @staticmethod
    def backward(ctx, grad):
        positive = ctx.inputs[0]._data > 0
        return grad * np.where(positive, 1.0, ctx.negative_slope).astype(grad.dtype)


class Erf(Function):
    """The error function erf(a) = 2/√π ∫₀ᵃ e^(-t²) dt.   d/da = 2/√π · e^(-a²)."""

    @staticmethod
    def forward(ctx, a):
        return _erf_array(a)

    @staticmethod
    def backward(ctx, grad):
        a = ctx.inputs[0]
        return grad * (2.0 / math.sqrt(math.pi)) * ew.exp(-(a * a))


def tanh(a):
    return Tanh.apply(a)


def sigmoid(a):
    return Sigmoid.apply(a)


def relu(a):
    return Relu.apply(a)


def leaky_relu(a, negative_slope=0.01):
    return LeakyRelu.apply(a, negative_slope=negative_slope)


def erf(a):
    return Erf.apply(a)


def gelu(a, approximate="none"):
    """GELU(a) = a·Φ(a) (Hendrycks & Gimpel 2016); `approximate='tanh'` uses their tanh form."""
    if approximate == "none":
        return a * 0.5 * (1.0 + erf(a * (1.0 / math.sqrt(2.0))))
    if approximate == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (a + 0.044715 * (a * a * a))
        return 0.5 * a * (1.0 + tanh(inner))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def softplus(a, beta=1.0, threshold=20.0):
    """softplus(a) = log(1 + e^(βa))/β, linear where βa > threshold (as torch).

    Written as max(βa, 0) + log1p(e^(-|βa|)), which never overflows. Both pieces pick a branch
    with `where` rather than relu/abs, so that at βa = 0 the derivative is that of the
    log1p(e^(βa)) branch, σ(0) = 1/2 (relu' + abs' would give 0 there).
    """
    scaled = a * beta if beta != 1 else a
    positive = scaled._data > 0
    smooth = where(positive, scaled, 0.0) + ew.log1p(ew.exp(where(positive, -scaled, scaled)))
    if beta != 1:
        smooth = smooth / beta
    return where(scaled._data > threshold, a, smooth)


class LogSoftmax(Function):
    """log softmax(x)_i = x_i - log Σ_j exp(x_j) along `dim`, as one fused primitive.

    Why a primitive (measured, shared/PERFORMANCE.md's per-op overhead): the composite
    x - logsumexp(x) records six ops; this one runs ~3x faster forward + backward on the
    (128, 10) logits of the benchmarked MLP step, where it is the whole of cross_entropy.
    Backward, from the output: dx = g - softmax(x)·Σ_j g_j, with softmax(x) = exp(output);
    written in glassgrad ops, so second derivatives flow through the output again.
    """

    save_output = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return log_softmax_array(x, dim)

    @staticmethod
    def backward(ctx, grad):
        probs = ew.exp(ctx.output)
        return grad - probs * grad.sum(ctx.dim, keepdim=True)


def log_softmax_array(x, dim):
    """log softmax of a numpy array along `dim`, the max subtracted first (exp cannot
    overflow); a row whose max is ±inf or NaN gives NaN, as torch does."""
    if x.size == 0:                         # an empty dim (or batch): nothing to normalise
        return np.empty_like(x)
    top = x.max(axis=dim, keepdims=True)
    if not np.isfinite(top).all():
        with np.errstate(invalid="ignore"):
            shifted = x - top
            return shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
    shifted = x - top
    lse = np.exp(shifted).sum(axis=dim, keepdims=True)
    np.log(lse, out=lse)
    shifted -= lse
    return shifted


def log_softmax(a, dim):
    """x_i - log Σ_j exp(x_j) along `dim`: stable where log(softmax(x)) would give -inf."""
    return _log_softmax("log_softmax", a, dim)


def softmax(a, dim):
    """exp(x_i) / Σ_j exp(x_j) along `dim`, as exp(log_softmax(x)): stable, and two ops."""
    return ew.exp(_log_softmax("softmax", a, dim))


def _log_softmax(op, a, dim):
    if a.ndim == 0:                         # one element: log 1 = 0, as a 1-vector
        return LogSoftmax.apply(a.reshape(1), _dim(op, dim, 1)).reshape(())
    return LogSoftmax.apply(a, _dim(op, dim, a.ndim))


def _dim(op, dim, ndim):
    """One dim in range (as torch: -ndim <= dim < ndim), made non-negative."""
    if not -ndim <= dim < ndim:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of "
                         f"[{-ndim}, {ndim - 1}], but got {dim})")
    return dim % ndim


def silu(a):
    """x·σ(x) (the SiLU or swish; Elfwing et al. 2018, Ramachandran et al. 2017)."""
    return a * sigmoid(a)


def elu(a, alpha=1.0):
    """x where x > 0, else α(e^x - 1) (Clevert et al. 2016)."""
    positive = a._data > 0
    # exp only of the non-positive part, so a large x cannot overflow the unused branch
    return where(positive, a, alpha * ew.exp(where(positive, 0.0, a)) - alpha)


def logsigmoid(a):
    """log σ(x) = -softplus(-x), stable for large |x|."""
    return -softplus(-a)
