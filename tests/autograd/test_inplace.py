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
    np.testing.assert_allclose(w.grad._data, [4.0, 8.0, 12.0])
    with gg.no_grad():
        w.sub_(w.grad)               # after backward: the usual update


def test_ops_that_read_no_input_values_allow_it():
    w = gg.randn(3, requires_grad=True)
    loss = (w + 1.0).sum() * 2.0     # Add, Sum and Mul by a constant: no saved value of w used
    with gg.no_grad():
        w.add_(5.0)
    loss.backward()
    np.testing.assert_allclose(w.grad._data, [2.0, 2.0, 2.0])


def test_a_refused_in_place_change_leaves_the_tensor_and_its_version_alone():
    w = gg.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        w.add_(1.0)
    assert np.array_equal(w.detach().numpy(), [1.0, 2.0])
    loss.backward()                  # the refusal changed nothing: no version complaint
    assert np.array_equal(w.grad.numpy(), [2.0, 4.0])


def test_augmented_assignment_updates_in_place_so_a_manual_sgd_loop_learns():
    gg.manual_seed(0)
    model = gg.nn.Linear(3, 1)
    x = gg.randn(32, 3)
    y = x @ gg.tensor([[1.0], [-2.0], [0.5]]) + 0.3
    first = None
    params = list(model.parameters())
    for _ in range(300):
        model.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        first = loss.item() if first is None else first
        with gg.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad            # the course's manual update
    assert list(model.parameters())[0] is params[0]      # the same Parameter objects
    assert loss.item() < 1e-4 * first
    np.testing.assert_allclose(model.weight.detach().numpy(), [[1.0, -2.0, 0.5]], atol=1e-2)


@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/="])
def test_augmented_assignment_keeps_the_object_and_bumps_the_version(op):
    x = gg.tensor([2.0, 4.0])
    before, version = x, x._version
    exec(f"x {op} 2.0", {}, scope := {"x": x})
    assert scope["x"] is before and x._version > version
    expected = {"+=": [4.0, 6.0], "-=": [0.0, 2.0], "*=": [4.0, 8.0], "/=": [1.0, 2.0]}[op]
    np.testing.assert_array_equal(x.numpy(), expected)


def test_augmented_assignment_on_a_leaf_that_requires_grad_is_refused_outside_no_grad():
    w = gg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad.*in-place"):
        w -= 1.0


def test_augmented_assignment_inside_a_recorded_forward_records_the_op():
    w = gg.tensor([1.0, 2.0], requires_grad=True)
    out = w * 3.0
    out += w                         # a residual connection, as torch code writes it
    out.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [4.0, 4.0])


def test_data_is_a_detached_tensor_sharing_memory_as_in_torch():
    w = gg.tensor([1.0, 2.0], requires_grad=True)
    d = w.data
    assert isinstance(d, gg.Tensor) and not d.requires_grad and d.grad_fn is None
    d.mul_(10.0)                     # seen through w, with no version stamp (torch's .data)
    np.testing.assert_array_equal(w.detach().numpy(), [10.0, 20.0])
    w.data = gg.tensor([5.0, 6.0])   # rebinding .data replaces the values
    np.testing.assert_array_equal(np.asarray(w.data), [5.0, 6.0])
    w.data -= 1.0                    # p.data -= lr * g, a common update
    np.testing.assert_array_equal(np.asarray(w.data), [4.0, 5.0])


@pytest.mark.parametrize("method", ["add_", "mul_", "div_", "copy_", "masked_fill_"])
def test_an_in_place_op_with_an_operand_that_requires_grad_is_refused_not_silently_untracked(
        method):
    x = gg.tensor([1.0, 2.0])
    w = gg.tensor([3.0, 4.0], requires_grad=True)
    args = {"masked_fill_": (gg.tensor([True, False]), w.sum())}.get(method, (w,))
    with pytest.raises(RuntimeError, match=f"{method}: an operand requires grad"):
        getattr(x, method)(*args)
    np.testing.assert_array_equal(x.numpy(), [1.0, 2.0])
    with gg.no_grad():                       # no graph wanted: allowed
        getattr(x, method)(*args)


# --- views and detach() share the version counter with their base, as in torch ------------

def test_changing_a_detached_output_in_place_is_seen_by_the_op_that_saved_it():
    # The case: Exp's backward reads its output y; y.detach() is the same memory.
    x = gg.ones(3, requires_grad=True)
    y = x.exp()
    y.detach().add_(100)
    with pytest.raises(RuntimeError, match="the output of op Exp"):
        y.sum().backward()


def test_changing_a_detached_input_in_place_is_seen_by_the_op_that_read_it():
    x = gg.ones(3, requires_grad=True)
    y = x * 2
    z = y * y                                 # Mul reads y
    y.detach().add_(100)
    with pytest.raises(RuntimeError, match=r"modified by an in-place operation.*op Mul"):
        z.sum().backward()


@pytest.mark.parametrize("make_view", [
    lambda t: t[1:],
    lambda t: t.reshape(3, 1),
    lambda t: t.view(3),
    lambda t: t.unsqueeze(0).squeeze(0),
    lambda t: t.reshape(1, 3).t(),
])
def test_changing_a_view_of_a_detached_tensor_is_seen_too(make_view):
    x = gg.ones(3, requires_grad=True)
    y = x * 2
    z = y * y
    make_view(y.detach()).mul_(3.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        z.sum().backward()


def test_a_view_changed_under_no_grad_stamps_its_base():
    w = gg.randn(4, requires_grad=True)
    loss = (w * w).sum()
    with gg.no_grad():
        w[:2].zero_()                        # through a view of the leaf
    with pytest.raises(RuntimeError, match="a leaf tensor of shape \\(4,\\)"):
        loss.backward()


def test_a_copy_is_not_a_view_so_changing_it_is_fine():
    x = gg.ones(3, requires_grad=True)
    y = x * 2
    z = y * y
    y.detach().clone().add_(100)
    y[[0, 1, 2]].detach().add_(100)          # advanced indexing copies: no shared counter
    y.detach().data.add_(0)                  # .data: untracked, as torch's
    z.sum().backward()
    np.testing.assert_allclose(x.grad._data, [8.0, 8.0, 8.0])


def test_version_counter_is_shared_and_a_stamp_is_visible_through_every_name():
    from glassgrad.autograd.function import version_of
    x = gg.zeros(3)
    d, v, e = x.detach(), x[1:], x.expand(2, 3)     # expand: a read-only view
    before = version_of(x)
    v.add_(1.0)
    assert version_of(x) == version_of(d) == version_of(v) == version_of(e) > before
