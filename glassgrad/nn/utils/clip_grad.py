"""Gradient clipping: rescale all gradients when their joint norm is too large (clip_grad_norm_),
or clamp each gradient element (clip_grad_value_). Both act in place on `.grad`.

- Paper: Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural networks",
  ICML 2013 (clipping by norm against exploding gradients).
"""
import math

import numpy as np

from ...tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def _norm(array, norm_type):
    flat = array.reshape(-1)
    if norm_type == math.inf:
        return float(np.abs(flat).max()) if flat.size else 0.0
    if norm_type == 2:
        return float(np.sqrt(np.dot(flat, flat)))
    return float(np.sum(np.abs(flat) ** norm_type) ** (1.0 / norm_type))


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale every gradient by min(1, max_norm / (‖g‖ + 1e-6)), ‖g‖ the norm of all gradients
    together (as if concatenated into one vector).

    Returns the total norm before clipping (a 0-d float32 Tensor), which is worth logging.
    norm_type may be any p > 0 or math.inf (the largest |element|).
    """
    grads = _grads(parameters)
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not grads:
        return Tensor(np.asarray(0.0, dtype=np.float32))
    norms = [_norm(g._data, norm_type) for g in grads]
    if norm_type == math.inf:
        total = max(norms)
    else:
        total = float(np.sum(np.asarray(norms, dtype=np.float64) ** norm_type)
                      ** (1.0 / norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} for gradients "
                           f"from `parameters` is non-finite ({total}), so it cannot be clipped. "
                           "To disable this error and scale the gradients by the non-finite norm "
                           "anyway, set `error_if_nonfinite=False`")
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        with np.errstate(invalid="ignore"):      # an infinite norm: inf·0 = NaN, as in torch
            for g in grads:
                g._data *= g._data.dtype.type(coef)
    return Tensor(np.asarray(total, dtype=grads[0]._data.dtype))


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g._data, -clip_value, clip_value, out=g._data)
