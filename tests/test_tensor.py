"""Tensor: attributes, repr, hooks and retain_grad, in-place rules, views that share memory,
operators (reflected ones with numbers and numpy arrays on the left), functions vs methods, and
float32 kept end to end."""
import operator

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import grad

torch = pytest.importorskip("torch")


# --- attributes -------------------------------------------------------------------------------
def test_attributes_of_a_leaf():
    x = gg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.shape == (2, 3) and x.ndim == 2 and x.dim() == 2
    assert x.size() == (2, 3) and x.size(1) == 3 and x.size(-2) == 2 and x.numel() == 6
    assert x.dtype == gg.float32 == np.float32
    assert not x.requires_grad and x.grad is None and x.is_leaf and x.grad_fn is None
    assert len(x) == 2 and [row.tolist() for row in x] == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert x.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert isinstance(x.numpy(), np.ndarray) and np.shares_memory(x.numpy(), x._data)
    assert gg.tensor([[2.5]]).item() == 2.5 and isinstance(gg.tensor([7]).item(), int)
    assert float(gg.tensor(1.5)) == 1.5 and int(gg.tensor(3)) == 3
    assert [10, 20, 30][gg.tensor(2)] == 30


def test_float64_on_request():
    x = gg.tensor([1.0, 2.0], dtype=gg.float64, requires_grad=True)
    assert x.dtype == np.float64
    (x * x).sum().backward()
    assert x.grad.dtype == np.float64
    assert gg.ones(2, dtype=gg.double).dtype == np.float64


def test_requires_grad_is_leaf_and_grad_fn():
    w = gg.tensor([1.0, 2.0], requires_grad=True)
    y = w * 2.0
    assert w.is_leaf and w.grad_fn is None
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    assert y.grad_fn.name() == "MulBackward0"
    assert w.requires_grad_(False) is w and not w.requires_grad
    assert w.requires_grad_() is w and w.requires_grad


def test_detach_shares_memory_and_leaves_the_graph():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    d = y.detach()
    assert np.shares_memory(d._data, y._data)
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    d2 = (x * 2.0).detach_()
    assert d2.grad_fn is None and not d2.requires_grad


def test_grad_is_a_tensor():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    assert isinstance(x.grad, gg.Tensor) and x.grad.shape == x.shape
    assert x.grad.tolist() == [2.0, 4.0]


# --- repr -------------------------------------------------------------------------------------
def test_repr_shows_data_grad_fn_requires_grad_and_non_default_dtypes():
    x = gg.tensor([1.5, -2.0], requires_grad=True)
    assert repr(x) == "tensor([ 1.5, -2. ], requires_grad=True)"
    assert repr(x * 2.0) == "tensor([ 3., -4.], grad_fn=<MulBackward0>)"
    assert repr(gg.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(gg.tensor(3.25)) == "tensor(3.25)"
    assert repr(gg.tensor([1.0], dtype=gg.float64)) == "tensor([1.], dtype=float64)"
    assert repr(gg.tensor([1, 2], dtype=gg.int32)) == "tensor([1, 2], dtype=int32)"
    assert "[[0., 0.]," in repr(gg.zeros(2, 2))
    assert repr(x.sum()).endswith("grad_fn=<SumBackward0>)")


# --- hooks and retain_grad --------------------------------------------------------------------
def test_hook_on_a_leaf_replaces_its_gradient_and_can_be_removed():
    x = gg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    handle = x.register_hook(lambda g: g * 2.0)
    (x * x).sum().backward()
    assert x.grad.tolist() == [4.0, 8.0, 12.0]
    handle.remove()
    handle.remove()                       # a second remove is harmless
    x.grad = None
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]


def test_hook_returning_none_observes_and_hooks_chain_in_order():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(("first", g.tolist())))
    x.register_hook(lambda g: g + 1.0)
    x.register_hook(lambda g: seen.append(("third", g.tolist())))
    (x * 3.0).sum().backward()
    assert seen == [("first", [3.0, 3.0]), ("third", [4.0, 4.0])]
    assert x.grad.tolist() == [4.0, 4.0]


def test_hook_on_a_non_leaf_changes_what_flows_on():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    handle = y.register_hook(lambda g: g * 0.0 + 1.0)
    (y * y).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]  # 1 from the hook, times dy/dx = 2
    handle.remove()
    x.grad = None
    y = x * 2.0
    (y * y).sum().backward()
    assert x.grad.tolist() == [8.0, 16.0]


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    z = y * y
    y.retain_grad()
    z.sum().backward()
    assert y.grad.tolist() == [4.0, 8.0]
    assert z.grad is None                 # not retained
    x.retain_grad()                       # a leaf keeps its grad anyway: a no-op
    assert x.grad.tolist() == [8.0, 16.0]


def test_retain_grad_under_create_graph_is_differentiable():
    x = gg.tensor([1.0, 2.0], dtype=gg.float64, requires_grad=True)
    y = x * x
    y.retain_grad()
    (y * y).sum().backward(create_graph=True)
    assert y.grad.grad_fn is not None
    (g,) = grad(y.grad.sum(), x)          # y.grad = 2y = 2x²  ->  4x
    assert g.tolist() == [4.0, 8.0]


# --- in-place rules ---------------------------------------------------------------------------
def test_in_place_updates_return_self_and_work_on_data():
    t = gg.tensor([1.0, 2.0, 3.0])
    assert t.add_(1.0) is t and t.tolist() == [2.0, 3.0, 4.0]
    t.add_(gg.tensor([1.0, 1.0, 1.0]), alpha=-2.0)
    assert t.tolist() == [0.0, 1.0, 2.0]
    t.sub_(1.0).mul_(2.0).div_(4.0)
    assert t.tolist() == [-0.5, 0.0, 0.5]
    t.clamp_(0.0, 0.25)
    assert t.tolist() == [0.0, 0.0, 0.25]
    t.copy_(gg.tensor([7.0]))             # broadcast source
    assert t.tolist() == [7.0, 7.0, 7.0]
    t.fill_(2.0)
    t[1] = 5.0
    assert t.tolist() == [2.0, 5.0, 2.0]
    t.zero_()
    assert t.tolist() == [0.0, 0.0, 0.0] and t.dtype == np.float32


def test_in_place_keeps_float32_and_the_array():
    t = gg.zeros(3)
    data = t._data
    t.add_(np.array([0.1, 0.2, 0.3]))     # a float64 operand does not widen the tensor
    t.mul_(0.5)
    assert t.dtype == np.float32 and t._data is data


def test_in_place_on_a_leaf_that_requires_grad_needs_no_grad():
    w = gg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"add_: a leaf tensor that requires grad"):
        w.add_(1.0)
    with gg.no_grad():
        w.add_(1.0)
        w[0] = 10.0
    assert w.tolist() == [10.0, 3.0] and w.requires_grad and w.is_leaf


def test_in_place_on_a_tensor_computed_by_an_op_is_refused_while_recording():
    """In-place helpers change .data without recording an op: allowed, y = x * 2; y.mul_(3)
    would silently give dy/dx = 2. So they are refused, as __setitem__ is."""
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    with pytest.raises(RuntimeError, match=r"mul_: a tensor computed by an op \(Mul, shape "
                                           r"\(2,\)\) cannot be changed in place"):
        y.mul_(3.0)
    e = x.exp()
    with pytest.raises(RuntimeError, match=r"add_: .*\(Exp, shape \(2,\)\)"):
        e.add_(1.0)                       # exp's backward reads its output: it must not change
    e.sum().backward()
    np.testing.assert_allclose(x.grad._data, np.exp([1.0, 2.0]), rtol=1e-6)
    d = y.detach()
    d.mul_(0.5)                           # detached: allowed (and shares y's memory, as torch)
    assert y.tolist() == [1.0, 2.0]


def test_sgd_style_update_then_a_new_graph_uses_the_new_values():
    w = gg.tensor([1.0, -1.0], requires_grad=True)
    (w * w).sum().backward()
    with gg.no_grad():
        w.sub_(w.grad * 0.25)
    w.grad = None
    (w * w).sum().backward()
    assert w.tolist() == [0.5, -0.5] and w.grad.tolist() == [1.0, -1.0]


# --- layout and views -------------------------------------------------------------------------
def test_tensors_are_row_major_like_torch():
    ours = gg.arange(24).reshape(2, 3, 4)
    theirs = torch.arange(24).reshape(2, 3, 4)
    assert ours.tolist() == theirs.tolist()
    assert ours.permute(2, 0, 1).reshape(4, 6).tolist() == \
        theirs.permute(2, 0, 1).reshape(4, 6).tolist()
    assert ours.transpose(0, 2).flatten().tolist() == theirs.transpose(0, 2).flatten().tolist()
    assert ours.is_contiguous() and not ours.transpose(0, 1).is_contiguous()


@pytest.mark.parametrize("make", [
    lambda x: x.reshape(3, 8), lambda x: x.reshape(-1), lambda x: x.view(4, 6),
    lambda x: x.view(-1, 2), lambda x: x.flatten(), lambda x: x.flatten(1),
    lambda x: x.T, lambda x: x.mT, lambda x: x.transpose(0, 1), lambda x: x.permute(2, 0, 1),
    lambda x: x.unsqueeze(0), lambda x: x.unsqueeze(0).squeeze(0), lambda x: x[1],
    lambda x: x[:, 1:, ::2], lambda x: x[..., 0], lambda x: x[:1].expand(5, 3, 4),
    lambda x: x.detach(), lambda x: x.contiguous(), lambda x: x.chunk(2, 2)[1],
    lambda x: x.split(1, 0)[0], lambda x: x[:, :, 0].reshape(6), lambda x: x[:, :, 0].view(6),
    lambda x: x.float()])
def test_views_share_memory_where_numpy_would(make):
    x = gg.zeros(2, 3, 4, requires_grad=True)
    out = make(x)
    assert np.shares_memory(out._data, x._data)


def test_reshape_copies_only_when_it_must():
    x = gg.zeros(2, 3)
    y = x.T.reshape(6)                    # a transposed tensor cannot be flattened in place
    assert not np.shares_memory(y._data, x._data)
    assert y.is_contiguous()
    assert not np.shares_memory(x.T.contiguous()._data, x._data)


def test_a_view_and_its_base_see_each_others_writes():
    x = gg.zeros(2, 3)
    v = x.view(6)
    v[4] = 9.0
    assert x.tolist() == [[0.0, 0.0, 0.0], [0.0, 9.0, 0.0]]


def test_gradient_flows_through_views():
    x = gg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    (x.T.reshape(6) * gg.arange(6).float()).sum().backward()
    assert x.grad.tolist() == [[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]]


# --- operators --------------------------------------------------------------------------------
BINARY = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow]


@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize("left", [2, 1.5, np.float32(1.5),
                                  np.array([0.5, 1.0, 2.0], dtype=np.float32),
                                  np.array(0.5, dtype=np.float32)])
def test_reflected_operators_with_numbers_and_arrays_on_the_left(op, left):
    values = np.array([1.0, 2.0, 3.0])
    x = gg.tensor(values, dtype=gg.float64, requires_grad=True)
    xt = torch.tensor(values, requires_grad=True)
    out = op(left, x)
    out_t = op(torch.tensor(left) if isinstance(left, np.ndarray) else left, xt)
    assert isinstance(out, gg.Tensor) and out.grad_fn is not None
    np.testing.assert_allclose(out._data, out_t.detach().numpy(), rtol=1e-6)
    out.sum().backward()
    out_t.sum().backward()
    np.testing.assert_allclose(x.grad._data, xt.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("op", BINARY + [operator.matmul])
def test_operators_with_a_tensor_on_the_right_of_a_tensor(op):
    a, b = np.array([[1.0, 2.0], [3.0, 0.5]]), np.array([[0.5, 1.0], [2.0, 1.5]])
    x, y = gg.tensor(a, requires_grad=True), gg.tensor(b, requires_grad=True)
    xt, yt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    op(x, y).sum().backward()
    op(xt, yt).sum().backward()
    np.testing.assert_allclose(x.grad._data, xt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(y.grad._data, yt.grad.numpy(), rtol=1e-12)


def test_matmul_with_a_numpy_array_on_the_left():
    w = gg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    out = np.ones((3, 2), dtype=np.float32) @ w
    assert isinstance(out, gg.Tensor) and out.shape == (3, 2)
    out.sum().backward()
    assert w.grad.tolist() == [[3.0, 3.0], [3.0, 3.0]]


def test_unary_operators_and_comparisons():
    x = gg.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    assert (-x).tolist() == [1.0, -0.0, -2.0] and (+x) is x and abs(x).tolist() == [1.0, 0, 2.0]
    for op in (operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne):
        ours = op(x, 0.0)
        assert ours.dtype == np.bool_ and not ours.requires_grad
        assert ours.tolist() == op(x._data, 0.0).tolist()
        left = op(np.zeros(3, dtype=np.float32), x)          # reflected through numpy
        assert isinstance(left, gg.Tensor) and left.tolist() == op(0.0, x._data).tolist()
    m = x > 0
    assert (~m).tolist() == [True, True, False]
    assert (m & (x < 3)).tolist() == [False, False, True]
    assert (m | (x < 0)).tolist() == [True, False, True]


@pytest.mark.parametrize("function, method, operator_form", [
    (gg.add, "add", operator.add), (gg.sub, "sub", operator.sub), (gg.mul, "mul", operator.mul),
    (gg.div, "div", operator.truediv), (gg.pow, "pow", operator.pow),
    (gg.matmul, "matmul", operator.matmul), (gg.maximum, "maximum", None),
    (gg.minimum, "minimum", None)])
def test_ops_are_functions_methods_and_operators_alike(function, method, operator_form):
    a = gg.tensor([[1.0, 2.0], [3.0, 4.0]])
    b = gg.tensor([[0.5, 3.0], [2.0, 1.0]])
    expected = function(a, b)._data
    np.testing.assert_array_equal(getattr(a, method)(b)._data, expected)
    if operator_form is not None:
        np.testing.assert_array_equal(operator_form(a, b)._data, expected)


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos",
                                  "abs", "neg", "square", "sum", "mean"])
def test_unary_functions_and_methods_agree(name):
    a = gg.tensor([[0.5, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(getattr(gg, name)(a)._data, getattr(a, name)()._data)


# --- float32 end to end -----------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda i, f: i * 0.5, lambda i, f: 0.5 * i, lambda i, f: i / 2, lambda i, f: i / i,
    lambda i, f: i + f, lambda i, f: f * 0.1, lambda i, f: f * 3, lambda i, f: f / 7,
    lambda i, f: f ** 2, lambda i, f: 2.0 ** f, lambda i, f: f + np.float64(0.5),
    lambda i, f: f.mean(), lambda i, f: f.mean(0), lambda i, f: f.var(), lambda i, f: f.std(),
    lambda i, f: f.sum(), lambda i, f: f.exp(), lambda i, f: i.exp(), lambda i, f: i.sqrt(),
    lambda i, f: f @ f, lambda i, f: i.float().mean(), lambda i, f: f.softmax(0),
    lambda i, f: f.norm(), lambda i, f: gg.where(f > 1, f, 0.0)])
def test_float32_is_kept(make):
    ints = gg.tensor([[1, 2], [3, 4]])
    floats = gg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert ints.dtype == np.int64 and floats.dtype == np.float32
    assert make(ints, floats).dtype == np.float32


def test_float32_gradients_through_python_float_constants():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    ((x * 0.1 + 0.5) ** 2 / 3.0 - 2.0 * x).mean().backward()
    assert x.grad.dtype == np.float32
    (g,) = grad(((x * 0.1).exp() * 1e-3).sum(), x, create_graph=True)
    assert g.dtype == np.float32


def test_float64_stays_float64():
    x = gg.tensor([1.0, 2.0], dtype=gg.float64)
    assert (x * 0.5).dtype == np.float64 and x.mean().dtype == np.float64
    assert (x + gg.ones(2)).dtype == np.float64   # float32 with float64 promotes, as torch


def test_conversions():
    x = gg.tensor([1.7, -2.2], requires_grad=True)
    assert x.double().dtype == np.float64 and x.long().tolist() == [1, -2]
    assert x.to(gg.float64).dtype == np.float64 and x.int().dtype == np.int32
    assert x.bool().tolist() == [True, True]
    (x.double() * 2.0).sum().backward()   # the gradient comes back as the leaf's float32
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [2.0, 2.0]
    assert x.clone().grad_fn is not None and not np.shares_memory(x.clone()._data, x._data)


def test_the_mean_of_nothing_is_nan_as_in_torch():
    x = gg.zeros(0, 3, requires_grad=True)
    assert np.isnan(x.mean().item())
    assert x.mean(dim=0).shape == (3,) and np.isnan(x.mean(dim=0)._data).all()
    x.mean().backward()
    assert x.grad.shape == (0, 3)
