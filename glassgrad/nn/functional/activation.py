"""Activation functions with torch.nn.functional's names and signatures.

Every activation lives in glassgrad.ops.activation; this file only names them as torch does.
glassgrad never computes in place: an `inplace=True` argument (common in torch code) is
accepted and the result is returned as a new tensor, which is what the caller uses anyway.
"""
import warnings

from ...ops import activation as _act
from ...ops.activation import sigmoid, tanh


def relu(input, inplace=False):
    """max(x, 0)."""
    return _act.relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x where x > 0, else negative_slope·x (Maas et al. 2013)."""
    return _act.leaky_relu(input, negative_slope)


def gelu(input, approximate="none"):
    """x·Φ(x), Φ the standard normal CDF (Hendrycks & Gimpel 2016); 'tanh' for the approximation."""
    return _act.gelu(input, approximate)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^(βx))/β, linear where βx > threshold; stable for any x."""
    return _act.softplus(input, beta, threshold)


def silu(input, inplace=False):
    """x·σ(x) (the SiLU or swish; Elfwing et al. 2018, Ramachandran et al. 2017)."""
    return _act.silu(input)


def elu(input, alpha=1.0, inplace=False):
    """x where x > 0, else α(e^x - 1) (Clevert et al. 2016)."""
    return _act.elu(input, alpha)


def logsigmoid(input):
    """log σ(x) = -softplus(-x), stable for large |x|."""
    return _act.logsigmoid(input)


def _softmax_dim(name, ndim, dim):
    """torch's legacy rule when dim is omitted: 0 for 0-, 1- and 3-D input, else 1 (warned)."""
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, dtype=None):
    """exp(x_i) / Σ_j exp(x_j) along `dim`, computed stably."""
    if dtype is not None:
        input = input.to(dtype)
    return _act.softmax(input, _softmax_dim("softmax", input.ndim, dim))


def log_softmax(input, dim=None, dtype=None):
    """x_i - log Σ_j exp(x_j) along `dim`: stable where log(softmax(x)) would give -inf."""
    if dtype is not None:
        input = input.to(dtype)
    return _act.log_softmax(input, _softmax_dim("log_softmax", input.ndim, dim))


__all__ = ["elu", "gelu", "leaky_relu", "log_softmax", "logsigmoid", "relu", "sigmoid", "silu",
           "softmax", "softplus", "tanh"]
