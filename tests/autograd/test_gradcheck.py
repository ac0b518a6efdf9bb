"""gradcheck and gradgradcheck: they pass on correct derivatives and, just as importantly, fail
on a deliberately wrong custom Function (first order) and on a backward that silently drops the
second derivative (a float intermediate computed in numpy)."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import Function, GradcheckError, gradcheck, gradgradcheck

RNG = np.random.default_rng(3)


def _leaf(*shape):
    return gg.tensor(RNG.standard_normal(shape), requires_grad=True)


class WrongSin(Function):
    """sin with the derivative of -cos (sin itself): a wrong first derivative."""

    @staticmethod
    def forward(ctx, x):
        return np.sin(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.inputs[0].sin()


class NumpyCube(Function):
    """x³ whose backward multiplies by 3x² computed in numpy: right first derivative, but the
    second is lost (3x² is a constant to the engine), which only gradgradcheck can see."""

    @staticmethod
    def forward(ctx, x):
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        return grad * (3 * ctx.inputs[0]._data ** 2)


class Cube(Function):
    """x³ done right: the backward in glassgrad ops."""

    @staticmethod
    def forward(ctx, x):
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        x = ctx.inputs[0]
        return grad * 3.0 * x * x


def test_gradcheck_passes_on_correct_ops_with_broadcasting_and_several_inputs():
    x, w, b = _leaf(3, 4), _leaf(4, 2), _leaf(2)

    def f(x, w, b):
        return ((x @ w + b).tanh() * x.sum(1, keepdim=True)).exp()

    assert gradcheck(f, (x, w, b))
    assert gradgradcheck(f, (x, w, b))


def test_gradcheck_several_outputs_and_constant_inputs():
    x, y = _leaf(3), _leaf(3)
    const = gg.tensor(RNG.standard_normal(3))       # does not require grad: not checked

    def f(x, y, c):
        return x * y + c, (x.sin() * c).sum()

    assert gradcheck(f, (x, y, const))
    assert gradgradcheck(f, (x, y, const))


def test_gradcheck_fails_on_a_wrong_custom_function():
    x = _leaf(4)
    with pytest.raises(GradcheckError, match=r"gradcheck: Jacobian mismatch for input 0 "
                                             r"\(shape \(4,\)\); largest difference"):
        gradcheck(WrongSin.apply, x)
    assert gradcheck(WrongSin.apply, x, raise_exception=False) is False


def test_gradcheck_fails_on_the_wrong_input_only():
    x, y = _leaf(3), _leaf(3)
    with pytest.raises(GradcheckError, match=r"input 1 \(shape \(3,\)\)"):
        gradcheck(lambda a, b: a * 2.0 + WrongSin.apply(b), (x, y))


def test_gradgradcheck_fails_when_the_second_derivative_is_lost():
    x = gg.tensor([0.5, -1.2, 2.0], dtype=gg.float64, requires_grad=True)
    assert gradcheck(NumpyCube.apply, x)          # the first derivative is right
    with pytest.raises(GradcheckError):
        gradgradcheck(NumpyCube.apply, x)
    assert gradgradcheck(NumpyCube.apply, x, raise_exception=False) is False
    assert gradgradcheck(Cube.apply, x)


def test_gradcheck_restores_the_inputs():
    x = _leaf(2, 3)
    before = x._data.copy()
    gradcheck(lambda t: (t * t).sum(), x)
    np.testing.assert_array_equal(x._data, before)


def test_gradcheck_on_a_non_contiguous_input():
    """Regression: the finite differences used to perturb a copy of a transposed input."""
    x = gg.tensor(RNG.standard_normal((3, 2))).T.detach().requires_grad_()
    assert not x.is_contiguous()
    assert gradcheck(lambda t: t * t, x)


def test_gradcheck_warns_about_float32_inputs():
    x = gg.tensor([0.5, -1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match=r"gradcheck: input 0 is float32, not float64"):
        assert gradcheck(lambda t: t * 2.0, x, eps=1e-2, atol=1e-3, rtol=1e-3)


def test_gradgradcheck_with_explicit_grad_outputs_and_a_generator():
    x = _leaf(3)
    v = gg.tensor(RNG.standard_normal(3), requires_grad=True)
    assert gradgradcheck(lambda t: t.sin() * t, x, grad_outputs=v)
    assert gradgradcheck(lambda t: t.sin() * t, x, generator=gg.Generator(5))
