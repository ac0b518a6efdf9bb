"""Data-free quantization: cross-layer equalisation, high-bias absorption and bias correction.

    equalisation:  for y = W2 relu(W1 x + b1) + b2 and channel i of the middle,
                   r1_i = max|W1[i, :]|, r2_i = max|W2[:, i]|,  s_i = √(r1_i r2_i) / r2_i,
                   W1[i] /= s_i, b1_i /= s_i, W2[:, i] *= s_i      (relu(x / s) = relu(x) / s)
                   after which both ranges are √(r1_i r2_i): per-tensor quantization no longer
                   wastes its grid on the widest channel
    bias absorption: c = max(0, β - 3γ) (BN statistics of layer 1's output); b1 -= c,
                   b2 += W2 c: exact while the pre-activation stays above c
    bias correction: ε = W̃ - W shifts the output mean by ε E[x]; b -= ε E[x], with E[x] from
                   data (empirical) or, after BN + ReLU, E[relu(y)], y ~ N(β, γ²) (analytic)

- Paper: Nagel, van Baalen, Blankevoort & Welling, "Data-free quantization through weight
  equalization and bias correction", ICCV 2019 (eqs. 4-10, 13-18).
"""
import math

import numpy as np

from .. import nn
from ..nn.parameter import Parameter
from ..tensor import Tensor
from .adaround import _capture

_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d)


def _set(layer, weight=None, bias=None):
    dtype = layer.weight._data.dtype
    if weight is not None:
        layer.weight = Parameter(Tensor(weight.astype(dtype)))
    if bias is not None:
        layer.bias = Parameter(Tensor(bias.astype(dtype)))


def _check_pair(first, second, where):
    for layer, which in ((first, "first"), (second, "second")):
        if not isinstance(layer, _LAYERS):
            raise TypeError(f"{where}: the {which} layer must be Linear/Conv1d/Conv2d, got "
                            f"{type(layer).__name__}")
    out1, in2 = first.weight.shape[0], second.weight.shape[1]
    if out1 != in2:
        raise ValueError(f"{where}: {type(first).__name__} has {out1} outputs but "
                         f"{type(second).__name__} takes {in2} inputs: not consecutive")


def equalize_pair(first, second):
    """Rescale the channels between two consecutive layers (in place); returns the factors s."""
    _check_pair(first, second, "equalize_pair")
    w1 = first.weight._data.astype(np.float64)
    w2 = second.weight._data.astype(np.float64)
    r1 = np.abs(w1.reshape(w1.shape[0], -1)).max(1)
    r2 = np.abs(np.moveaxis(w2, 1, 0).reshape(w2.shape[1], -1)).max(1)
    s = np.where((r1 > 0) & (r2 > 0), np.sqrt(r1 * r2) / np.where(r2 > 0, r2, 1), 1.0)
    shape1 = (-1,) + (1,) * (w1.ndim - 1)
    shape2 = (1, -1) + (1,) * (w2.ndim - 2)
    _set(first, w1 / s.reshape(shape1),
         None if first.bias is None else first.bias._data / s)
    _set(second, w2 * s.reshape(shape2))
    return s


def equalizable_pairs(sequential):
    """Names of (layer, layer) in a Sequential with only a ReLU (or nothing) between them;
    an error names the module that stands between two layers otherwise."""
    if not isinstance(sequential, nn.Sequential):
        raise TypeError(f"equalize: expected an nn.Sequential, got {type(sequential).__name__}")
    children = list(sequential.named_children())
    pairs, last = [], None
    for name, child in children:
        if isinstance(child, _LAYERS):
            if last is not None:
                between = [m for n, m in children[children.index(last) + 1:
                                                   [c[0] for c in children].index(name)]]
                bad = [m for m in between if not isinstance(m, (nn.ReLU, nn.Identity))]
                if bad:
                    raise ValueError(f"equalize: {type(bad[0]).__name__} between layers "
                                     f"{last[0]!r} and {name!r}; cross-layer equalisation "
                                     "needs ReLU (positively homogeneous) between them")
                pairs.append((last[0], name))
            last = (name, child)
    return pairs


def equalize(sequential, iterations=10):
    """Cross-layer equalisation of every consecutive pair in a Sequential (in place), repeated
    `iterations` times (the ranges of a layer between two others converge); returns the pairs."""
    pairs = equalizable_pairs(sequential)
    for _ in range(iterations):
        for a, b in pairs:
            equalize_pair(getattr(sequential, a), getattr(sequential, b))
    return pairs


def absorb_high_bias(first, second, mean, std, n_std=3.0):
    """Move c = max(0, mean - n_std·std) of layer 1's pre-activation into layer 2's bias (in
    place); mean, std: per channel (a BatchNorm's β and γ). Returns c."""
    _check_pair(first, second, "absorb_high_bias")
    mean, std = np.asarray(mean, np.float64), np.abs(np.asarray(std, np.float64))
    c = np.maximum(0.0, mean - n_std * std)
    w2 = second.weight._data.astype(np.float64)
    shift = (w2 * c.reshape((1, -1) + (1,) * (w2.ndim - 2))).reshape(w2.shape[0], w2.shape[1],
                                                                       -1).sum((1, 2))
    b2 = second.bias._data if second.bias is not None else np.zeros(w2.shape[0])
    _set(first, bias=first.bias._data - c)
    _set(second, bias=b2 + shift)
    return c


def relu_gaussian_mean(mean, std):
    """E[relu(y)] for y ~ N(mean, std²): μ Φ(μ/σ) + σ φ(μ/σ) (the paper's eq. 17)."""
    mean, std = np.asarray(mean, np.float64), np.asarray(std, np.float64)
    z = mean / np.where(std > 0, std, 1)
    cdf = 0.5 * (1 + np.vectorize(math.erf)(z / math.sqrt(2)))
    pdf = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    return np.where(std > 0, mean * cdf + std * pdf, np.maximum(mean, 0))


def input_mean(model, layer, data):
    """E[x] per input channel of `layer` when `model` runs on data (empirical)."""
    inputs, _ = _capture(model, layer, data)
    axes = tuple(i for i in range(inputs.ndim) if i != (1 if inputs.ndim > 2 else inputs.ndim - 1))
    return inputs.mean(axis=axes)


def correct_bias(layer, float_weight, expected_input):
    """b -= (W̃ - W) E[x] (in place): layer holds the quantized W̃; returns the correction."""
    w_q = layer.weight._data.astype(np.float64)
    w = np.asarray(float_weight, np.float64)
    if w.shape != w_q.shape:
        raise ValueError(f"correct_bias: float weight of shape {w.shape} for a layer of "
                         f"shape {w_q.shape}")
    ex = np.asarray(expected_input, np.float64)
    if ex.shape != (w.shape[1],):
        raise ValueError(f"correct_bias: E[x] of shape {ex.shape}, expected ({w.shape[1]},)")
    error = w_q - w
    shift = (error * ex.reshape((1, -1) + (1,) * (w.ndim - 2))).reshape(w.shape[0], w.shape[1],
                                                                        -1).sum((1, 2))
    b = layer.bias._data if layer.bias is not None else np.zeros(w.shape[0])
    _set(layer, bias=b - shift)
    return shift


__all__ = ["equalize_pair", "equalizable_pairs", "equalize", "absorb_high_bias",
           "relu_gaussian_mean", "input_mean", "correct_bias"]
