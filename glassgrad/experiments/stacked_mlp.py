"""Many small MLPs trained at once: S independent networks stacked along a leading axis.

The experiments of "why does any of this work" (random labels, double descent) train the same
small MLP many times: for each label-noise level, each seed, each condition. One such network
of width 16 costs glassgrad ~0.5 ms a step, nearly all of it Python overhead, so S of them in
one batched matmul (`x @ W` with `W` of shape (S, in, out)) cost about the same as one. The
members share nothing: each has its own weights, its own batches (its own shuffle) and its own
labels, and the loss is the *sum* of the members' mean losses, so each member's gradient and
SGD-with-momentum update are exactly those of a network trained alone.

    >>> model = StackedMLP(members=3, sizes=(40, 16, 16, 10))
    >>> model(glassgrad.zeros(3, 5, 40)).shape            # (members, batch, classes)
    (3, 5, 10)

Initialisation: He et al.'s uniform (kaiming_uniform_, gain √2, fan-in) and zero biases, as the
MNIST-1D double-descent notebook (greydanus/mnist1d, notebooks/6. deep_double_descent.ipynb)
initialises its `nn.Linear` layers.
- Paper: He, Zhang, Ren & Sun, "Delving Deep into Rectifiers", ICCV 2015.
"""
import time

import numpy as np

from ..autograd import no_grad
from ..creation import tensor, zeros
from ..nn import Module, Parameter
from ..nn.functional import cross_entropy, relu
from ..ops import matmul


class StackedMLP(Module):
    """`members` independent ReLU MLPs with layer sizes `sizes` (input, hidden..., output).

    Args:
        members: how many networks S.
        sizes: the layer widths, e.g. (40, h, h, 10) for two hidden layers of width h.
        generator: a numpy Generator for the initialisation (default: seeded with 0).
    Shape: input (S, B, sizes[0]) or (B, sizes[0]) shared by all members; output
        (S, B, sizes[-1]).
    """

    def __init__(self, members, sizes, generator=None):
        super().__init__()
        if members < 1 or len(sizes) < 2 or any(int(s) < 1 for s in sizes):
            raise ValueError(f"StackedMLP: needs members >= 1 and at least two positive sizes, "
                             f"got members={members}, sizes={tuple(sizes)}")
        self.members, self.sizes = int(members), tuple(int(s) for s in sizes)
        rng = np.random.default_rng(0) if generator is None else generator
        for index, (fan_in, fan_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            bound = np.sqrt(2.0) * np.sqrt(3.0 / fan_in)       # kaiming_uniform_, ReLU gain
            weight = rng.uniform(-bound, bound, (self.members, fan_in, fan_out))
            setattr(self, f"weight{index}", Parameter(tensor(weight.astype(np.float32))))
            setattr(self, f"bias{index}", Parameter(zeros(self.members, 1, fan_out)))

    def forward(self, x):
        layers = len(self.sizes) - 1
        for index in range(layers):
            x = matmul(x, getattr(self, f"weight{index}")) + getattr(self, f"bias{index}")
            if index < layers - 1:
                x = relu(x)
        return x

    def extra_repr(self):
        return f"members={self.members}, sizes={self.sizes}"


def accuracies(model, x, y, batch=8000):
    """Each member's accuracy on (x, y): x (N, F) shared or (S, N, F), y (S, N) or (N,)."""
    y = np.broadcast_to(y, (model.members, y.shape[-1]))
    correct = np.zeros(model.members)
    with no_grad():
        for start in range(0, y.shape[1], batch):
            xb = x[..., start:start + batch, :]
            logits = model(tensor(np.ascontiguousarray(xb))).numpy()
            correct += (logits.argmax(-1) == y[:, start:start + batch]).sum(1)
    return correct / y.shape[1]


def train_stacked(model, optimizer, x, y, epochs, batch_size=100, seed=0, x_test=None,
                  y_test=None, eval_every=None, fit_threshold=1.0):
    """Minibatch training of every member at once; returns a dict of numpy arrays per member.

    Args:
        model: a StackedMLP with S members.
        optimizer: a glassgrad optimiser over model.parameters().
        x: training inputs, (N, F) shared or (S, N, F) per member; y: labels (S, N).
        epochs: passes over the data; each member draws its own shuffle every epoch.
        x_test, y_test: evaluated after training (and every `eval_every` epochs for the curve).
        fit_threshold: a member has "fitted" at the first evaluated epoch whose training
            accuracy is >= this (for the time-to-fit plot of Zhang et al. 2017).
    Returns: {"train_acc", "test_acc", "fit_epoch" (NaN if never), "seconds",
        "curve": [(epoch, train accs, test accs)...]}.
    """
    members = model.members
    y = np.asarray(y)
    if y.ndim == 1:
        y = np.broadcast_to(y, (members, y.shape[0]))
    n = y.shape[1]
    rng = np.random.default_rng(seed)
    rows = np.arange(members)[:, None]
    fit_epoch = np.full(members, np.nan)
    curve = []
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        order = np.argsort(rng.random((members, n)), axis=1)       # one shuffle per member
        for begin in range(0, n, batch_size):
            index = order[:, begin:begin + batch_size]
            xb = x[index] if x.ndim == 2 else x[rows, index]
            logits = model(tensor(xb))
            # Sum of the members' mean losses: each member's gradient is its own alone.
            loss = cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                 tensor(y[rows, index].reshape(-1))) * members
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if eval_every and (epoch % eval_every == 0 or epoch == epochs):
            train_acc = accuracies(model, x, y)
            test_acc = accuracies(model, x_test, y_test) if x_test is not None else None
            fit_epoch = np.where(np.isnan(fit_epoch) & (train_acc >= fit_threshold), epoch,
                                 fit_epoch)
            curve.append((epoch, train_acc.tolist(),
                          None if test_acc is None else test_acc.tolist()))
    seconds = time.perf_counter() - start
    train_acc = accuracies(model, x, y)
    test_acc = accuracies(model, x_test, y_test) if x_test is not None else None
    return {"train_acc": train_acc, "test_acc": test_acc, "fit_epoch": fit_epoch,
            "seconds": seconds, "curve": curve}


__all__ = ["StackedMLP", "accuracies", "train_stacked"]
