"""Bad input to the engine: every error names the op (or call), what it received (shapes or
dtypes) and what was expected. The messages are checked, not only the exception types."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import Function, grad


def _leaf(*shape):
    return gg.randn(*shape, requires_grad=True)


# --- shapes -----------------------------------------------------------------------------------
@pytest.mark.parametrize("op, name", [
    (lambda a, b: a + b, "Add"), (lambda a, b: a - b, "Sub"), (lambda a, b: a * b, "Mul"),
    (lambda a, b: a / b, "Div"), (gg.add, "Add"), (gg.mul, "Mul")])
def test_mismatched_broadcast_names_the_op_and_both_shapes(op, name):
    with pytest.raises(RuntimeError, match=rf"{name}: .*\(2, 3\).*\(4,\).*broadcast"):
        op(_leaf(2, 3), _leaf(4))


def test_mismatched_broadcast_without_grad_too():
    with pytest.raises(RuntimeError, match=r"Add: .*\(3,\).*\(2,\).*broadcast"):
        gg.ones(3) + np.ones(2, dtype=np.float32)


@pytest.mark.parametrize("a, b", [((2, 3), (4, 2)), ((3,), (4, 2)), ((5, 2, 3), (2, 2))])
def test_mismatched_matmul_names_the_shapes_and_the_rule(a, b):
    pattern = (rf"matmul: shapes {re_shape(a)} and {re_shape(b)} cannot be multiplied "
               rf"\({a[-1]} columns in the first vs {b[-2] if len(b) > 1 else b[0]} rows")
    with pytest.raises(RuntimeError, match=pattern):
        _leaf(*a) @ _leaf(*b)


@pytest.mark.parametrize("input, a, b, message", [
    ((3,), (2, 3), (4, 2), r"addmm: matrices of shapes \(2, 3\) and \(4, 2\) cannot be multiplied"),
    ((3,), (3,), (3, 2), r"addmm: matrices of shapes \(3,\) and \(3, 2\) cannot be multiplied "
                         r"\(both need 2 or more dimensions"),
    ((2, 2, 1), (3, 4), (4, 5), r"addmm: input of shape \(2, 2, 1\) does not broadcast to the "
                                r"product's shape \(3, 5\)"),
])
def test_addmm_names_the_shapes(input, a, b, message):
    with pytest.raises(RuntimeError, match=message):
        gg.addmm(_leaf(*input), _leaf(*a), _leaf(*b))


def re_shape(shape):
    return "\\(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + "\\)"


# --- backward and grad ------------------------------------------------------------------------
def test_backward_of_a_non_scalar_without_gradient():
    with pytest.raises(RuntimeError, match=r"only for scalar outputs; this output has shape "
                                           r"\(2, 3\): pass gradient= .* to backward\(\)"):
        (_leaf(2, 3) * 2.0).backward()


def test_backward_with_a_gradient_of_the_wrong_shape():
    with pytest.raises(RuntimeError, match=r"backward: gradient of shape \(3,\) does not match "
                                           r"the output's shape \(2, 3\)"):
        (_leaf(2, 3) * 2.0).backward(gg.ones(3))


def test_second_backward_through_a_freed_graph():
    x = _leaf(3)
    loss = (x.exp() * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match=r"backward through the graph a second time \(op Sum\)"
                                           r".*retain_graph=True"):
        loss.backward()
    y = x.exp() * x
    grad(y.sum(), x)                       # the same through grad(): Mul's node is freed
    with pytest.raises(RuntimeError, match=r"second time \(op Mul\).*retain_graph=True"):
        grad((y * 2.0).sum(), x)


def test_grad_of_an_input_that_does_not_require_grad():
    x, c = _leaf(3), gg.randn(4)
    with pytest.raises(RuntimeError, match=r"grad: input 1 does not require grad "
                                           r"\(shape \(4,\)\); call requires_grad_\(\)"):
        grad((x * 2.0).sum(), [x, c])


def test_grad_of_an_unused_input_suggests_allow_unused():
    x, unused = _leaf(3), _leaf(2)
    with pytest.raises(RuntimeError, match=r"grad: input 1 \(shape \(2,\)\) was not used in the "
                                           r"graph of the outputs; pass allow_unused=True"):
        grad((x * 2.0).sum(), [x, unused])


def test_backward_of_a_tensor_that_does_not_require_grad():
    with pytest.raises(RuntimeError, match=r"does not require grad and does not have a grad_fn "
                                           r"\(shape \(\)\)"):
        gg.randn(3).sum().backward()


def test_gradient_count_must_match_the_outputs():
    x = _leaf(2)
    with pytest.raises(RuntimeError, match=r"backward: 1 gradients given for 2 outputs"):
        grad([x * 2.0, x * 3.0], x, grad_outputs=gg.ones(2))


# --- requires_grad on integer tensors ---------------------------------------------------------
@pytest.mark.parametrize("make, call", [
    (lambda: gg.tensor([1, 2], requires_grad=True), r"requires_grad=True"),
    (lambda: gg.zeros(2, dtype=gg.int64, requires_grad=True), r"requires_grad=True"),
    (lambda: gg.arange(2, requires_grad=True), r"requires_grad=True"),
    (lambda: gg.Tensor(np.array([1, 2]), requires_grad=True), r"requires_grad=True"),
    (lambda: gg.tensor([1, 2]).requires_grad_(), r"requires_grad_\(\)"),
])
def test_an_integer_tensor_cannot_require_grad(make, call):
    with pytest.raises(RuntimeError, match=rf"{call}: only floating-point tensors can require "
                                           r"gradients; got dtype int64 \(shape \(2,\)\)"):
        make()


def test_bool_tensor_cannot_require_grad_either():
    with pytest.raises(RuntimeError, match=r"got dtype bool \(shape \(1,\)\)"):
        gg.tensor([True]).requires_grad_()


# --- custom Functions that break the contract -------------------------------------------------
class TooManyGradients(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class WrongShapeGradient(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return grad[:2]


@pytest.mark.parametrize("create_graph", [False, True])
def test_a_backward_returning_too_many_gradients(create_graph):
    x = _leaf(3)
    with pytest.raises(RuntimeError, match=r"TooManyGradients.backward returned 2 gradients for "
                                           r"1 inputs"):
        grad(TooManyGradients.apply(x).sum(), x, create_graph=create_graph)


@pytest.mark.parametrize("create_graph", [False, True])
def test_a_backward_returning_a_gradient_of_the_wrong_shape(create_graph):
    x = _leaf(3)
    with pytest.raises(RuntimeError, match=r"WrongShapeGradient.backward returned a gradient of "
                                           r"shape \(2,\) for an input of shape \(3,\)"):
        grad(WrongShapeGradient.apply(x).sum(), x, create_graph=create_graph)


def test_a_function_without_forward_or_backward():
    class Empty(Function):
        pass

    with pytest.raises(NotImplementedError, match=r"Empty must define a static forward"):
        Empty.apply(_leaf(2))


# --- tensors misused --------------------------------------------------------------------------
@pytest.mark.parametrize("update, name", [
    (lambda t: t.add_(1.0), "add_"), (lambda t: t.sub_(1.0), "add_"),
    (lambda t: t.mul_(2.0), "mul_"), (lambda t: t.div_(2.0), "div_"),
    (lambda t: t.zero_(), "zero_"), (lambda t: t.fill_(1.0), "fill_"),
    (lambda t: t.copy_(gg.ones(3)), "copy_"), (lambda t: t.clamp_(0, 1), "clamp_"),
    (lambda t: t.uniform_(), "uniform_"), (lambda t: t.normal_(), "normal_"),
    (lambda t: t.__setitem__(0, 1.0), "__setitem__")])
def test_in_place_update_of_a_leaf_that_requires_grad(update, name):
    x = _leaf(3)
    before = x._data.copy()
    with pytest.raises(RuntimeError, match=rf"{name}: a leaf tensor that requires grad is being "
                                           r"used in an in-place operation; wrap the update in "
                                           r"glassgrad.no_grad\(\)"):
        update(x)
    np.testing.assert_array_equal(x._data, before)      # and nothing was changed


def test_setitem_on_a_tensor_computed_by_an_op():
    with pytest.raises(RuntimeError, match=r"__setitem__ on a tensor computed by an op"):
        (_leaf(3) * 2.0)[0] = 1.0


def test_copy_from_a_source_that_does_not_broadcast():
    with pytest.raises(RuntimeError, match=r"copy_: source of shape \(3,\) does not broadcast "
                                           r"to the destination's shape \(2,\)"):
        gg.zeros(2).copy_(gg.ones(3))


def test_numpy_of_a_tensor_that_requires_grad():
    with pytest.raises(RuntimeError, match=r"numpy\(\) on a tensor that requires grad.*"
                                           r"detach\(\).numpy\(\)"):
        _leaf(2).numpy()


def test_item_of_several_elements():
    with pytest.raises(ValueError, match=r"item\(\): a tensor with 6 elements cannot be "
                                         r"converted to a Python scalar \(shape \(2, 3\)\)"):
        gg.zeros(2, 3).item()


def test_requires_grad_false_on_a_non_leaf():
    with pytest.raises(RuntimeError, match=r"requires_grad_\(False\) is only allowed on leaf"):
        (_leaf(2) * 2.0).requires_grad_(False)


def test_hooks_and_retain_grad_need_requires_grad():
    with pytest.raises(RuntimeError, match=r"cannot register a hook on a tensor that doesn't "
                                           r"require gradient"):
        gg.zeros(2).register_hook(lambda g: g)
    with pytest.raises(RuntimeError, match=r"can't retain_grad on a tensor that has "
                                           r"requires_grad=False"):
        gg.zeros(2).retain_grad()


def test_truth_value_len_and_index_of_the_wrong_tensor():
    with pytest.raises(RuntimeError, match=r"Boolean value of a tensor of shape \(3,\) is "
                                           r"ambiguous"):
        bool(gg.zeros(3))
    with pytest.raises(TypeError, match=r"len\(\) of a 0-d tensor"):
        len(gg.tensor(1.0))
    with pytest.raises(TypeError, match=r"only integer tensors of one element can be used as an "
                                        r"index; got dtype float32, shape \(\)"):
        [1, 2][gg.tensor(1.0)]


def test_view_reshape_expand_with_incompatible_shapes():
    with pytest.raises(RuntimeError, match=r"reshape: shape \(4,\) is invalid for a tensor of "
                                           r"shape \(2, 3\) \(6 elements\)"):
        gg.zeros(2, 3).reshape(4)
    with pytest.raises(RuntimeError, match=r"view: size \(6,\) is not compatible with the "
                                           r"input's shape \(3, 2\) and strides"):
        gg.zeros(2, 3).T.view(6)
    with pytest.raises(RuntimeError, match=r"expand: the shape \(2, 3\) cannot be expanded to "
                                           r"\(3, 3\)"):
        gg.zeros(2, 3).expand(3, 3)
