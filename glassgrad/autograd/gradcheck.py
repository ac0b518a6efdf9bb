"""Gradient checks: analytic derivatives against float64 central finite differences.

    ∂f/∂x_i ≈ (f(x + ε e_i) - f(x - ε e_i)) / 2ε        (error O(ε²))

`gradcheck` compares the whole Jacobian from backward with the one from differences;
`gradgradcheck` does the same for the function that maps inputs to their gradients, which checks
second derivatives (the backward of the backward).
"""
import warnings

import numpy as np

from .engine import grad
from ..tensor import Tensor


class GradcheckError(RuntimeError):
    """Raised by gradcheck/gradgradcheck when the analytic and numeric derivatives disagree."""


def _outputs(func, inputs):
    out = func(*inputs)
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def _numeric_jacobian(func, inputs, index, eps):
    """Columns d outputs / d inputs[index][k] by central differences, flattened outputs."""
    x = inputs[index]
    columns = []
    for k in range(x._data.size):
        # Perturb the input in place, element k in row-major order (works for strided data too).
        at = np.unravel_index(k, x.shape)
        saved = x._data[at]
        x._data[at] = saved + eps
        plus = [o._data.astype(np.float64).ravel() for o in _outputs(func, inputs)]
        x._data[at] = saved - eps
        minus = [o._data.astype(np.float64).ravel() for o in _outputs(func, inputs)]
        x._data[at] = saved
        columns.append(np.concatenate([(p - m) / (2 * eps) for p, m in zip(plus, minus)]))
    return np.stack(columns, axis=1) if columns else np.zeros((0, 0))


def _analytic_jacobian(func, inputs, index):
    outputs = _outputs(func, inputs)
    rows = []
    x = inputs[index]
    for out in outputs:
        if not out.requires_grad:
            rows.extend(np.zeros((out._data.size, x._data.size)))
            continue
        for k in range(out._data.size):
            seed = np.zeros(out.shape, dtype=out.dtype)
            seed.reshape(-1)[k] = 1
            (g,) = grad(out, [x], grad_outputs=Tensor(seed), retain_graph=True,
                        allow_unused=True)
            rows.append(np.zeros(x._data.size) if g is None else g._data.astype(np.float64).ravel())
    return np.stack(rows, axis=0) if rows else np.zeros((0, x._data.size))


def gradcheck(func, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """True when backward's Jacobian of `func` matches finite differences for every input
    that requires grad. Use float64 inputs: float32 differences are too coarse."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.requires_grad and x.dtype != np.float64:
            warnings.warn(f"gradcheck: input {i} is {x.dtype}, not float64; the finite "
                          "differences will be too coarse for a reliable check", stacklevel=2)
    for i, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        numeric = _numeric_jacobian(func, inputs, i, eps)
        analytic = _analytic_jacobian(func, inputs, i)
        if numeric.shape != analytic.shape or not np.allclose(analytic, numeric, rtol, atol):
            if not raise_exception:
                return False
            worst = np.abs(analytic - numeric).max() if numeric.shape == analytic.shape else None
            raise GradcheckError(
                f"gradcheck: Jacobian mismatch for input {i} (shape {x.shape}); largest "
                f"difference {worst}\nnumeric:\n{numeric}\nanalytic:\n{analytic}")
    return True


def gradgradcheck(func, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, generator=None):
    """gradcheck of inputs ↦ vᵀJ(inputs) (second derivatives), for random v unless given."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    if grad_outputs is None:
        rng = np.random.default_rng(0) if generator is None else generator.rng
        grad_outputs = tuple(Tensor(rng.standard_normal(o.shape).astype(o.dtype),
                                    requires_grad=True)
                             for o in _outputs(func, inputs))
    grad_outputs = tuple(grad_outputs) if isinstance(grad_outputs, (tuple, list)) else \
        (grad_outputs,)
    n = len(inputs)
    differentiable = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]

    def first_derivatives(*args):
        xs, vs = args[:n], args[n:]
        outs = _outputs(func, xs)
        pairs = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
        grads = grad([o for o, _ in pairs], [xs[i] for i in differentiable],
                     grad_outputs=[v for _, v in pairs], create_graph=True, allow_unused=True)
        return tuple(g if g is not None else Tensor(np.zeros(xs[i].shape, xs[i].dtype))
                     for g, i in zip(grads, differentiable))

    return gradcheck(first_derivatives, inputs + grad_outputs, eps, atol, rtol, raise_exception)
