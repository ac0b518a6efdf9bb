"""BatchNorm folding: merge an eval-mode BatchNorm into the Linear/Conv before it, so that the
quantized model has one weight per layer and no normalisation at inference.

    y = γ (W x + b - μ) / √(σ² + ε) + β  =  W' x + b',
    W'[o] = W[o] · γ_o / √(σ²_o + ε),     b'_o = (b_o - μ_o) · γ_o / √(σ²_o + ε) + β_o

- Paper: Jacob et al., CVPR 2018, section 3.2 (batch normalization folding); Krishnamoorthi,
  arXiv:1806.08342, section 3.2.
"""
import copy

import numpy as np

from .. import nn
from ..nn.parameter import Parameter
from ..tensor import Tensor

_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d)
_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d)


def fold_batchnorm(layer, bn):
    """A copy of `layer` with the eval-mode `bn` that follows it folded into weight and bias."""
    if not isinstance(layer, _LAYERS):
        raise TypeError(f"fold_batchnorm: expected a Linear/Conv1d/Conv2d, got "
                        f"{type(layer).__name__}")
    if not isinstance(bn, _NORMS) or bn.running_mean is None:
        raise TypeError(f"fold_batchnorm: expected a BatchNorm1d/2d with running statistics, "
                        f"got {type(bn).__name__}")
    out_channels = layer.weight.shape[0]
    if bn.num_features != out_channels:
        raise ValueError(f"fold_batchnorm: {type(bn).__name__}({bn.num_features}) cannot follow "
                         f"{type(layer).__name__} with {out_channels} output channels")
    std = np.sqrt(bn.running_var._data.astype(np.float64) + bn.eps)
    gamma = bn.weight._data if bn.weight is not None else np.ones(out_channels)
    beta = bn.bias._data if bn.bias is not None else np.zeros(out_channels)
    factor = gamma / std
    weight = layer.weight._data.astype(np.float64)
    bias = (layer.bias._data.astype(np.float64) if layer.bias is not None
            else np.zeros(out_channels))
    shape = (-1,) + (1,) * (weight.ndim - 1)
    folded = copy.deepcopy(layer)
    dtype = layer.weight._data.dtype
    folded.weight = Parameter(Tensor((weight * factor.reshape(shape)).astype(dtype)))
    folded.bias = Parameter(Tensor(((bias - bn.running_mean._data) * factor + beta)
                                   .astype(dtype)))
    return folded


def fold_batchnorms(model):
    """Fold every BatchNorm that directly follows a Linear/Conv inside a Sequential of `model`
    (in place): the layer is replaced by the folded one and the BatchNorm by Identity."""
    folded = 0
    for module in list(model.modules()):
        if not isinstance(module, nn.Sequential):
            continue
        names = [name for name, _ in module.named_children()]
        for first, second in zip(names, names[1:]):
            layer, bn = getattr(module, first), getattr(module, second)
            if isinstance(layer, _LAYERS) and isinstance(bn, _NORMS) \
                    and bn.num_features == layer.weight.shape[0]:
                module._modules[first] = fold_batchnorm(layer, bn)   # keeps the order
                module._modules[second] = nn.Identity()
                folded += 1
    return folded


__all__ = ["fold_batchnorm", "fold_batchnorms"]
