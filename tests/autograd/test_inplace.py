"""Changing a tensor in place between forward and backward: refused where it would spoil a
gradient (the engine's version stamps, like torch's version counter), allowed where not."""
import numpy as np
import pytest

import glassgrad as gg

MESSAGE = r"modified by an in-place operation: a leaf tensor of shape \(3,\).*op Mul"


def test_leaf_changed_after_use_raises_naming_op_and_shape():
    w = gg.randn(3, requires_grad=True)
    loss = (w * w).sum()
    with gg.no_grad():
        w.add_(10.0)                 # the gradient 2w would come out as 2(w + 10)
    with pytest.raises(RuntimeError, match=MESSAGE):
        loss.backward()


def test_data_input_changed_after_use_raises_too():
    w, x = gg.randn(3, requires_grad=True), gg.randn(3)
    loss = (w * x).sum()             # dloss/dw = x: the old x
    x.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()


def test_optimizer_step_between_forward_and_backward_raises():
    gg.manual_seed(0)
    model = gg.nn.Linear(3, 2)
    optimizer = gg.optim.SGD(model.parameters(), lr=0.1)
    loss = model(gg.randn(4, 3)).pow(2).sum()
    loss.backward(retain_graph=True)
    optimizer.step()
    with pytest.raises(RuntimeError, match=r"op Linear.*optimizer.step\(\) after"):
        loss.backward()


def test_change_before_the_forward_or_after_backward_is_fine():
    w = gg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with gg.no_grad():
        w.mul_(2.0)                  # before the forward: the graph sees the new values
    loss = (w * w).sum()
    loss.backward()
    np.testing.assert_allclose(w.grad.data, [4.0, 8.0, 12.0])
    with gg.no_grad():
        w.sub_(w.grad)               # after backward: the usual update


def test_ops_that_read_no_input_values_allow_it():
    w = gg.randn(3, requires_grad=True)
    loss = (w + 1.0).sum() * 2.0     # Add, Sum and Mul by a constant: no saved value of w used
    with gg.no_grad():
        w.add_(5.0)
    loss.backward()
    np.testing.assert_allclose(w.grad.data, [2.0, 2.0, 2.0])
