"""Logistic regression, binary or multinomial, fitted by minimising the negative log-likelihood.

    binary:       p(y = 1 | x) = σ(w·x + b)
                  NLL(w, b) = -(1/n) Σ_i [y_i log p_i + (1 - y_i) log(1 - p_i)]  (+ (λ/2)‖w‖²)
    multinomial:  p(y = c | x) = softmax(W x + b)_c
                  NLL(W, b) = -(1/n) Σ_i log p(y_i | x_i)                      (+ (λ/2)‖W‖²)

The NLL is convex; for the binary model its gradient is (1/n) X̃ᵀ(p - y) and its Hessian
(1/n) X̃ᵀ diag(p(1-p)) X̃ with X̃ = [X, 1]. Both come from glassgrad's autograd here, not from
these formulas: `fit` is gradient descent on autograd's gradient, or Newton's method on
autograd's Hessian (which for the binary model is iteratively reweighted least squares).

- Paper: Cox, "The regression analysis of binary sequences", JRSS B 20(2), 1958.
- The multinomial model is the MNIST-1D paper's logistic-regression baseline (Greydanus &
  Kobak, "Scaling Down Deep Learning with MNIST-1D", ICML 2024, Table 1: 32% test accuracy):
  one Linear layer, 40 -> 10 (410 parameters).
"""
import numpy as np

from .. import creation
from ..autograd import engine
from ..autograd.functional import hessian
from ..nn.functional.loss import binary_cross_entropy_with_logits, cross_entropy
from ..nn.modules.linear import Linear
from ..nn.modules.module import Module
from ..ops.activation import sigmoid, softmax
from ..ops.linalg import linear
from ..tensor import Tensor, as_array


def _array(x, dtype):
    return as_array(x).astype(dtype, copy=False)


class LogisticRegression(Module):
    """A linear model of the log-odds: binary with one logit, or multinomial with one logit per
    class; parameters `linear.weight` and `linear.bias`.

    - Binary (`num_classes=None`): p(y=1|x) = σ(w·x + b); weight (1, d) and bias (1,),
      initialised to zero (the problem is convex: no symmetry to break, and the textbook start
      of Newton's method); forward gives the logits of shape (n,), labels are 0/1.
    - Multinomial (`num_classes=C`): p(y=c|x) = softmax(W x + b)_c; weight (C, d) and bias
      (C,), with nn.Linear's default initialisation (PyTorch's, from which the MNIST-1D paper's
      reference code trains this model by Adam); forward gives the logits of shape (n, C), what
      a cross-entropy loss takes; labels are class indices 0..C-1.

    Args:
        in_features: number of inputs d (0 gives the intercept-only model).
        num_classes: None for the binary model, or the number of classes C.

    Example::

        model = LogisticRegression(2).fit(X, y)             # y in {0, 1}
        model.predict_proba(X), model.predict(X)
        baseline = LogisticRegression(40, 10)               # MNIST-1D's: train it with fit()
    """

    def __init__(self, in_features, num_classes=None):
        super().__init__()
        if num_classes is not None and int(num_classes) < 1:
            raise ValueError(f"LogisticRegression: num_classes must be None (binary) or at "
                             f"least 1, got {num_classes}")
        self.in_features = in_features
        self.num_classes = None if num_classes is None else int(num_classes)
        self.linear = Linear(in_features, 1 if num_classes is None else self.num_classes)
        if num_classes is None:
            self.linear.weight._data[...] = 0
            self.linear.bias._data[...] = 0
        self.n_iter_, self.converged_ = 0, False

    @property
    def binary(self):
        """Whether this is the binary model (one logit) rather than the multinomial one."""
        return self.num_classes is None

    def forward(self, input):
        """The logits: w·x + b of each row, shape (n,) (binary); W x + b, shape (n, C)."""
        logits = self.linear(input)
        return logits.reshape(-1) if self.binary else logits

    def predict_proba(self, X):
        """p(y = 1 | x) for each row (binary, shape (n,)); p(y = c | x), shape (n, C)."""
        logits = self(_tensor(X, self.linear.weight.dtype))
        return (sigmoid(logits) if self.binary else softmax(logits, 1)).detach()

    def predict(self, X):
        """The most probable class of each row (int64): 1 where the logit is positive, else 0
        (binary); the index of the largest logit (multinomial)."""
        logits = self(_tensor(X, self.linear.weight.dtype))._data
        labels = (logits > 0) if self.binary else logits.argmax(axis=1)
        return Tensor(labels.astype(np.int64))

    def loss(self, X, y, weight_decay=0.0):
        """The mean negative log-likelihood (+ (λ/2)‖w‖²), differentiable in the parameters."""
        x = _tensor(X, self.linear.weight.dtype)
        nll = self._nll(self(x), y)
        if weight_decay:
            nll = nll + 0.5 * weight_decay * (self.linear.weight ** 2).sum()
        return nll

    def _nll(self, logits, y):
        if self.binary:
            return binary_cross_entropy_with_logits(logits, _tensor(y, logits.dtype))
        return cross_entropy(logits, Tensor(_array(y, np.int64)))

    def fit(self, X, y, method="newton", lr=1.0, max_iter=100, tol=1e-8, weight_decay=0.0):
        """Minimise the NLL over all the parameters θ = (w, b); returns self.

        method="newton": θ ← θ - H⁻¹g with g and H from autograd (a few iterations; for
            separable data without weight_decay the optimum is at infinity, and the iterations
            stop at max_iter with the loss near zero).
        method="gd": θ ← θ - lr·g, until ‖g‖ < tol or max_iter.
        The iterations run in float64 (small, convex, and the stopping test needs the
        precision); the float32 parameters get the result. The multinomial model starts from
        its current weights; adding one vector to every class's (w_c, b_c) changes no
        probability, so its Hessian is singular along that direction, which the tiny ridge
        below (and a gradient with no component along it) makes harmless.
        """
        if method not in ("newton", "gd"):
            raise ValueError(f"LogisticRegression.fit: method must be 'newton' or 'gd', got "
                             f"{method!r}")
        x = _array(X, np.float64)
        t = _array(y, np.float64)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"{self._signature()}: expected X of shape "
                             f"(n, {self.in_features}), got {x.shape}")
        self._check_labels(t, x.shape[0])
        x = Tensor(x)
        t = Tensor(t) if self.binary else Tensor(t.astype(np.int64))
        d, k = self.in_features, self.linear.out_features

        def objective(theta):                  # θ = (W row by row, then b)
            logits = linear(x, theta[:k * d].reshape(k, d), theta[k * d:])
            if self.binary:
                nll = binary_cross_entropy_with_logits(logits.reshape(-1), t)
            else:
                nll = cross_entropy(logits, t)
            if weight_decay:
                nll = nll + 0.5 * weight_decay * (theta[:k * d] ** 2).sum()
            return nll

        theta = np.concatenate([self.linear.weight._data.reshape(-1),
                                self.linear.bias._data]).astype(np.float64)
        self.converged_ = False
        for self.n_iter_ in range(1, max_iter + 1):
            leaf = creation.tensor(theta, requires_grad=True)
            (g,) = engine.grad(objective(leaf), [leaf])
            g = g._data
            if np.linalg.norm(g) < tol:
                self.converged_ = True
                break
            if method == "gd":
                theta = theta - lr * g
            else:
                h = hessian(objective, creation.tensor(theta))._data
                # a tiny ridge keeps H invertible when the data are separable
                step = np.linalg.solve(h + 1e-10 * np.eye(len(theta)), g)
                theta = theta - lr * step
        self.linear.weight._data[...] = theta[:k * d].reshape(k, d)
        self.linear.bias._data[...] = theta[k * d:]
        return self

    def _check_labels(self, t, n):
        if self.binary:
            if t.shape != (n,) or not np.isin(t, (0.0, 1.0)).all():
                raise ValueError(f"LogisticRegression.fit: y must hold 0/1 labels of shape "
                                 f"({n},), got shape {t.shape} with values "
                                 f"{np.unique(t)[:5].tolist()}")
        elif (t.shape != (n,) or not (t == np.round(t)).all()
              or not ((t >= 0) & (t < self.num_classes)).all()):
            raise ValueError(f"LogisticRegression.fit: y must hold class indices "
                             f"0..{self.num_classes - 1} of shape ({n},), got shape {t.shape} "
                             f"with values {np.unique(t)[:5].tolist()}")

    def _signature(self):
        return (f"LogisticRegression({self.in_features})" if self.binary
                else f"LogisticRegression({self.in_features}, {self.num_classes})")

    def extra_repr(self):
        if self.binary:
            return f"in_features={self.in_features}"
        return f"in_features={self.in_features}, num_classes={self.num_classes}"


def _tensor(x, dtype):
    return Tensor(_array(x, dtype))
