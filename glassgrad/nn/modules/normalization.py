"""Normalisation layers: BatchNorm1d/2d, InstanceNorm1d/2d, LayerNorm, GroupNorm.

Parameters `weight` (γ, ones) and `bias` (β, zeros); the batch and instance norms also keep the
buffers `running_mean`, `running_var` and `num_batches_tracked` (torch's names, so state dicts
load both ways). The maths is in glassgrad.nn.functional.normalization.
"""
from ... import creation
from ...dtypes import int64
from .. import init
from ..functional.conv import expected_shape
from ..functional.normalization import batch_norm, group_norm, instance_norm, layer_norm
from ..parameter import Parameter
from .module import Module


def _affine_parameters(module, shape, affine, bias, dtype):
    """Register γ (`weight`) and β (`bias`) of `shape`, or None where the layer has none, and
    set them to the identity transform: γ = 1, β = 0."""
    module.register_parameter("weight", Parameter(creation.ones(*shape, dtype=dtype))
                              if affine else None)
    module.register_parameter("bias", Parameter(creation.zeros(*shape, dtype=dtype))
                              if affine and bias else None)


def _reset_affine(module):
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class _NormBase(Module):
    """Affine parameters and running-statistics buffers shared by batch and instance norm."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, dtype=None, *, bias=True):
        super().__init__()
        if num_features < 1:
            raise ValueError(f"{type(self).__name__}: num_features must be positive, got "
                             f"{num_features}")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _affine_parameters(self, (num_features,), affine, bias, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", creation.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", creation.tensor(0, dtype=int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self):
        """γ = 1, β = 0 (the identity transform), and fresh running statistics."""
        self.reset_running_stats()
        _reset_affine(self)

    def _check_input(self, input):
        """Rank and channel count, with an error naming the layer and both shapes."""
        if input.ndim not in self._ranks or \
                input.shape[self._channel_dim(input.ndim)] != self.num_features:
            raise RuntimeError(f"{type(self).__name__}({self.num_features}): expected input of "
                               f"shape {self._expected()}, got {tuple(input.shape)}")

    def _channel_dim(self, ndim):
        return 1

    def _expected(self):
        shape = expected_shape(self._dims, self.num_features)
        return f"(N, {self.num_features}) or {shape}" if self._ranks == (2, 3) else shape

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    def forward(self, input):
        self._check_input(input)
        # momentum=None: the cumulative average, factor 1/(batches seen so far).
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked.item())
        # Batch statistics in training, and in eval too when there are no running ones.
        use_batch = self.training or self.running_mean is None
        keep = not self.training or self.track_running_stats
        return batch_norm(input, self.running_mean if keep else None,
                          self.running_var if keep else None, self.weight, self.bias,
                          use_batch, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over (N, C) or (N, C, L), per channel.

    y = (x - E[x]) / √(Var[x] + ε) · γ + β: batch statistics in training (and running_mean,
    running_var move towards them by `momentum`, or their cumulative average when
    momentum=None), the running statistics in eval mode.
    - Paper: Ioffe & Szegedy 2015, "Batch Normalization", https://arxiv.org/abs/1502.03167
    """

    _dims, _ranks = 1, (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over (N, C, H, W), per channel (statistics over N, H, W).
    - Paper: Ioffe & Szegedy 2015, "Batch Normalization", https://arxiv.org/abs/1502.03167

    Example::

        >>> bn = BatchNorm2d(16)
        >>> bn(glassgrad.randn(8, 16, 5, 5)).shape
        (8, 16, 5, 5)
    """

    _dims, _ranks = 2, (4,)


class _InstanceNorm(_NormBase):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype,
                         bias=bias)

    def _channel_dim(self, ndim):
        return ndim - self._dims - 1          # (C, *spatial) unbatched, else (N, C, *spatial)

    def forward(self, input):
        self._check_input(input)
        unbatched = input.ndim == self._dims + 1
        x = input.unsqueeze(0) if unbatched else input
        out = instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats,
                            0.0 if self.momentum is None else self.momentum, self.eps)
        return out.squeeze(0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation over (N, C, L) or (C, L): each sample's channel by its own
    statistics over L. affine=False and no running statistics by default, as in torch.
    - Paper: Ulyanov et al. 2016, "Instance Normalization", https://arxiv.org/abs/1607.08022
    """

    _dims, _ranks = 1, (2, 3)

    def _expected(self):
        return f"{expected_shape(1, self.num_features)} or ({self.num_features}, L)"


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation over (N, C, H, W) or (C, H, W), per sample and channel.
    - Paper: Ulyanov et al. 2016, "Instance Normalization", https://arxiv.org/abs/1607.08022
    """

    _dims, _ranks = 2, (3, 4)

    def _expected(self):
        return f"{expected_shape(2, self.num_features)} or ({self.num_features}, H, W)"


class LayerNorm(Module):
    """Layer normalisation over the trailing `normalized_shape` dims of each sample.

    y = (x - E[x]) / √(Var[x] + ε) · γ + β, γ (ones) and β (zeros) of shape normalized_shape.
    - Paper: Ba, Kiros & Hinton 2016, "Layer Normalization", https://arxiv.org/abs/1607.06450

    Example::

        >>> LayerNorm(128)(glassgrad.randn(32, 64, 128)).shape
        (32, 64, 128)
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 dtype=None):
        super().__init__()
        self.normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) \
            else tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        _affine_parameters(self, self.normalized_shape, elementwise_affine, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_affine(self)

    def forward(self, input):
        k = len(self.normalized_shape)
        if tuple(input.shape[input.ndim - k:]) != self.normalized_shape or input.ndim < k:
            raise RuntimeError(f"LayerNorm({self.normalized_shape}): expected input of shape "
                               f"(*, {', '.join(map(str, self.normalized_shape))}), got "
                               f"{tuple(input.shape)}")
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine="
                f"{self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Group normalisation: each sample's channels in num_groups groups, each group normalised
    over its channels and positions; γ, β per channel. Independent of the batch size.
    - Paper: Wu & He 2018, "Group Normalization", https://arxiv.org/abs/1803.08494
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, dtype=None, *,
                 bias=True):
        super().__init__()
        if num_groups < 1 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels={num_channels} must be divisible by "
                             f"num_groups={num_groups}")
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        _affine_parameters(self, (num_channels,), affine, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_affine(self)

    def forward(self, input):
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise RuntimeError(f"GroupNorm({self.num_groups}, {self.num_channels}): expected "
                               f"input of shape (N, {self.num_channels}, *), got "
                               f"{tuple(input.shape)}")
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")
