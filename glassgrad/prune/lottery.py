"""Lottery tickets: iterative magnitude pruning (IMP) with resetting or rewinding, and controls.

The recipe (Frankle & Carbin 2019, Algorithm 1, iterated):
1. initialise θ0 and train; 2. prune p% of the surviving weights with the smallest |θ| (per
layer, or globally; the output layer at its own rate); 3. reset the survivors to θ0 — or, with
rewinding (Frankle, Dziugaite, Roy & Carbin 2020), to θk, their values after k iterations of
the first training — and train again; repeat 2-3. The controls say what the ticket owes to its
initial values: the same masks with a *fresh* random initialisation ("reinit"), and a *random*
mask of the same per-layer sparsity with the ticket's initial values ("random").

    >>> rounds = iterative_magnitude_pruning(make_model, train, rounds=5, rate=0.2)
    >>> [(r["remaining"], r["ticket"]["test_acc"]) for r in rounds]

`make_model(seed)` returns a fresh model; `train(model, after_step)` trains it and returns a
dict of metrics, calling `after_step(step)` after each optimiser step (the hook that takes the
rewinding snapshot). The optimiser is made afresh by `train` every round.

- Paper: Frankle & Carbin, "The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural
  Networks", ICLR 2019 (arXiv:1803.03635); Frankle, Dziugaite, Roy & Carbin, "Linear Mode
  Connectivity and the Lottery Ticket Hypothesis", ICML 2020 (rewinding to iteration k).
"""
import numpy as np

from ..creation import tensor
from ..nn import Conv1d, Conv2d, Linear
from .functional import custom_from_mask, global_unstructured, l1_unstructured
from .methods import L1Unstructured, _array

PRUNABLE = (Linear, Conv1d, Conv2d)
BIAS = ".bias"             # the key suffix of a bias mask in a masks dict


def prunable(model, types=PRUNABLE):
    """[(name, module)] of the layers whose `weight` IMP prunes, in order (the last is the
    output layer)."""
    layers = [(name, module) for name, module in model.named_modules()
              if isinstance(module, types)]
    if not layers:
        raise ValueError(f"lottery: {type(model).__name__} has no Linear or Conv layer to prune")
    return layers


def snapshot(model):
    """{"layer.weight": a copy} of every parameter's values (weight_orig saved as weight)."""
    return {_plain_name(name): _array(p).copy() for name, p in model.named_parameters()}


def rewind(model, saved):
    """Set every parameter to its saved values (in place; weight_orig takes the saved
    weight), so the survivors restart exactly where `saved` was taken."""
    for name, param in model.named_parameters():
        key = _plain_name(name)
        if key not in saved:
            raise KeyError(f"rewind: no saved values for parameter {key!r}")
        if tuple(saved[key].shape) != tuple(param.shape):
            raise ValueError(f"rewind: saved {key!r} has shape {tuple(saved[key].shape)}, the "
                             f"model's has {tuple(param.shape)}")
        param.data = tensor(np.array(saved[key], dtype=np.float32))
    for _, module in model.named_modules():     # recompute weight = orig * mask now
        for hook in module._forward_pre_hooks.values():
            if hasattr(hook, "apply_mask") and hook._tensor_name is not None:
                hook(module, ())
    return model


def _plain_name(name):
    return name[:-5] if name.endswith("_orig") else name


def layer_masks(model):
    """{layer name: the 0/1 mask of its weight} (ones where the layer is not pruned), and
    {"layer name.bias": its bias mask} for each layer whose bias is pruned too."""
    out = {}
    for name, module in prunable(model):
        mask = module._buffers.get("weight_mask")
        out[name] = np.ones(module.weight.shape, np.float32) if mask is None \
            else _array(mask).copy()
        if module._buffers.get("bias_mask") is not None:
            out[name + BIAS] = _array(module._buffers["bias_mask"]).copy()
    return out


def apply_masks(model, masks):
    """Prune each layer's weight (and its bias, where `masks` has "name.bias") with the given
    masks (custom_from_mask); returns the model."""
    for name, module in prunable(model):
        custom_from_mask(module, "weight", mask=masks[name])
        if name + BIAS in masks:
            custom_from_mask(module, "bias", mask=masks[name + BIAS])
    return model


def remaining(masks):
    """The fraction of weights that survive under `masks` (all layers together)."""
    total = sum(m.size for m in masks.values())
    return float(sum(m.sum() for m in masks.values()) / total)


def prune_round(model, rate, scope="layer", output_rate=None, include_bias=False):
    """Prune `rate` of each layer's *surviving* weights by magnitude (scope "layer"), or of all
    hidden layers' survivors together (scope "global"); the output layer at `output_rate`
    (default: `rate`). With include_bias, a layer's bias entries are ranked together with its
    weights (as the MNIST-1D notebook masks each layer's whole parameter vector). Returns the
    new masks."""
    if scope not in ("layer", "global"):
        raise ValueError(f"prune_round: scope must be 'layer' or 'global', got {scope!r}")
    layers = prunable(model)
    output_rate = rate if output_rate is None else output_rate
    *hidden, (_, output) = layers

    def tensors(module):
        with_bias = include_bias and getattr(module, "bias", None) is not None
        return [(module, "weight")] + ([(module, "bias")] if with_bias else [])

    def prune_layer(module, amount):
        if len(tensors(module)) == 1:
            l1_unstructured(module, "weight", amount=amount)
        else:
            global_unstructured(tensors(module), pruning_method=L1Unstructured, amount=amount)
    if scope == "layer":
        for _, module in hidden:
            prune_layer(module, rate)
    elif hidden:
        global_unstructured([t for _, module in hidden for t in tensors(module)],
                            pruning_method=L1Unstructured, amount=rate)
    prune_layer(output, output_rate)
    return layer_masks(model)


def random_masks(masks, generator):
    """Masks of the same per-layer sparsity as `masks` with the survivors placed at random."""
    out = {}
    for name, mask in masks.items():
        flat = np.zeros(mask.size, np.float32)
        flat[generator.permutation(mask.size)[:int(mask.sum())]] = 1
        out[name] = flat.reshape(mask.shape)
    return out


def train_with_snapshot(model, train, at_step):
    """Train with `train(model, after_step)`; returns (metrics, the snapshot taken after
    `at_step` steps, or at initialisation when at_step is 0)."""
    taken = {0: snapshot(model)} if at_step == 0 else {}

    def after_step(step):
        if step == at_step and at_step not in taken:
            taken[at_step] = snapshot(model)
    metrics = train(model, after_step)
    if at_step not in taken:
        raise ValueError(f"lottery: training ran fewer than rewind_to={at_step} steps")
    return metrics, taken[at_step]


def iterative_magnitude_pruning(make_model, train, rounds, rate=0.2, scope="layer",
                                output_rate=None, rewind_to=0, seed=0,
                                controls=("reinit", "random"), include_bias=False):
    """IMP for `rounds` rounds after the dense training; returns one dict per round:
    {"round", "remaining", "ticket": metrics, "reinit": metrics, "random": metrics}
    (round 0 is the dense network, with only "ticket").

    Args:
        make_model: seed -> a fresh model (the same seed gives the same initialisation).
        train: (model, after_step) -> metrics dict.
        rounds: pruning rounds after the dense training.
        rate: the share of surviving weights pruned per round; output_rate for the last layer.
        scope: "layer" (each layer at `rate`) or "global" (hidden layers ranked together).
        rewind_to: 0 resets survivors to θ0 (Frankle & Carbin); k > 0 rewinds to θk.
        controls: which of "reinit" and "random" to train each round.
        include_bias: prune each layer's bias together with its weights.
    """
    rng = np.random.default_rng(seed)
    model = make_model(seed)
    metrics, saved = train_with_snapshot(model, train, rewind_to)
    results = [{"round": 0, "remaining": 1.0, "ticket": metrics}]
    for round_ in range(1, rounds + 1):
        masks = prune_round(model, rate, scope, output_rate, include_bias)   # the trained ticket
        rewind(model, saved)
        row = {"round": round_, "remaining": remaining(masks), "ticket": train(model, None)}
        if "reinit" in controls:
            row["reinit"] = train(apply_masks(make_model(seed + 1000 * round_), masks), None)
        if "random" in controls:
            control = rewind(make_model(seed), saved)
            row["random"] = train(apply_masks(control, random_masks(masks, rng)), None)
        results.append(row)
    return results


__all__ = ["apply_masks", "iterative_magnitude_pruning", "layer_masks", "prunable",
           "prune_round", "random_masks", "remaining", "rewind", "snapshot",
           "train_with_snapshot"]
