"""Activation functions as functions (torch.nn.functional's names).

Most are the engine's own ops (glassgrad.ops.activation), re-exported; the rest are short
composites of ops, so every one is differentiable to any order. glassgrad never computes in
place: an `inplace=True` argument (common in torch code) is accepted and the result is returned
as a new tensor, which is what the caller uses anyway.
"""
import warnings

import numpy as np

from ...autograd.function import Function
from ...ops import elementwise as _ew
from ...ops.activation import gelu as _gelu
from ...ops.activation import leaky_relu as _leaky_relu
from ...ops.activation import relu as _relu
from ...ops.activation import sigmoid, tanh
from ...ops.activation import softmax as _softmax
from ...ops.activation import softplus as _softplus
from ...ops.indexing import where


def relu(input, inplace=False):
    """max(x, 0)."""
    return _relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x where x > 0, else negative_slope·x (Maas et al. 2013)."""
    return _leaky_relu(input, negative_slope)


def gelu(input, approximate="none"):
    """x·Φ(x), Φ the standard normal CDF (Hendrycks & Gimpel 2016); 'tanh' for the approximation."""
    return _gelu(input, approximate)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^(βx))/β, linear where βx > threshold; stable for any x."""
    return _softplus(input, beta, threshold)


def silu(input, inplace=False):
    """x·σ(x) (the SiLU or swish; Elfwing et al. 2018, Ramachandran et al. 2017)."""
    return input * sigmoid(input)


def elu(input, alpha=1.0, inplace=False):
    """x where x > 0, else α(e^x - 1) (Clevert et al. 2016)."""
    positive = input._data > 0
    # exp only of the non-positive part, so a large x cannot overflow the unused branch
    return where(positive, input, alpha * _ew.exp(where(positive, 0.0, input)) - alpha)


def logsigmoid(input):
    """log σ(x) = -softplus(-x), stable for large |x|."""
    return -_softplus(-input)


def _softmax_dim(name, ndim, dim):
    """torch's legacy rule when dim is omitted: 0 for 0-, 1- and 3-D input, else 1 (warned)."""
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, dtype=None):
    """exp(x_i) / Σ_j exp(x_j) along `dim` (the max is subtracted first, for stability)."""
    if dtype is not None:
        input = input.to(dtype)
    return _softmax(input, _softmax_dim("softmax", input.ndim, dim))


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
        top = x.max(axis=dim, keepdims=True)
        if not np.isfinite(top).all():          # a row of -inf, +inf or NaN: torch's answers
            return _log_softmax_nonfinite(x, dim)
        shifted = x - top                       # the max subtracted: exp cannot overflow
        lse = np.exp(shifted).sum(axis=dim, keepdims=True)
        np.log(lse, out=lse)
        shifted -= lse
        return shifted

    @staticmethod
    def backward(ctx, grad):
        probs = _ew.exp(ctx.output)
        return grad - probs * grad.sum(ctx.dim, keepdim=True)


def _log_softmax_nonfinite(x, dim):
    """Rows whose max is ±inf or NaN: the same formula, giving NaN for them as torch does."""
    with np.errstate(invalid="ignore"):
        shifted = x - x.max(axis=dim, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))


def log_softmax(input, dim=None, dtype=None):
    """x_i - log Σ_j exp(x_j) along `dim`: stable where log(softmax(x)) would give -inf."""
    if dtype is not None:
        input = input.to(dtype)
    dim = _softmax_dim("log_softmax", input.ndim, dim)
    if input.ndim == 0:                         # one element: log 1 = 0, as a 1-vector
        return LogSoftmax.apply(input.reshape(1), 0).reshape(())
    return LogSoftmax.apply(input, dim % input.ndim)


__all__ = ["elu", "gelu", "leaky_relu", "log_softmax", "logsigmoid", "relu", "sigmoid", "silu",
           "softmax", "softplus", "tanh"]
