"""Newton's method on the full Hessian that the engine's double backward gives: for models of
up to a few thousand parameters, with Levenberg-Marquardt damping and an Armijo line search."""
import contextlib

import numpy as np

from ..autograd import engine, grad_mode
from ..tensor import Tensor
from .optimizer import Optimizer, check_hyperparameter

LINE_SEARCHES = (None, "backtracking")


class Newton(Optimizer):
    """θ ← θ - t (H + λI)⁻¹ g over all parameters jointly.

    The parameters are flattened into one vector θ of n entries; g = ∇f(θ) is taken with
    create_graph=True, so each gradient entry is itself differentiable, and row i of the Hessian
    is the gradient of g_i (n backward passes through the graph of the gradient). Then

        solve (H + λ I) d = -g                   (d = -H⁻¹g for λ = 0: pure Newton)
        t = lr, or the first t = lr·β^j with f(θ + t d) ≤ f(θ) + c₁ t gᵀd   (Armijo backtracking)
        θ ← θ + t d

    On a quadratic f = ½ θᵀAθ - bᵀθ with A positive definite, one pure Newton step lands on the
    minimum A⁻¹b. Far from a minimum H may be indefinite and d an ascent direction; two
    remedies, which can be combined:
      - adaptive_damping (Levenberg-Marquardt): try the step; if f did not rise, accept it and
        shrink λ (λ ← λ·damping_decrease, trusting the quadratic model more); if not, or if
        H + λI is not positive definite, reject it, grow λ (λ ← max(λ·damping_increase,
        min_damping)) and solve again. Large λ turns the step into gradient descent with step
        1/λ, small λ into Newton's step.
      - line_search_fn="backtracking": shorten the step until Armijo's sufficient decrease
        holds; where d is not a descent direction (gᵀd ≥ 0) steepest descent d = -g is used.

    Memory is n² float64 entries (8n² bytes) for H, time n backward passes per step, so the
    parameter count is capped by `max_params`. The closure returns the loss; Newton
    differentiates it twice itself, and evaluates the closure again (under no_grad) to test
    trial points. Both ways of writing it work:
      - `lambda: loss_fn(model(x), y)`: just the loss;
      - PyTorch's LBFGS form, `optimizer.zero_grad(); loss = ...; loss.backward(); return
        loss`: while Newton runs such a closure, `backward()` keeps the graph (as with
        retain_graph=True) so the loss can still be differentiated twice, and at the trial
        points (no graph there) it does nothing. Newton steps with its own derivatives, so
        the parameters' .grad afterwards is only what the closure's last call left there.

    - Paper: Newton's method for optimisation, as in Nocedal & Wright, "Numerical
      Optimization" (2nd ed., 2006), ch. 3.3 (Newton with Hessian modification) and 3.1
      (backtracking, Armijo 1966); damping: Levenberg (1944), Marquardt, "An Algorithm for
      Least-Squares Estimation of Nonlinear Parameters" (SIAM J. Appl. Math., 1963).

    Args:
        params: the tensors to optimise (one group: the Hessian couples them all).
        lr: the step length t (the first one tried by the line search).
        damping: λ, added to the Hessian's diagonal (the starting λ if adaptive).
        adaptive_damping: Levenberg-Marquardt's rule for λ above.
        damping_increase, damping_decrease, min_damping: its factors and floor (×3 and ×1/3 by
            default, as Nielsen's rule at its extremes; Marquardt's ×10 and ×1/10 adapt more
            coarsely: 30 steps instead of 22 on Rosenbrock).
        max_damping_tries: how many λ to try in one step before giving up (no move).
        line_search_fn: None or "backtracking" (Armijo).
        c1: Armijo's sufficient-decrease constant. backtrack_factor: β. max_backtracks: tries.
        max_params: the largest n accepted (the Hessian takes 8n² bytes).
    Example::

        opt = Newton([w], adaptive_damping=True)
        for _ in range(10):
            opt.step(lambda: loss_fn(w))

        def closure():                  # the same, as a PyTorch user writes it for LBFGS
            opt.zero_grad()
            loss = loss_fn(w)
            loss.backward()
            return loss
        opt.step(closure)
    """

    def __init__(self, params, lr=1.0, damping=0.0, adaptive_damping=False,
                 damping_increase=3.0, damping_decrease=1 / 3, min_damping=1e-6,
                 max_damping_tries=30, line_search_fn=None, c1=1e-4, backtrack_factor=0.5,
                 max_backtracks=30, max_params=5000):
        defaults = dict(lr=lr, damping=damping, adaptive_damping=adaptive_damping,
                        damping_increase=damping_increase, damping_decrease=damping_decrease,
                        min_damping=min_damping, max_damping_tries=max_damping_tries,
                        line_search_fn=line_search_fn, c1=c1, backtrack_factor=backtrack_factor,
                        max_backtracks=max_backtracks, max_params=max_params)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError(f"Newton doesn't support per-parameter options (parameter groups): "
                             f"got {len(self.param_groups)} groups; the Hessian couples all "
                             "parameters, so pass them as one list")
        self._params = self.param_groups[0]["params"]
        self._check_size(self.param_groups[0])

    def validate(self, options):
        check_hyperparameter("Newton", "learning rate", options["lr"], options["lr"] > 0.0,
                             "lr > 0")
        check_hyperparameter("Newton", "damping value", options["damping"],
                             options["damping"] >= 0.0, "damping >= 0")
        check_hyperparameter("Newton", "damping_increase value", options["damping_increase"],
                             options["damping_increase"] > 1.0, "damping_increase > 1")
        check_hyperparameter("Newton", "damping_decrease value", options["damping_decrease"],
                             0.0 < options["damping_decrease"] < 1.0, "0 < damping_decrease < 1")
        check_hyperparameter("Newton", "line_search_fn", repr(options["line_search_fn"]),
                             options["line_search_fn"] in LINE_SEARCHES,
                             "None or 'backtracking'")
        check_hyperparameter("Newton", "c1 value", options["c1"], 0.0 < options["c1"] < 1.0,
                             "0 < c1 < 1")
        check_hyperparameter("Newton", "backtrack_factor value", options["backtrack_factor"],
                             0.0 < options["backtrack_factor"] < 1.0,
                             "0 < backtrack_factor < 1")

    def _check_size(self, group):
        n = sum(p._data.size for p in group["params"])
        if n > group["max_params"]:
            raise ValueError(
                f"Newton: the full Hessian of {n:,} parameters is {n:,} x {n:,} float64 = "
                f"{8 * n * n / 2**20:,.1f} MiB and needs {n:,} backward passes per step; that "
                f"is over max_params={group['max_params']:,}. Use a first-order optimiser "
                f"(Adam, SGD), fewer parameters, or raise max_params if the memory is there")

    # --- the step ---------------------------------------------------------------------------
    def step(self, closure=None):
        """One (damped) Newton step; returns the loss the closure gave at the starting point."""
        if closure is None:
            raise RuntimeError("Newton.step needs a closure that re-evaluates the model and "
                               "returns the loss, e.g. opt.step(lambda: loss_fn(model(x), y)) "
                               "(it may call loss.backward() first, as for LBFGS)")
        group = self.param_groups[0]
        self._check_size(group)
        state = self.state[self._params[0]]
        if not state:
            state.update(step=0, damping=float(group["damping"]), step_length=0.0)
        with grad_mode.enable_grad(), _closure_backward(keep_graph=True):
            loss = closure()
        f0 = _scalar(loss, "Newton: the closure")
        g, H = flat_gradient_and_hessian(loss, self._params)
        x0 = np.concatenate([p._data.reshape(-1).astype(np.float64) for p in self._params])

        def f(x):                       # the loss at a trial point, without a graph
            _write(self._params, x)
            with grad_mode.no_grad(), _closure_backward(keep_graph=False):
                return _scalar(closure(), "Newton: the closure")

        if group["adaptive_damping"]:
            x, state["damping"] = self._levenberg_marquardt(f, f0, x0, g, H, state["damping"],
                                                            group)
        else:
            d = _solve(H, g, state["damping"])
            if group["line_search_fn"] is not None and g @ d >= 0:
                d = -g                  # H indefinite, d points uphill: steepest descent
            x = x0 + self._step_length(f, f0, x0, g, d, group) * d
        _write(self._params, x)
        state["step"] += 1
        state["step_length"] = float(np.linalg.norm(x - x0))
        return loss

    def _step_length(self, f, f0, x0, g, d, group):
        """lr, or Armijo backtracking from lr; 0.0 when no tried length decreases f enough."""
        if group["line_search_fn"] is None:
            return group["lr"]
        slope = float(g @ d)
        t = group["lr"]
        for _ in range(group["max_backtracks"] + 1):
            if f(x0 + t * d) <= f0 + group["c1"] * t * slope:
                return t
            t *= group["backtrack_factor"]
        return 0.0

    def _levenberg_marquardt(self, f, f0, x0, g, H, lam, group):
        """Grow λ until a step decreases f (then shrink it for the next step)."""
        for _ in range(group["max_damping_tries"]):
            try:
                d = _solve(H, g, lam, require_positive_definite=True)
            except np.linalg.LinAlgError:
                lam = max(lam * group["damping_increase"], group["min_damping"])
                continue
            x = x0 + self._step_length(f, f0, x0, g, d, group) * d
            if f(x) <= f0:              # "<=": at a minimum, d = 0 leaves f equal
                return x, lam * group["damping_decrease"]
            lam = max(lam * group["damping_increase"], group["min_damping"])
        return x0, lam                  # no λ gave a decrease: stay (at a minimum, or stuck)


def flat_gradient_and_hessian(loss, params):
    """(g, H) of a scalar loss over the parameters flattened into one vector, as float64.

    g comes from one backward with create_graph=True; row i of H is the gradient of g_i, taken
    through the graph of g by a backward seeded with a one-hot vector on the one gradient
    tensor that holds entry i (so only that part of the graph is walked). H is symmetrised.
    """
    params = list(params)
    if not loss.requires_grad:
        raise RuntimeError("Newton: the closure's loss has no graph (was it computed under "
                           "no_grad, or do the parameters not require grad?)")
    try:
        grads = engine.grad(loss, params, create_graph=True, allow_unused=True)
    except RuntimeError as error:
        if "second time" in str(error):
            raise RuntimeError("Newton: the closure's loss has no graph left (its backward() "
                               "freed it); return a loss computed inside the closure, which "
                               "Newton.step keeps the graph of") from error
        raise
    sizes = [p._data.size for p in params]
    n = sum(sizes)
    offsets = np.cumsum([0] + sizes)
    g = np.zeros(n, dtype=np.float64)
    H = np.zeros((n, n), dtype=np.float64)
    for j, (gj, p) in enumerate(zip(grads, params)):
        if gj is None:                          # the loss does not depend on p at all
            continue
        g[offsets[j]:offsets[j + 1]] = gj._data.reshape(-1)
        if not gj.requires_grad:                # f is linear in everything gj depends on
            continue
        seed = np.zeros(gj.shape, dtype=gj.dtype)
        flat_seed = seed.reshape(-1)
        for k in range(sizes[j]):
            flat_seed[k] = 1.0
            row = engine.grad(gj, params, grad_outputs=Tensor(seed), retain_graph=True,
                              allow_unused=True)
            flat_seed[k] = 0.0
            for m, r in enumerate(row):
                if r is not None:
                    H[offsets[j] + k, offsets[m]:offsets[m + 1]] = r._data.reshape(-1)
    return g, (H + H.T) / 2


def _solve(H, g, lam, require_positive_definite=False):
    """d = -(H + λI)⁻¹ g; by Cholesky when H + λI must be positive definite."""
    A = H + lam * np.eye(len(g))
    if require_positive_definite:
        L = np.linalg.cholesky(A)               # LinAlgError when A is not positive definite
        return -np.linalg.solve(L.T, np.linalg.solve(L, g))
    try:
        return np.linalg.solve(A, -g)
    except np.linalg.LinAlgError as error:
        raise np.linalg.LinAlgError(
            f"Newton: the Hessian plus damping λ={lam} ({len(g)} x {len(g)}) is singular; set "
            "damping > 0 or adaptive_damping=True") from error


@contextlib.contextmanager
def _closure_backward(keep_graph):
    """While a closure runs: `Tensor.backward` keeps the graph (keep_graph), so that Newton can
    take the loss's first and second derivatives afterwards, or does nothing (at trial points,
    evaluated without a graph). A closure that never calls backward is unaffected."""
    original = Tensor.backward

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        if keep_graph:
            original(self, gradient, True, create_graph, inputs)

    Tensor.backward = backward
    try:
        yield
    finally:
        Tensor.backward = original


def _write(params, x):
    """Copy the flat vector x into the parameters' arrays (cast to their dtype)."""
    offset = 0
    for p in params:
        size = p._data.size
        p._data[...] = x[offset:offset + size].reshape(p._data.shape)
        offset += size


def _scalar(loss, who):
    if not isinstance(loss, Tensor) or loss._data.size != 1:
        raise RuntimeError(f"{who} must return a one-element loss Tensor, got "
                           f"{getattr(loss, 'shape', type(loss).__name__)}")
    return float(loss._data.reshape(()))
