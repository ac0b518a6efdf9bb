"""Binary logistic regression, fitted by minimising the negative log-likelihood.

    p(y = 1 | x) = σ(w·x + b)
    NLL(w, b) = -(1/n) Σ_i [y_i log p_i + (1 - y_i) log(1 - p_i)]  (+ (λ/2)‖w‖²)

The NLL is convex; its gradient is (1/n) X̃ᵀ(p - y) and its Hessian (1/n) X̃ᵀ diag(p(1-p)) X̃
with X̃ = [X, 1]. Both come from glassgrad's autograd here, not from these formulas: `fit`
is gradient descent on autograd's gradient, or Newton's method on autograd's Hessian (which for
this model is iteratively reweighted least squares).

- Paper: Cox, "The regression analysis of binary sequences", JRSS B 20(2), 1958.
"""
import numpy as np

from .. import creation
from ..autograd import engine
from ..autograd.functional import hessian
from ..nn.functional.loss import binary_cross_entropy_with_logits
from ..nn.modules.linear import Linear
from ..nn.modules.module import Module
from ..ops.activation import sigmoid
from ..ops.linalg import linear
from ..tensor import Tensor


def _array(x, dtype):
    return (x._data if isinstance(x, Tensor) else np.asarray(x)).astype(dtype, copy=False)


class LogisticRegression(Module):
    """A linear model of the log-odds, p(y=1|x) = σ(w·x + b); parameters `linear.weight` (1, d)
    and `linear.bias` (1,), initialised to zero (the problem is convex: no symmetry to break).

    Args:
        in_features: number of inputs d (0 gives the intercept-only model).

    Example::

        model = LogisticRegression(2).fit(X, y)             # y in {0, 1}
        model.predict_proba(X), model.predict(X)
    """

    def __init__(self, in_features):
        super().__init__()
        self.in_features = in_features
        self.linear = Linear(in_features, 1)
        self.linear.weight._data[...] = 0
        self.linear.bias._data[...] = 0
        self.n_iter_, self.converged_ = 0, False

    def forward(self, input):
        """The logit w·x + b of each row, shape (n,)."""
        return self.linear(input).reshape(-1)

    def predict_proba(self, X):
        """p(y = 1 | x) for each row."""
        return sigmoid(self(_tensor(X, self.linear.weight.dtype))).detach()

    def predict(self, X):
        """1 where p(y = 1 | x) > 1/2 (the logit is positive), else 0 (int64)."""
        logits = self(_tensor(X, self.linear.weight.dtype))._data
        return Tensor((logits > 0).astype(np.int64))

    def loss(self, X, y, weight_decay=0.0):
        """The mean negative log-likelihood (+ (λ/2)‖w‖²), differentiable in the parameters."""
        x = _tensor(X, self.linear.weight.dtype)
        target = _tensor(y, self.linear.weight.dtype)
        nll = binary_cross_entropy_with_logits(self(x), target)
        if weight_decay:
            nll = nll + 0.5 * weight_decay * (self.linear.weight ** 2).sum()
        return nll

    def fit(self, X, y, method="newton", lr=1.0, max_iter=100, tol=1e-8, weight_decay=0.0):
        """Minimise the NLL over (w, b); returns self.

        method="newton": θ ← θ - H⁻¹g with g and H from autograd (a few iterations; for
            separable data without weight_decay the optimum is at infinity, and the iterations
            stop at max_iter with the loss near zero).
        method="gd": θ ← θ - lr·g, until ‖g‖ < tol or max_iter.
        The iterations run in float64 (small, convex, and the stopping test needs the
        precision); the float32 parameters get the result.
        """
        if method not in ("newton", "gd"):
            raise ValueError(f"LogisticRegression.fit: method must be 'newton' or 'gd', got "
                             f"{method!r}")
        x = _array(X, np.float64)
        t = _array(y, np.float64)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"LogisticRegression({self.in_features}): expected X of shape "
                             f"(n, {self.in_features}), got {x.shape}")
        if t.shape != (x.shape[0],) or not np.isin(t, (0.0, 1.0)).all():
            raise ValueError(f"LogisticRegression.fit: y must hold 0/1 labels of shape "
                             f"({x.shape[0]},), got shape {t.shape} with values "
                             f"{np.unique(t)[:5].tolist()}")
        x, t = Tensor(x), Tensor(t)
        d = self.in_features

        def objective(theta):                  # θ = (w_1, ..., w_d, b)
            logits = linear(x, theta[:d].reshape(1, d), theta[d:]).reshape(-1)
            nll = binary_cross_entropy_with_logits(logits, t)
            if weight_decay:
                nll = nll + 0.5 * weight_decay * (theta[:d] ** 2).sum()
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
        self.linear.weight._data[...] = theta[:d].reshape(1, d)
        self.linear.bias._data[...] = theta[d:]
        return self

    def extra_repr(self):
        return f"in_features={self.in_features}"


def _tensor(x, dtype):
    return Tensor(_array(x, dtype))
