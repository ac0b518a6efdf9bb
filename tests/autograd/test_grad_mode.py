"""Grad mode: no_grad, enable_grad, set_grad_enabled as context managers and as decorators;
the mode is restored on exit, also after an exception."""
import pytest

import glassgrad as gg


@pytest.fixture
def x():
    return gg.tensor([1.0, 2.0], requires_grad=True)


def test_no_grad_records_no_graph_and_restores_the_mode(x):
    assert gg.is_grad_enabled()
    with gg.no_grad():
        assert not gg.is_grad_enabled()
        y = x * 2.0
        assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    assert gg.is_grad_enabled()
    assert (x * 2.0).grad_fn is not None


def test_enable_grad_inside_no_grad(x):
    with gg.no_grad():
        with gg.enable_grad():
            assert gg.is_grad_enabled()
            assert (x * 2.0).requires_grad
        assert not gg.is_grad_enabled()
        assert not (x * 2.0).requires_grad


def test_set_grad_enabled_as_context_manager_and_as_a_call(x):
    with gg.set_grad_enabled(False):
        assert not (x * 2.0).requires_grad
        with gg.set_grad_enabled(True):
            assert (x * 2.0).requires_grad
    assert gg.is_grad_enabled()
    try:
        gg.set_grad_enabled(False)            # like torch: a plain call switches at once
        assert not gg.is_grad_enabled()
    finally:
        gg.set_grad_enabled(True)
    assert gg.is_grad_enabled()


def test_the_mode_is_restored_after_an_exception():
    with pytest.raises(ValueError), gg.no_grad():
        raise ValueError("inside")
    assert gg.is_grad_enabled()
    with pytest.raises(ValueError), gg.set_grad_enabled(False):
        raise ValueError("inside")
    assert gg.is_grad_enabled()


def test_decorators(x):
    @gg.no_grad()
    def doubled(t):
        """Docstring kept."""
        return t * 2.0

    @gg.set_grad_enabled(False)
    def tripled(t):
        return t * 3.0

    assert gg.is_grad_enabled()               # defining them changed nothing
    assert not doubled(x).requires_grad and not tripled(x).requires_grad
    assert doubled.__name__ == "doubled" and doubled.__doc__ == "Docstring kept."
    assert gg.is_grad_enabled()

    with gg.no_grad():
        @gg.enable_grad()
        def squared(t):
            return t * t

        @gg.set_grad_enabled(True)
        def quadrupled(t):
            return t * 4.0

        assert squared(x).requires_grad and quadrupled(x).requires_grad
        assert not gg.is_grad_enabled()


def test_decorated_function_restores_the_mode_after_an_exception():
    @gg.no_grad()
    def fails():
        raise KeyError("x")

    with pytest.raises(KeyError):
        fails()
    assert gg.is_grad_enabled()


def test_in_place_update_of_a_leaf_is_allowed_under_no_grad(x):
    with gg.no_grad():
        x.add_(1.0)
        x.mul_(2.0)
    assert x.tolist() == [4.0, 6.0] and x.is_leaf and x.requires_grad


def test_creation_under_no_grad_still_makes_leaves_that_require_grad():
    with gg.no_grad():
        w = gg.zeros(3, requires_grad=True)
    assert w.requires_grad and w.is_leaf


def test_backward_works_when_called_under_no_grad(x):
    loss = (x * x).sum()
    with gg.no_grad():
        loss.backward()
        assert not gg.is_grad_enabled()       # the walk put the caller's mode back
    assert x.grad.tolist() == [2.0, 4.0]
    assert gg.is_grad_enabled()


def test_the_gradient_is_not_recorded_without_create_graph(x):
    (x * x * x).sum().backward()
    assert not x.grad.requires_grad and x.grad.grad_fn is None
