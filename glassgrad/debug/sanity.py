"""`overfit_one_batch`: the first sanity check of any new model (Karpathy's "overfit one batch").

A network with enough parameters can memorise a single small batch: driven by its optimiser
on that batch alone, the loss should fall to about zero within a few hundred steps. If it
does not, the bug is in the plumbing, not in the data or the capacity: a loss applied to the
wrong outputs, labels misaligned with the inputs, a detached branch, a learning rate off by
orders of magnitude, dead units. Run it before spending hours on a full training run.

    result = overfit_one_batch(model, (x[:16], y[:16]), nn.CrossEntropyLoss(),
                               lambda params: optim.Adam(params, lr=1e-2))
    assert result.succeeded, result
"""
from typing import NamedTuple

import numpy as np

from ..optim.optimizer import Optimizer


class OverfitResult(NamedTuple):
    """The loss before each step (`losses`), whether it reached `target`, and in how many
    steps. Prints as one line that says what happened and, on failure, what to look at."""
    losses: list
    succeeded: bool
    steps: int
    target: float

    @property
    def final_loss(self):
        return self.losses[-1]

    def __str__(self):
        start, end = self.losses[0], self.losses[-1]
        if self.succeeded:
            return (f"overfit_one_batch: passed, the loss fell from {start:.4g} to {end:.4g} "
                    f"(target {self.target:g}) in {self.steps} steps")
        return (f"overfit_one_batch: FAILED, the loss went from {start:.4g} to {end:.4g} in "
                f"{self.steps} steps without reaching {self.target:g}; a model that cannot "
                "memorise one batch has a bug: check that the loss gets the model's outputs and "
                "the matching labels, try a learning rate 10x up or down, and look at "
                "glassgrad.debug.gradient_flow(model) for parameters without gradients")


def overfit_one_batch(model, batch, loss_fn, optimizer, steps=300, target=1e-2, restore=True):
    """Train `model` on the single `batch` until its loss is below `target`.

    Args:
        batch: a pair (inputs, targets): keep it small (8-32 samples).
        loss_fn: loss(output, targets) -> scalar Tensor.
        optimizer: an Optimizer over the model's parameters, or a function
            params -> Optimizer (then a fresh one is made and nothing outside is touched).
        steps: the most steps to take.
        target: success when the loss falls to this or below.
        restore: put the model's parameters and buffers back as they were afterwards (the
            check should not change the model you go on to train).
    Returns:
        OverfitResult(losses, succeeded, steps, target).
    """
    if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
        raise TypeError(f"overfit_one_batch: batch must be a pair (inputs, targets), got "
                        f"{type(batch).__name__}"
                        + (f" of length {len(batch)}" if isinstance(batch, (tuple, list))
                           else ""))
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"overfit_one_batch: steps must be a positive integer, got {steps!r}")
    if not isinstance(optimizer, Optimizer):
        if not callable(optimizer):
            raise TypeError(f"overfit_one_batch: optimizer must be an Optimizer or a function "
                            f"params -> Optimizer, got {type(optimizer).__name__}")
        optimizer = optimizer(model.parameters())
    x, y = batch
    saved = {k: np.array(v._data, copy=True) for k, v in model.state_dict().items()} \
        if restore else None
    was_training = model.training
    model.train()
    losses = []
    succeeded = False
    try:
        for _ in range(steps):
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            value = float(loss.item())
            losses.append(value)
            if value <= target:
                succeeded = True
                break
            if not np.isfinite(value):
                break
            loss.backward()
            optimizer.step()
    finally:
        model.train(was_training)
        if saved is not None:
            model.load_state_dict(saved)
    return OverfitResult(losses, succeeded, len(losses) - 1 if succeeded else len(losses),
                         target)


__all__ = ["OverfitResult", "overfit_one_batch"]
