"""Users' own ops with autograd.Function: forward on numpy arrays, backward in glassgrad ops,
ctx.save_for_backward, constants, needs_input_grad, save_output, straight-through estimators
(against the same estimator written as a torch.autograd.Function), and once_differentiable."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import (Function, functional, grad, gradcheck, gradgradcheck,
                                once_differentiable)

torch = pytest.importorskip("torch")


class ScaledCube(Function):
    """k·x³, k a constant: saves its input with save_for_backward."""

    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        return k * x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (3.0 * ctx.k) * x * x          # no gradient for k: left out


class Mul3(Function):
    """a·b·c with a gradient only for the inputs that need one."""

    @staticmethod
    def forward(ctx, a, b, c):
        return a * b * c

    @staticmethod
    def backward(ctx, grad):
        a, b, c = ctx.inputs
        needs = ctx.needs_input_grad
        return (grad * b * c if needs[0] else None, grad * a * c if needs[1] else None,
                grad * a * b if needs[2] else None)


class Softsign(Function):
    """x / (1 + |x|); its derivative 1/(1 + |x|)² written with the output: y' = (1 - |y|)²."""

    save_output = True

    @staticmethod
    def forward(ctx, x):
        return x / (1 + np.abs(x))

    @staticmethod
    def backward(ctx, grad):
        one_minus = 1.0 - ctx.output.abs()
        return grad * one_minus * one_minus


class RoundSTE(Function):
    """Round in forward; pretend it is the identity in backward (straight-through estimator)."""

    @staticmethod
    def forward(ctx, x):
        return np.round(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


class SignSTE(Function):
    """sign(x) forward; backward passes the gradient where |x| ≤ 1 (hard-tanh STE, as in
    binarised networks). The mask is piecewise constant, so it may be kept as a numpy array."""

    @staticmethod
    def forward(ctx, x):
        ctx.mask = np.abs(x) <= 1
        return np.where(x >= 0, 1.0, -1.0).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.mask


class TorchSignSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.where(x >= 0, 1.0, -1.0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x.abs() <= 1)


class NumpySquare(Function):
    """x² with a numpy-only backward, marked as such."""

    @staticmethod
    def forward(ctx, x):
        return x * x

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        return grad * (2.0 * ctx.inputs[0]._data)


def _x(values=(0.5, -1.5, 2.0)):
    return gg.tensor(np.array(values), requires_grad=True)


# --- the basics -------------------------------------------------------------------------------
def test_custom_function_forward_backward_and_node():
    x = _x()
    y = ScaledCube.apply(x, 2.0)
    np.testing.assert_allclose(y._data, 2.0 * x._data ** 3)
    assert isinstance(y.grad_fn, ScaledCube) and repr(y.grad_fn) == "<ScaledCubeBackward0>"
    assert "grad_fn=<ScaledCubeBackward0>" in repr(y)
    y.sum().backward()
    np.testing.assert_allclose(x.grad._data, 6.0 * x._data ** 2)


def test_saved_input_comes_back_as_the_input_tensor_and_stays_differentiable():
    x = _x()
    seen = []

    class Spy(ScaledCube):
        @staticmethod
        def backward(ctx, grad):
            seen.append(ctx.saved_tensors[0])
            return ScaledCube.backward(ctx, grad)

    Spy.apply(x, 1.0).sum().backward()
    assert seen[0] is x
    assert gradcheck(lambda t: ScaledCube.apply(t, 2.0), x)
    assert gradgradcheck(lambda t: ScaledCube.apply(t, 2.0), x)
    h = functional.hessian(lambda t: ScaledCube.apply(t, 2.0).sum(), x)
    np.testing.assert_allclose(h._data, np.diag(12.0 * x._data))


def test_saved_tensors_after_backward_are_gone():
    x = _x()
    y = ScaledCube.apply(x, 2.0)
    node = y.grad_fn
    y.sum().backward()
    with pytest.raises(RuntimeError, match=r"backward through the graph a second time "
                                           r"\(op ScaledCube\).*retain_graph=True"):
        _ = node.saved_tensors


def test_needs_input_grad_and_constant_inputs():
    a, b = _x(), gg.tensor([1.0, 2.0, 3.0], dtype=gg.float64)
    c = np.array([2.0, 2.0, 2.0])                    # a numpy array: a constant
    y = Mul3.apply(a, b, c)
    assert y.grad_fn.needs_input_grad == (True, False, False)
    y.sum().backward()
    np.testing.assert_allclose(a.grad._data, b._data * c)
    assert b.grad is None


def test_engine_sums_a_custom_functions_gradient_back_to_broadcast_inputs():
    a = gg.tensor(np.ones((3, 1)), requires_grad=True)
    b = gg.tensor(np.arange(4.0), requires_grad=True)
    c = gg.tensor(2.0, dtype=gg.float64, requires_grad=True)
    Mul3.apply(a, b, c).sum().backward()
    assert a.grad.shape == (3, 1) and b.grad.shape == (4,) and c.grad.shape == ()
    np.testing.assert_allclose(a.grad._data, np.full((3, 1), 12.0))
    np.testing.assert_allclose(b.grad._data, np.full(4, 6.0))
    np.testing.assert_allclose(c.grad._data, 18.0)


def test_save_output_gives_the_output_tensor_in_backward():
    x = _x()
    assert gradcheck(Softsign.apply, x)
    assert gradgradcheck(Softsign.apply, x)           # written with ctx.output: order 2 works


def test_no_node_under_no_grad_or_without_inputs_requiring_grad():
    with gg.no_grad():
        assert ScaledCube.apply(_x(), 2.0).grad_fn is None
    assert ScaledCube.apply(gg.tensor([1.0]), 2.0).grad_fn is None


def test_forward_errors_name_the_function_and_shapes():
    with pytest.raises(RuntimeError, match=r"Mul3: inputs of shapes \(3,\), \(4,\), float"):
        Mul3.apply(_x(), gg.ones(4), 2.0)


# --- straight-through estimators --------------------------------------------------------------
def test_round_ste_passes_the_gradient_through():
    x = gg.tensor([0.4, 1.6, -2.3], requires_grad=True)
    y = RoundSTE.apply(x)
    assert y.tolist() == [0.0, 2.0, -2.0] and y.dtype == np.float32
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad._data, 2 * y._data)   # d(y²)/dy, passed straight through


def test_sign_ste_matches_the_same_estimator_in_torch():
    values = np.array([[-2.0, -0.7, 0.0], [0.3, 1.0, 1.4]])
    weights = np.array([[0.5, -1.0], [2.0, 0.1], [-0.3, 0.8]])
    x, w = gg.tensor(values, requires_grad=True), gg.tensor(weights, requires_grad=True)
    xt, wt = (torch.tensor(values, requires_grad=True),
              torch.tensor(weights, requires_grad=True))
    out = (SignSTE.apply(x) @ w).tanh().sum()
    out_t = (TorchSignSTE.apply(xt) @ wt).tanh().sum()
    out.backward()
    out_t.backward()
    np.testing.assert_allclose(out.item(), out_t.item(), rtol=1e-12)
    np.testing.assert_allclose(x.grad._data, xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(w.grad._data, wt.grad.numpy(), rtol=1e-12)


def test_training_through_a_rounding_ste():
    """Quantisation-aware fitting: round(w·4)/4 must reach the quantised target."""
    target = np.array([0.75, -1.25, 2.5])
    w = gg.zeros(3, requires_grad=True)
    for _ in range(200):
        quantised = RoundSTE.apply(w * 4.0) / 4.0
        loss = ((quantised - gg.tensor(target)) ** 2).sum()
        loss.backward()
        with gg.no_grad():
            w.sub_(w.grad * 0.05)
            w.grad = None
    np.testing.assert_allclose(np.round(w._data * 4) / 4, target)


# --- once_differentiable ----------------------------------------------------------------------
def test_once_differentiable_first_order_works():
    x = _x()
    NumpySquare.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad._data, 2 * x._data)
    (g,) = grad(NumpySquare.apply(x).sum(), x)
    np.testing.assert_allclose(g._data, 2 * x._data)


def test_once_differentiable_refuses_a_second_derivative():
    x = _x()
    with pytest.raises(RuntimeError, match=r"NumpySquare: its backward is once_differentiable"):
        grad(NumpySquare.apply(x).sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match=r"NumpySquare: .*once_differentiable"):
        functional.hessian(lambda t: NumpySquare.apply(t).sum(), x)
    with pytest.raises(RuntimeError, match=r"NumpySquare: .*once_differentiable"):
        NumpySquare.apply(x).sum().backward(create_graph=True)


def test_next_functions_walk_the_graph_as_in_torch():
    w = gg.tensor([1.0, 2.0], requires_grad=True)
    x = gg.tensor([3.0, 4.0])
    loss = (w * x).sum()
    assert loss.grad_fn.name() == "SumBackward0"
    (mul, index), = loss.grad_fn.next_functions
    assert index == 0 and mul.name() == "MulBackward0"
    (acc, _), (none, _) = mul.next_functions
    assert acc.name() == "AccumulateGrad" and acc.variable is w and acc.next_functions == ()
    assert none is None                            # x does not require grad
    names, stack = [], [loss.grad_fn]              # the tutorials' walk over the whole graph
    while stack:
        node = stack.pop()
        names.append(node.name())
        stack.extend(n for n, _ in node.next_functions if n is not None)
    assert names == ["SumBackward0", "MulBackward0", "AccumulateGrad"]


def test_next_functions_of_a_freed_node_say_so():
    w = gg.tensor([1.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.grad_fn.next_functions
