"""The pruning functions, with torch.nn.utils.prune's names, arguments and semantics.

    >>> from glassgrad import nn, prune
    >>> layer = nn.Linear(4, 3)
    >>> prune.l1_unstructured(layer, "weight", amount=0.5)      # 6 of 12 weights pruned
    >>> sorted(name for name, _ in layer.named_parameters())    # ['bias', 'weight_orig']
    >>> prune.is_pruned(layer)                                  # True
    >>> prune.remove(layer, "weight")                           # weight = orig * mask, a Parameter

Each function returns the module, changed in place: `name` is replaced by `name_orig` (the
Parameter) and a `name_mask` buffer, and a forward pre-hook recomputes `name` before each
forward (glassgrad/prune/methods.py).
"""
from collections.abc import Iterable

import numpy as np

from .methods import (BasePruningMethod, CustomFromMask, Identity, L1Unstructured,
                      LnStructured, PruningContainer, RandomStructured, RandomUnstructured,
                      _array)


def identity(module, name):
    """Reparametrise `name` as name_orig * a mask of ones (prunes nothing)."""
    Identity.apply(module, name)
    return module


def random_unstructured(module, name, amount, generator=None):
    """Prune `amount` (a share in [0, 1] or a count) of the entries of `name` at random."""
    RandomUnstructured.apply(module, name, amount, generator=generator)
    return module


def l1_unstructured(module, name, amount, importance_scores=None):
    """Prune the `amount` entries of `name` with the smallest |value| (or importance score)."""
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module, name, amount, dim, generator=None):
    """Prune `amount` of the channels of `name` along `dim`, chosen at random."""
    RandomStructured.apply(module, name, amount, dim, generator=generator)
    return module


def ln_structured(module, name, amount, n, dim, importance_scores=None):
    """Prune the `amount` channels of `name` along `dim` with the smallest L`n` norm
    (dim=0 of a Linear's weight: output units; of a Conv's: output channels)."""
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def custom_from_mask(module, name, mask):
    """Prune `name` with a given 0/1 mask of its shape (composes with earlier masks)."""
    CustomFromMask.apply(module, name, mask=mask)
    return module


def global_unstructured(parameters, pruning_method, importance_scores=None, **kwargs):
    """Prune across several parameters at once: their entries compete in one ranking.

    Args:
        parameters: an iterable of (module, name) pairs.
        pruning_method: an unstructured method class (L1Unstructured, RandomUnstructured) or
            a custom one with PRUNING_TYPE "unstructured".
        importance_scores: optional {(module, name): scores}, defaulting to the values.
        kwargs: the method's arguments (`amount=`, a share of all the entries together).
    """
    if not isinstance(parameters, Iterable):
        raise TypeError("global_unstructured(): parameters is not an Iterable")
    parameters = list(parameters)
    importance_scores = importance_scores if importance_scores is not None else {}
    if not isinstance(importance_scores, dict):
        raise TypeError("global_unstructured(): importance_scores must be of type dict")
    scores = np.concatenate([
        _array(importance_scores.get((module, name), getattr(module, name))).reshape(-1)
        for module, name in parameters])
    default_mask = np.concatenate([
        _array(getattr(module, name + "_mask")).reshape(-1) if hasattr(module, name + "_mask")
        else np.ones(int(np.prod(getattr(module, name).shape)), dtype=np.float32)
        for module, name in parameters])
    container = PruningContainer()
    container._tensor_name = "temp"
    method = pruning_method(**kwargs)
    method._tensor_name = "temp"
    if method.PRUNING_TYPE != "unstructured":
        raise TypeError('Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. '
                        f"Found method {pruning_method} of type {method.PRUNING_TYPE}")
    container.add_pruning_method(method)
    final_mask = container.compute_mask(scores, default_mask)
    pointer = 0
    for module, name in parameters:
        shape = tuple(getattr(module, name).shape)
        size = int(np.prod(shape))
        custom_from_mask(module, name, mask=final_mask[pointer:pointer + size].reshape(shape))
        pointer += size


def remove(module, name):
    """Make the pruning of `name` permanent: `name` becomes a Parameter holding the pruned
    values; name_orig, name_mask and the hook go."""
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"Parameter '{name}' of module {module} has to be pruned before pruning "
                     "can be removed")


def is_pruned(module):
    """Whether the module or any of its submodules carries a pruning hook."""
    for _, submodule in module.named_modules():
        for hook in submodule._forward_pre_hooks.values():
            if isinstance(hook, BasePruningMethod):
                return True
    return False


def masks(model):
    """{"layer.param": mask array} for every pruned parameter in the model."""
    out = {}
    for prefix, submodule in model.named_modules():
        for hook in submodule._forward_pre_hooks.values():
            if isinstance(hook, BasePruningMethod):
                key = f"{prefix}.{hook._tensor_name}" if prefix else hook._tensor_name
                out[key] = _array(getattr(submodule, hook._tensor_name + "_mask")).copy()
    return out


__all__ = ["custom_from_mask", "global_unstructured", "identity", "is_pruned",
           "l1_unstructured", "ln_structured", "masks", "random_structured",
           "random_unstructured", "remove"]
