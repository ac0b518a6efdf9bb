"""Real compression of a pruned model: smaller layers, and a file that stores only non-zeros.

Masks alone save nothing: the zeros still take memory and multiply-adds. Two ways to cash in:

1. `shrink(model)`: after structured pruning of output units (ln_structured(..., dim=0) on a
   Linear, or of output channels on a Conv), build a smaller model: each layer loses its dead
   units and the next layer loses the matching input columns. A dead unit still emits a
   constant, act(bias); that constant is folded into the next layer's bias, so the shrunk
   model computes the same function (for convolutions only when the next one has no padding,
   else a unit with a non-zero constant is kept).
2. `save_sparse(model, path)`: a `.npz` holding, for each tensor that is mostly zeros, the
   flat indices (the smallest unsigned integer type that fits) and values of its non-zeros;
   `load_sparse(path)` gives back the dense state dict for `load_state_dict`.

- Paper: Han, Mao & Dally, "Deep Compression: Compressing Deep Neural Networks with Pruning,
  Trained Quantization and Huffman Coding", ICLR 2016 (sparse storage of pruned weights);
  Li et al., "Pruning Filters for Efficient ConvNets", ICLR 2017 (removing pruned filters and
  the next layer's matching kernels).
"""
import json
import os

import numpy as np

from ..autograd import no_grad
from ..creation import tensor
from ..nn import Conv1d, Conv2d, Linear, Parameter, Sequential
from .functional import is_pruned, remove
from .methods import BasePruningMethod, _array
from .report import effective_tensors

WEIGHTED = (Linear, Conv1d, Conv2d)


def make_permanent(model):
    """`remove` every pruning in the model (weights keep their zeros, hooks go)."""
    for _, module in model.named_modules():
        for hook in list(module._forward_pre_hooks.values()):
            if isinstance(hook, BasePruningMethod):
                remove(module, hook._tensor_name)
    return model


def _dead_units(layer):
    """Output units whose whole weight row (or filter) is zero."""
    weight = _array(layer.weight)
    return np.all(weight.reshape(weight.shape[0], -1) == 0, axis=1)


def _constants(layer, between, dead):
    """What each dead unit emits after the modules `between` it and the next layer."""
    bias = np.zeros(layer.weight.shape[0], np.float32) if layer.bias is None \
        else _array(layer.bias).astype(np.float32)
    value = tensor(bias.reshape((1, -1) + (1,) * (layer.weight.ndim - 2)))
    with no_grad():
        for module in between:
            value = module(value)
    return _array(value).reshape(-1)


def _new_layer(layer, weight, bias):
    """A layer of the same kind and settings as `layer` with the given weight and bias."""
    if isinstance(layer, Linear):
        new = Linear(weight.shape[1], weight.shape[0], bias=bias is not None)
    else:
        cls = type(layer)
        new = cls(weight.shape[1] * layer.groups, weight.shape[0], layer.kernel_size,
                  stride=layer.stride, padding=layer.padding, dilation=layer.dilation,
                  groups=layer.groups, bias=bias is not None,
                  padding_mode=layer.padding_mode)
    new.weight = Parameter(tensor(np.ascontiguousarray(weight, dtype=np.float32)))
    if bias is not None:
        new.bias = Parameter(tensor(np.ascontiguousarray(bias, dtype=np.float32)))
    return new


def shrink(model):
    """A smaller Sequential computing the same function: drop every weight layer's dead output
    units (all-zero rows/filters) and the next weight layer's matching inputs.

    Args:
        model: an nn.Sequential of Linear/Conv1d/Conv2d layers with element-wise modules
            (activations, dropout) between them; pruning is made permanent first (on a copy:
            the model passed in is not changed). The last weight layer keeps its outputs.
    Returns: (new Sequential, {layer index: (units before, units after)}).
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"shrink: expects an nn.Sequential, got {type(model).__name__}")
    layers = [_copy(module) for module in model]
    weighted = [i for i, module in enumerate(layers) if isinstance(module, WEIGHTED)]
    for i in weighted:
        if not isinstance(layers[i], Linear) and layers[i].groups != 1:
            raise ValueError(f"shrink: layer {i} is a grouped convolution; not supported")
    changes = {}
    for current, following in zip(weighted[:-1], weighted[1:]):
        layer, after = layers[current], layers[following]
        dead = _dead_units(layer)
        constants = _constants(layer, layers[current + 1:following], dead)
        next_weight = _array(after.weight).copy()
        next_bias = None if after.bias is None else _array(after.bias).copy()
        padded = not isinstance(after, Linear) and any(
            p != 0 for p in np.atleast_1d(after.padding))
        if padded:                # a constant map is not constant after zero padding
            dead = dead & (constants == 0)
        if not dead.any():
            continue
        if next_weight.shape[1] != len(dead):
            raise ValueError(f"shrink: layer {following} takes {next_weight.shape[1]} inputs but "
                             f"layer {current} has {len(dead)} outputs (a Flatten between "
                             "them is not supported)")
        folded = next_weight[:, dead].reshape(next_weight.shape[0], dead.sum(), -1).sum(-1)
        shift = folded @ constants[dead]
        if np.any(shift != 0):
            next_bias = (np.zeros(next_weight.shape[0], np.float32) if next_bias is None
                         else next_bias) + shift
        keep = ~dead
        weight = _array(layer.weight)[keep]
        bias = None if layer.bias is None else _array(layer.bias)[keep]
        layers[current] = _new_layer(layer, weight, bias)
        layers[following] = _new_layer(after, next_weight[:, keep], next_bias)
        changes[current] = (len(dead), int(keep.sum()))
    return Sequential(*layers), changes


def _copy(module):
    """A copy of one layer with its pruning made permanent (the original is untouched)."""
    if not isinstance(module, WEIGHTED):
        return module
    weight = _array(module.weight).copy()
    bias = None if module.bias is None else _array(module.bias).copy()
    return _new_layer(module, weight, bias)


def sparse_arrays(model, threshold=0.5):
    """{name: array} for save_sparse: tensors with more than `threshold` zeros become
    name.indices + name.values; a JSON description of every tensor goes under "__meta__"."""
    arrays, meta = {}, {}
    for name, value in effective_tensors(model).items():
        flat = value.reshape(-1)
        nonzero = np.flatnonzero(flat)
        entry = {"shape": list(value.shape), "dtype": str(value.dtype)}
        if value.size and 1 - len(nonzero) / value.size > threshold:
            index_type = np.uint16 if value.size <= 2 ** 16 else np.uint32
            arrays[name + ".indices"] = nonzero.astype(index_type)
            arrays[name + ".values"] = flat[nonzero]
            entry["format"] = "sparse"
        else:
            arrays[name] = value
            entry["format"] = "dense"
        meta[name] = entry
    arrays["__meta__"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    return arrays


def save_sparse(model, path, threshold=0.5):
    """Save the model's effective tensors to `path` (.npz), mostly-zero ones as indices +
    values; written to a temporary file and renamed. Returns the file size in bytes.

    The names are those of an unpruned model's state dict ("0.weight"), so
    `model.load_state_dict(load_sparse(path))` works on a fresh, unpruned model."""
    path = os.fspath(path)
    if not path.endswith(".npz"):
        raise ValueError(f"save_sparse: path must end in .npz, got {path!r}")
    temporary = path[:-4] + f".tmp{os.getpid()}.npz"
    np.savez(temporary, **sparse_arrays(model, threshold))
    os.replace(temporary, path)
    return os.path.getsize(path)


def save_dense(model, path):
    """The same tensors stored densely (the baseline for the file-size comparison)."""
    path = os.fspath(path)
    temporary = path[:-4] + f".tmp{os.getpid()}.npz"
    np.savez(temporary, **effective_tensors(model))
    os.replace(temporary, path)
    return os.path.getsize(path)


def load_sparse(path):
    """The dense {name: glassgrad Tensor} state dict saved by save_sparse."""
    with np.load(os.fspath(path)) as archive:
        meta = json.loads(archive["__meta__"].tobytes().decode())
        state = {}
        for name, entry in meta.items():
            if entry["format"] == "sparse":
                value = np.zeros(int(np.prod(entry["shape"])), dtype=entry["dtype"])
                value[archive[name + ".indices"].astype(np.int64)] = archive[name + ".values"]
                value = value.reshape(entry["shape"])
            else:
                value = archive[name]
            state[name] = tensor(value)
    return state


def count_parameters(model):
    """The number of parameter entries (weight_orig counts as weight), zeros included."""
    return sum(value.size for value in effective_tensors(model).values())


__all__ = ["count_parameters", "is_pruned", "load_sparse", "make_permanent", "save_dense",
           "save_sparse", "shrink", "sparse_arrays"]
