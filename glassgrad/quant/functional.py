"""Quantizers as functions: quantize, dequantize, fake_quantize (nearest or stochastic rounding,
per tensor or per channel) and the LSQ learnable-scale fake quantizer.

    quantize:       q = clamp(round(x / s) + z, q_min, q_max)        integers
    dequantize:     x̂ = (q - z) · s                                  floats on the grid
    fake_quantize:  x̂ = dequantize(quantize(x)), differentiable with the straight-through
                    estimator (gradient 1 inside the range, 0 outside), as torch's
                    fake_quantize_per_tensor_affine / fake_quantize_per_channel_affine

- Paper: Jacob et al., CVPR 2018 (the affine scheme); Bengio et al., arXiv:1308.3432 (STE);
  Gupta et al., ICML 2015 (stochastic rounding); Esser et al., "Learned step size
  quantization", ICLR 2020 (LSQ).
"""
import numpy as np

from .. import ops
from ..ops.quantize import fake_quantize_affine
from ..random import _generator
from ..tensor import Tensor
from .qparams import check_scale, qrange, storage_dtype

ROUNDING = ("nearest", "stochastic")


def _array(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def channel_shape(x_shape, axis, n, where):
    """The shape that puts n per-channel values on `axis` of an x of x_shape (checked)."""
    ndim = len(x_shape)
    if axis is None:
        if n != 1:
            raise ValueError(f"{where}: {n} scales given but axis is None (per-tensor needs one)")
        return ()
    if not -ndim <= axis < ndim:
        raise ValueError(f"{where}: axis {axis} is out of range for an input of shape "
                         f"{tuple(x_shape)} (expected -{ndim} <= axis < {ndim})")
    axis = axis % ndim
    if n != x_shape[axis]:
        raise ValueError(f"{where}: {n} scales for axis {axis} of size {x_shape[axis]} "
                         f"(input shape {tuple(x_shape)})")
    shape = [1] * ndim
    shape[axis] = n
    return tuple(shape)


def _qparams(x_shape, scale, zero_point, axis, where):
    scale = check_scale(scale, where)
    zero_point = np.asarray(zero_point, dtype=np.int64)
    if zero_point.size == 1 and scale.size > 1:
        zero_point = np.full(scale.shape, int(zero_point.ravel()[0]), dtype=np.int64)
    if zero_point.size != scale.size:
        raise ValueError(f"{where}: {scale.size} scales but {zero_point.size} zero points")
    shape = channel_shape(x_shape, axis, scale.size, where)
    return scale.reshape(shape), zero_point.reshape(shape)


def _check_zero_point(zero_point, quant_min, quant_max, where):
    outside = (zero_point < quant_min) | (zero_point > quant_max)
    if np.any(outside):
        raise ValueError(f"{where}: zero_point {int(zero_point[outside].ravel()[0])} is outside "
                         f"the integer range [{quant_min}, {quant_max}]")


def _noise(shape, rounding, generator, where):
    if rounding not in ROUNDING:
        raise ValueError(f"{where}: rounding must be one of {ROUNDING}, got {rounding!r}")
    if rounding == "nearest":
        return None
    return _generator(generator).random(shape, dtype=np.float32)


def fake_quantize(x, scale, zero_point=0, bits=8, signed=True, axis=None, rounding="nearest",
                  generator=None):
    """x rounded onto the b-bit grid and back to floats; the gradient is the STE's.

    Args:
        x: Tensor.
        scale: one positive float (per tensor) or one per channel of `axis`.
        zero_point: integer(s) of the same count as scale.
        bits: 2-8 or 16; signed: two's-complement range, else unsigned.
        axis: None for per-tensor, else the channel axis (any, negative counts from the end).
        rounding: "nearest" (round half to even, as torch) or "stochastic" (up with
            probability equal to the fractional part; unbiased).
        generator: glassgrad.Generator for the stochastic draws.
    """
    quant_min, quant_max = qrange(bits, signed, "fake_quantize")
    scale, zero_point = _qparams(x.shape, scale, zero_point, axis, "fake_quantize")
    _check_zero_point(zero_point, quant_min, quant_max, "fake_quantize")
    noise = _noise(x.shape, rounding, generator, "fake_quantize")
    return fake_quantize_affine(x, scale, zero_point, quant_min, quant_max, noise=noise)


def fake_quantize_per_tensor_affine(input, scale, zero_point, quant_min, quant_max):
    """torch.fake_quantize_per_tensor_affine: the same arguments, the same result and STE."""
    scale, zero_point = _qparams(input.shape, scale, zero_point, None,
                                 "fake_quantize_per_tensor_affine")
    _check_zero_point(zero_point, quant_min, quant_max, "fake_quantize_per_tensor_affine")
    return fake_quantize_affine(input, scale, zero_point, int(quant_min), int(quant_max))


def fake_quantize_per_channel_affine(input, scale, zero_point, axis, quant_min, quant_max):
    """torch.fake_quantize_per_channel_affine: one scale and zero point per slice of `axis`."""
    scale, zero_point = _qparams(input.shape, _array(scale), _array(zero_point), axis,
                                 "fake_quantize_per_channel_affine")
    _check_zero_point(zero_point, quant_min, quant_max, "fake_quantize_per_channel_affine")
    return fake_quantize_affine(input, scale, zero_point, int(quant_min), int(quant_max))


def quantize(x, scale, zero_point=0, bits=8, signed=True, axis=None, rounding="nearest",
             generator=None):
    """The integer codes q = clamp(round(x / s) + z, q_min, q_max) as an int8/uint8 (16-bit for
    bits=16) Tensor; not differentiable (integers have no gradient)."""
    quant_min, quant_max = qrange(bits, signed, "quantize")
    array = _array(x)
    scale, zero_point = _qparams(array.shape, scale, zero_point, axis, "quantize")
    _check_zero_point(zero_point, quant_min, quant_max, "quantize")
    v = array.astype(np.float32) * (np.float32(1) / scale)
    noise = _noise(array.shape, rounding, generator, "quantize")
    rounded = np.rint(v) if noise is None else np.floor(v + noise)
    q = np.clip(rounded + zero_point, quant_min, quant_max)
    return Tensor(q.astype(storage_dtype(bits, signed)))


def dequantize(q, scale, zero_point=0, axis=None):
    """The floats (q - z) · s of integer codes q (float32)."""
    array = _array(q)
    if array.dtype.kind not in "iu":
        raise TypeError(f"dequantize: expected integer codes, got dtype {array.dtype}")
    scale, zero_point = _qparams(array.shape, scale, zero_point, axis, "dequantize")
    return Tensor(((array.astype(np.int64) - zero_point).astype(np.float32) * scale)
                  .astype(np.float32))


def round_ste(x):
    """round(x) forward, identity backward: x + (round(x) - x) with the bracket detached.
    Exact in float: round(x) - x is computed without error, so the sum is round(x) again."""
    return x + (ops.round(x) - x).detach()


def scale_gradient(x, factor):
    """x forward, factor · gradient backward (LSQ's gradient scale g)."""
    return x * factor + (x - x * factor).detach()


def fake_quantize_learnable(x, scale, zero_point=0, bits=8, signed=True, axis=None,
                            grad_factor=None):
    """LSQ: fake quantization whose step size `scale` (a Tensor that requires grad) is learnt.

        x̂ = (clamp(round_ste(x / s) + z, q_min, q_max) - z) · s
        dx̂/ds = round(x/s) - x/s inside the range, q_min - z or q_max - z outside

    The gradient of s is scaled by g = 1 / sqrt(numel(x) · q_max) (per channel: the channel's
    size), as the paper recommends; pass grad_factor to override. A composite of glassgrad ops,
    so it is differentiable to any order where the STE allows.

    - Paper: Esser et al., "Learned step size quantization", ICLR 2020, eqs. 1-4.
    """
    quant_min, quant_max = qrange(bits, signed, "fake_quantize_learnable")
    if not isinstance(scale, Tensor):
        raise TypeError("fake_quantize_learnable: scale must be a glassgrad Tensor (a "
                        f"Parameter to learn), got {type(scale).__name__}")
    check_scale(scale._data, "fake_quantize_learnable")
    shape = channel_shape(x.shape, axis, scale.numel(), "fake_quantize_learnable")
    zero_point = np.asarray(zero_point, dtype=np.float32)
    if zero_point.size > 1:
        zero_point = zero_point.reshape(shape)
    if grad_factor is None:
        per_scale = x.numel() // max(scale.numel(), 1)
        grad_factor = 1.0 / np.sqrt(per_scale * max(quant_max, 1))
    s = scale_gradient(scale.reshape(shape) if shape else scale.reshape(()), float(grad_factor))
    q = ops.clamp(round_ste(x / s) + Tensor(zero_point), quant_min, quant_max)
    return (q - Tensor(zero_point)) * s


__all__ = ["ROUNDING", "fake_quantize", "fake_quantize_per_tensor_affine",
           "fake_quantize_per_channel_affine", "quantize", "dequantize", "round_ste",
           "scale_gradient", "fake_quantize_learnable", "channel_shape"]
