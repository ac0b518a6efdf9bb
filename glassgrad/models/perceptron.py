"""Rosenblatt's perceptron, trained by its own mistake-driven rule (not gradient descent).

    ŷ = sign(w·x + b)
    on a mistake, y·(w·x + b) ≤ 0 with y ∈ {-1, +1}:   w ← w + η·y·x,   b ← b + η·y

- Paper: Rosenblatt, "The perceptron: a probabilistic model for information storage and
  organization in the brain", Psychological Review 65(6), 1958.
- Convergence: Novikoff, "On convergence proofs on perceptrons", 1962. If some unit vector u
  separates the data with margin γ (y·u·x̃ ≥ γ for x̃ = (x, 1)) and ‖x̃‖ ≤ R, the rule makes
  at most (R/γ)² mistakes, whatever the order of the examples.
"""
import numpy as np

from .. import creation
from ..random import _generator
from ..tensor import Tensor, as_array
from ..nn.modules.module import Module


def _array(x, dtype=None):
    data = as_array(x)
    return data if dtype is None else data.astype(dtype, copy=False)


class Perceptron(Module):
    """A linear threshold unit for two classes, with `fit` and `predict`.

    The weights are buffers (saved in the state dict, never given gradients): the rule updates
    them directly. `fit` stops at the first epoch without a mistake (`converged_` is then True)
    or after `max_epochs`.

    Args:
        in_features: number of inputs.
        learning_rate: η; starting from zero weights it only scales w and b, so predictions do
            not depend on it (a classic exercise).
        max_epochs: passes over the data at most.
        shuffle: visit the examples in a new random order each epoch (else in data order).
        generator: a glassgrad.Generator for the shuffling.

    Example::

        clf = Perceptron(2).fit(X, y)       # y: any two labels, e.g. 0/1 or -1/+1
        clf.predict(X)                      # labels from the same set
    """

    def __init__(self, in_features, learning_rate=1.0, max_epochs=100, shuffle=True,
                 generator=None):
        super().__init__()
        if learning_rate <= 0:
            raise ValueError(f"Perceptron: learning_rate must be positive, got {learning_rate}")
        self.in_features, self.learning_rate = in_features, learning_rate
        self.max_epochs, self.shuffle, self.generator = max_epochs, shuffle, generator
        self.register_buffer("weight", creation.zeros(in_features))
        self.register_buffer("bias", creation.zeros(()))
        self.classes_ = np.array([-1, 1])
        self.converged_, self.n_epochs_, self.n_updates_, self.mistakes_per_epoch_ = \
            False, 0, 0, []

    def forward(self, input):
        """The score w·x + b of each row (its sign is the prediction)."""
        return input @ self.weight + self.bias

    def _check_features(self, x):
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"Perceptron({self.in_features}): expected inputs of shape "
                             f"(n, {self.in_features}), got {x.shape}")

    def fit(self, X, y):
        """Apply the perceptron rule, example by example, until an epoch makes no mistake."""
        x = _array(X, np.float64)
        labels = _array(y)
        self._check_features(x)
        if labels.shape != (x.shape[0],):
            raise ValueError(f"Perceptron.fit: y must have shape ({x.shape[0]},) to match X, "
                             f"got {labels.shape}")
        classes = np.unique(labels)
        if len(classes) != 2:
            raise ValueError(f"Perceptron.fit: needs exactly two classes, got {classes.tolist()}")
        self.classes_ = classes
        signs = np.where(labels == classes[1], 1.0, -1.0)        # the larger label is +1
        # The rule is sequential (each update changes the next prediction), so it runs in
        # float64 numpy over the examples; the buffers get the result.
        w = self.weight._data.astype(np.float64)
        b = float(self.bias._data)
        rng, eta = _generator(self.generator), self.learning_rate
        self.mistakes_per_epoch_, self.n_updates_, self.converged_ = [], 0, False
        for epoch in range(1, self.max_epochs + 1):
            order = rng.permutation(len(x)) if self.shuffle else range(len(x))
            mistakes = 0
            for i in order:
                if signs[i] * (x[i] @ w + b) <= 0:              # wrong side (or on the line)
                    w += eta * signs[i] * x[i]
                    b += eta * signs[i]
                    mistakes += 1
            self.mistakes_per_epoch_.append(mistakes)
            self.n_updates_ += mistakes
            self.n_epochs_ = epoch
            if mistakes == 0:
                self.converged_ = True
                break
        self.weight._data[...] = w
        self.bias._data[...] = b
        return self

    def predict(self, X):
        """The label (from the classes seen by `fit`) on the side of the boundary of each row."""
        x = _array(X, self.weight.dtype)
        self._check_features(x)
        scores = x @ self.weight._data + self.bias._data
        return Tensor(np.where(scores > 0, self.classes_[1], self.classes_[0]))

    def extra_repr(self):
        return f"in_features={self.in_features}, learning_rate={self.learning_rate}"
