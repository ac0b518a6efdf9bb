"""L1 and L2 penalties over a model's parameters, to add to a loss.

    loss = data_loss + λ₁·l1_penalty(model) + (λ₂/2)·l2_penalty(model)

The L2 term's gradient λ₂·w is exactly what SGD's `weight_decay=λ₂` adds; L1's gradient
λ₁·sign(w) pushes weights to exactly zero (sparsity; Tibshirani 1996, the lasso).
"""
from ...ops import elementwise as ew
from ..modules.module import Module


def _selected(parameters, skip_bias):
    if isinstance(parameters, Module):
        named = parameters.named_parameters()
        return [p for name, p in named if not (skip_bias and name.split(".")[-1] == "bias")]
    if skip_bias:
        raise TypeError("skip_bias needs a Module (to read parameter names), got an iterable")
    return [parameters] if hasattr(parameters, "grad_fn") else list(parameters)


def l1_penalty(parameters, skip_bias=False):
    """Σ |w| over all parameters (a Module, or an iterable of Tensors); differentiable.

    `skip_bias=True` leaves out parameters named "bias" (biases are usually not penalised).
    """
    params = _selected(parameters, skip_bias)
    if not params:
        raise ValueError("l1_penalty: no parameters to penalise")
    total = ew.abs(params[0]).sum()
    for p in params[1:]:
        total = total + ew.abs(p).sum()
    return total


def l2_penalty(parameters, skip_bias=False):
    """Σ w² over all parameters (a Module, or an iterable of Tensors); differentiable.

    No ½ in front: add (λ/2)·l2_penalty(model) to match weight decay λ.
    """
    params = _selected(parameters, skip_bias)
    if not params:
        raise ValueError("l2_penalty: no parameters to penalise")
    total = (params[0] * params[0]).sum()
    for p in params[1:]:
        total = total + (p * p).sum()
    return total
