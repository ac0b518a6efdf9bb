"""AdaRound: learn, layer by layer, whether each weight rounds down or up, so that the layer's
output on calibration data changes least (rounding to nearest ignores how the errors interact).

    W̃ = s · clamp(⌊W / s⌋ + h(V), q_min, q_max),   h(V) = clamp(σ(V)(ζ - γ) + γ, 0, 1)
    minimise_V  ‖f(W x) - f(W̃ x̂)‖²_F / N  +  λ Σ_ij (1 - |2 h(V_ij) - 1|^β)

ζ = 1.1, γ = -0.1 (the rectified sigmoid reaches 0 and 1 exactly); β anneals from 20 to 2 after
a warm-up without the regulariser, which pushes every h(V) to 0 or 1; x̂ is the layer's input in
the model whose earlier layers are already quantized (the paper's asymmetric reconstruction).
At the end W is rounded by h(V) >= 0.5.

- Paper: Nagel, Amjad, van Baalen, Louizos & Blankevoort, "Up or down? Adaptive rounding for
  post-training quantization", ICML 2020 (eqs. 21-25; λ, β schedule and ζ, γ of section 5).
"""
import copy

import numpy as np

from .. import nn, ops
from ..autograd import grad_mode
from ..nn import functional as F
from ..nn.parameter import Parameter
from ..optim import Adam
from ..random import _generator
from ..tensor import Tensor
from .qparams import calculate_qparams, qrange

ZETA, GAMMA = 1.1, -0.1
_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d)


def rectified_sigmoid(v):
    """h(V) = clamp(σ(V)(ζ - γ) + γ, 0, 1)."""
    return ops.clamp(ops.sigmoid(v) * (ZETA - GAMMA) + GAMMA, 0.0, 1.0)


def initial_v(fraction):
    """V with h(V) = fraction (the start is rounding's starting point W / s exactly)."""
    fraction = np.clip(fraction, 1e-4, 1 - 1e-4)
    return -np.log((ZETA - GAMMA) / (fraction - GAMMA) - 1)


def weight_qparams(weight, bits, per_channel=True):
    """Symmetric signed (scale, zero point) of a weight from its min/max, per output channel."""
    w = np.asarray(weight, dtype=np.float32)
    if per_channel:
        rows = w.reshape(w.shape[0], -1)
        return calculate_qparams(rows.min(1), rows.max(1), bits, symmetric=True)
    return calculate_qparams(w.min(), w.max(), bits, symmetric=True)


def _scale_shape(weight, scale):
    return np.asarray(scale, np.float32).reshape((-1,) + (1,) * (weight.ndim - 1)) \
        if np.ndim(scale) else np.float32(scale)


def round_nearest(weight, bits, per_channel=True):
    """The weight rounded to nearest on its symmetric b-bit grid (floats on the grid)."""
    scale, _ = weight_qparams(weight, bits, per_channel)
    s = _scale_shape(weight, scale)
    return (np.clip(np.rint(weight / s), *qrange(bits)) * s).astype(np.float32)


def round_stochastic(weight, bits, per_channel=True, generator=None):
    """The weight rounded up with probability equal to its fractional part (one draw)."""
    scale, _ = weight_qparams(weight, bits, per_channel)
    s = _scale_shape(weight, scale)
    u = _generator(generator).random(np.shape(weight))
    return (np.clip(np.floor(weight / s + u), *qrange(bits)) * s).astype(np.float32)


def _call_layer(layer, x, weight):
    if isinstance(layer, nn.Linear):
        return F.linear(x, weight, layer.bias)
    conv = F.conv1d if isinstance(layer, nn.Conv1d) else F.conv2d
    return conv(x, weight, layer.bias, layer.stride, layer.padding, layer.dilation, layer.groups)


def adaround_layer(layer, inputs, targets, bits=4, per_channel=True, iterations=1000,
                   batch_size=64, lr=1e-2, reg_weight=0.01, beta=(20.0, 2.0), warmup=0.2,
                   activation=None, generator=None):
    """AdaRound one layer; returns its rounded weight (floats on the grid, numpy).

    Args:
        layer: nn.Linear / Conv1d / Conv2d (its float weight and bias; not changed).
        inputs: the layer's inputs in the partly quantized model (numpy, N first).
        targets: the float model's outputs of the layer on the same samples (before
            `activation`; it is applied to both sides).
        iterations, batch_size, lr: Adam on V over random calibration batches.
        reg_weight: λ; beta: (start, end) of the annealed exponent; warmup: fraction of the
            iterations without the regulariser.
    """
    if not isinstance(layer, _LAYERS):
        raise TypeError(f"adaround_layer: expected a Linear/Conv1d/Conv2d, got "
                        f"{type(layer).__name__}")
    inputs, targets = np.asarray(inputs, np.float32), np.asarray(targets, np.float32)
    if len(inputs) != len(targets):
        raise ValueError(f"adaround_layer: {len(inputs)} calibration inputs but {len(targets)} "
                         f"targets")
    weight = layer.weight._data
    scale, _ = weight_qparams(weight, bits, per_channel)
    s = _scale_shape(weight, scale)
    quant_min, quant_max = qrange(bits)
    floor = np.floor(weight / s)
    v = Parameter(Tensor(initial_v(weight / s - floor).astype(np.float32)))
    optimizer = Adam([v], lr=lr)
    rng = _generator(generator)
    start = int(warmup * iterations)
    act = activation if activation is not None else (lambda t: t)
    floor_t, s_t = Tensor(floor.astype(np.float32)), Tensor(np.asarray(s, np.float32))
    for step in range(iterations):
        batch = rng.choice(len(inputs), min(batch_size, len(inputs)), replace=False)
        soft = ops.clamp(floor_t + rectified_sigmoid(v), quant_min, quant_max) * s_t
        out = act(_call_layer(layer, Tensor(inputs[batch]), soft))
        error = out - act(Tensor(targets[batch]))
        loss = (error * error).sum() / len(batch)
        if step >= start:
            progress = (step - start) / max(iterations - start, 1)
            b = beta[1] + (beta[0] - beta[1]) * (1 - progress)     # linear decay 20 -> 2
            h = rectified_sigmoid(v)
            loss = loss + reg_weight * (1 - ops.abs(2 * h - 1) ** b).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    up = (rectified_sigmoid(v)._data >= 0.5).astype(np.float32)
    return (np.clip(floor + up, quant_min, quant_max) * s).astype(np.float32)


def _capture(model, layer, data, batch_size=1000):
    """(inputs, outputs) of `layer` when `model` runs on data (numpy, no graph)."""
    seen_in, seen_out = [], []
    handle = layer.register_forward_hook(
        lambda module, args, output: (seen_in.append(args[0]._data), seen_out.append(
            output._data)) and None)
    try:
        with grad_mode.no_grad():
            for i in range(0, len(data), batch_size):
                model(Tensor(np.asarray(data[i:i + batch_size], np.float32)))
    finally:
        handle.remove()
    return np.concatenate(seen_in), np.concatenate(seen_out)


def adaround(model, calibration, layers=None, bits=4, per_channel=True, activations=None,
             **options):
    """A copy of `model` whose listed layers' weights are AdaRounded one after another.

    Args:
        model: the float model (not changed).
        calibration: a few hundred to a few thousand inputs (numpy, the model's input shape).
        layers: names of the Linear/Conv layers in order (default: all, in model order).
        activations: {name: function} applied to a layer's output in its loss (e.g. relu).
        options: passed to adaround_layer (iterations, lr, reg_weight, ...).
    """
    calibration = np.asarray(calibration, np.float32)
    quantized = copy.deepcopy(model)
    named = dict(model.named_modules())
    named_q = dict(quantized.named_modules())
    if layers is None:
        layers = [name for name, m in model.named_modules() if isinstance(m, _LAYERS)]
    for name in layers:
        if name not in named or not isinstance(named[name], _LAYERS):
            raise ValueError(f"adaround: {name!r} is not a Linear/Conv layer of "
                             f"{type(model).__name__}; its layers: "
                             f"{[n for n, m in model.named_modules() if isinstance(m, _LAYERS)]}")
    for name in layers:
        _, targets = _capture(model, named[name], calibration)
        inputs, _ = _capture(quantized, named_q[name], calibration)
        rounded = adaround_layer(named[name], inputs, targets, bits, per_channel,
                                 activation=(activations or {}).get(name), **options)
        named_q[name].weight = Parameter(Tensor(rounded))
    return quantized


def quantize_weights(model, bits=4, per_channel=True, rounding="nearest", generator=None):
    """A copy of `model` with every Linear/Conv weight rounded to its b-bit grid (weights-only
    post-training quantization): rounding "nearest" or "stochastic"."""
    quantized = copy.deepcopy(model)
    for module in quantized.modules():
        if isinstance(module, _LAYERS):
            w = module.weight._data
            q = (round_nearest(w, bits, per_channel) if rounding == "nearest"
                 else round_stochastic(w, bits, per_channel, generator))
            module.weight = Parameter(Tensor(q))
    return quantized


__all__ = ["rectified_sigmoid", "initial_v", "weight_qparams", "round_nearest",
           "round_stochastic", "adaround_layer", "adaround", "quantize_weights"]
