"""Normalisation: batch_norm, instance_norm, layer_norm, group_norm (torch's signatures).

All four compute  y = (x - μ) / √(σ² + ε) · γ + β  and differ only in the axes μ and σ² (the
biased variance) are taken over:

    batch_norm      per channel, over (N, *spatial)
    instance_norm   per sample and channel, over (*spatial)
    layer_norm      per sample, over the trailing normalized_shape
    group_norm      per sample and group of channels, over (C / G, *spatial)

They are compositions of ops (mean, subtract, rsqrt, multiply), so they are differentiable to any
order. Running statistics (batch and instance norm) are updated in place on the buffers' arrays,
outside the graph, with the *unbiased* variance, as torch does.
"""
import numpy as np

from ...ops.elementwise import rsqrt
from ...tensor import Tensor


def _moments(x, axes):
    """Mean, x - mean and the biased variance over `axes` (kept as size-1 dims)."""
    mean = x.mean(axes, keepdim=True)
    centred = x - mean
    return mean, centred, (centred * centred).mean(axes, keepdim=True)


def _affine(out, weight, bias, shape):
    """γ·out + β, with γ and β reshaped to broadcast (None leaves that part out)."""
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def _update(running, value, momentum):
    """running ← (1 - momentum)·running + momentum·value, in place on the buffer's array."""
    array = running._data if isinstance(running, Tensor) else running
    array *= 1.0 - momentum
    array += momentum * value.astype(array.dtype, copy=False)


def _check_channels(op, input, tensors):
    if input.ndim < 2:
        raise RuntimeError(f"{op}: expected input with at least 2 dimensions (N, C, ...), got "
                           f"shape {tuple(input.shape)}")
    channels = input.shape[1]
    for name, t in tensors:
        if t is not None and tuple(t.shape) != (channels,):
            raise RuntimeError(f"{op}: {name} of shape {tuple(t.shape)} does not match the "
                               f"input's {channels} channels (input of shape "
                               f"{tuple(input.shape)}); expected ({channels},)")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalise each channel by the batch's statistics (training) or the running ones (eval).

    y = (x - E[x]) / √(Var[x] + ε) · γ + β, statistics over (N, *spatial) per channel.
    In training, running_mean/var (when given) move towards the batch's mean and unbiased
    variance by `momentum`.
    - Paper: Ioffe & Szegedy 2015, "Batch Normalization", https://arxiv.org/abs/1502.03167

    Shape: input (N, C) or (N, C, *spatial); running stats, weight, bias (C,).
    """
    _check_channels("batch_norm", input, (("running_mean", running_mean),
                                          ("running_var", running_var), ("weight", weight),
                                          ("bias", bias)))
    channels = input.shape[1]
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (channels,) + (1,) * (input.ndim - 2)
    if training:
        count = input._data.size // max(channels, 1)
        if count == 1:      # an empty batch (count 0) is allowed, as in torch: nothing to learn
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                             f"got input of shape {tuple(input.shape)}")
        mean, centred, var = _moments(input, axes)
        if running_mean is not None and running_var is not None and count:
            _update(running_mean, mean._data.reshape(channels), momentum)
            _update(running_var, var._data.reshape(channels) * (count / (count - 1)), momentum)
        out = centred * rsqrt(var + eps)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var must be given in "
                             "evaluation mode (training=False)")
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
        out = (input - mean) * rsqrt(var + eps)
    return _affine(out, weight, bias, shape)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalise each sample's channels separately, over their spatial positions.

    y = (x - E[x]) / √(Var[x] + ε) · γ + β, statistics over (*spatial) per (n, c). With
    running stats and use_input_stats, those move towards the batch-averaged instance mean and
    unbiased variance; use_input_stats=False normalises by the running stats instead.
    - Paper: Ulyanov et al. 2016, "Instance Normalization", https://arxiv.org/abs/1607.08022

    Shape: input (N, C, *spatial); running stats, weight, bias (C,).
    """
    _check_channels("instance_norm", input, (("running_mean", running_mean),
                                             ("running_var", running_var), ("weight", weight),
                                             ("bias", bias)))
    channels = input.shape[1]
    axes = tuple(range(2, input.ndim))
    shape = (channels,) + (1,) * (input.ndim - 2)
    if use_input_stats:
        count = int(np.prod(input.shape[2:])) if axes else 1
        if count <= 1:
            raise ValueError(f"instance_norm: expected more than 1 spatial element per channel "
                             f"when using input statistics, got input of shape "
                             f"{tuple(input.shape)}")
        mean, centred, var = _moments(input, axes)
        if running_mean is not None and running_var is not None:
            batch_mean = mean._data.reshape(input.shape[:2]).mean(axis=0)
            unbiased = var._data.reshape(input.shape[:2]) * (count / (count - 1))
            _update(running_mean, batch_mean, momentum)
            _update(running_var, unbiased.mean(axis=0), momentum)
        out = centred * rsqrt(var + eps)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: running_mean and running_var must be given when "
                             "use_input_stats=False")
        out = (input - running_mean.reshape(shape)) * rsqrt(running_var.reshape(shape) + eps)
    return _affine(out, weight, bias, shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise each sample over its trailing `normalized_shape` dimensions.

    y = (x - E[x]) / √(Var[x] + ε) · γ + β, γ and β of shape normalized_shape.
    - Paper: Ba, Kiros & Hinton 2016, "Layer Normalization", https://arxiv.org/abs/1607.06450

    Shape: input (*, *normalized_shape); output the same.
    """
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else \
        tuple(normalized_shape)
    k = len(normalized_shape)
    if k == 0 or tuple(input.shape[input.ndim - k:]) != normalized_shape or input.ndim < k:
        raise RuntimeError(f"layer_norm: expected input of shape (*, "
                           f"{', '.join(map(str, normalized_shape))}) for normalized_shape "
                           f"{normalized_shape}, got {tuple(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != normalized_shape:
            raise RuntimeError(f"layer_norm: {name} of shape {tuple(t.shape)} does not match "
                               f"normalized_shape {normalized_shape}")
    _, centred, var = _moments(input, tuple(range(input.ndim - k, input.ndim)))
    return _affine(centred * rsqrt(var + eps), weight, bias, normalized_shape)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each sample over groups of C / num_groups channels (and all positions).

    y = (x - E[x]) / √(Var[x] + ε) · γ + β, statistics per (n, group); γ, β per channel.
    - Paper: Wu & He 2018, "Group Normalization", https://arxiv.org/abs/1803.08494

    Shape: input (N, C, *spatial), C divisible by num_groups; weight, bias (C,).
    """
    _check_channels("group_norm", input, (("weight", weight), ("bias", bias)))
    n, channels = input.shape[:2]
    if num_groups < 1 or channels % num_groups:
        raise ValueError(f"group_norm: num_groups={num_groups} must divide the number of "
                         f"channels {channels} (input of shape {tuple(input.shape)})")
    per_group = int(np.prod(input.shape[1:])) // num_groups     # not -1: N = 0 must work too
    grouped = input.reshape(n, num_groups, per_group)
    _, centred, var = _moments(grouped, (2,))
    out = (centred * rsqrt(var + eps)).reshape(input.shape)
    return _affine(out, weight, bias, (channels,) + (1,) * (input.ndim - 2))
