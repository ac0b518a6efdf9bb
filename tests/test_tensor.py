"""Tensor: attributes, repr, hooks and retain_grad, in-place rules, views that share memory,
operators (reflected ones with numbers and numpy arrays on the left), functions vs methods,
float32 kept end to end, torch.Tensor's everyday methods against torch, and docs/tensor.md's
lists of what is left out checked against torch's and glassgrad's Tensor."""
import operator
import os
import re

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


# --- torch.Tensor's everyday methods, each against torch -----------------------------------------
M = np.arange(12.0).reshape(3, 4) - 5.5          # halves from -5.5 to 5.5: no zero, no ties
B = np.arange(24.0).reshape(2, 3, 4) / 7.0
IDX = np.array([[2, 0], [1, 3], [0, 0]])

# (name, input, call): call(x, lib) runs the same code on glassgrad's and on torch's tensor.
METHODS = [
    ("t", M, lambda x, lib: x.t()), ("t of 1-D", M[0], lambda x, lib: x.t()),
    ("T", M, lambda x, lib: x.T), ("mT", B, lambda x, lib: x.mT),
    ("view_as", M, lambda x, lib: x.view_as(lib.zeros(4, 3))),
    ("reshape_as", M, lambda x, lib: x.t().reshape_as(lib.zeros(2, 6))),
    ("unflatten", M, lambda x, lib: x.unflatten(1, (2, -1))),
    ("flatten", B, lambda x, lib: x.flatten(1)),
    ("repeat", M, lambda x, lib: x.repeat(2, 1, 3)), ("repeat (tuple)", M[0], lambda x, lib:
                                                      x.repeat((2, 2))),
    ("tile", M, lambda x, lib: x.tile(2)), ("tile (tuple)", M, lambda x, lib: x.tile((1, 2))),
    ("flip", M, lambda x, lib: x.flip(0)), ("flip (two dims)", B, lambda x, lib: x.flip(0, 2)),
    ("flip (list)", B, lambda x, lib: x.flip([-1])),
    ("expand_as", M[:1], lambda x, lib: x.expand_as(lib.zeros(3, 4))),
    ("squeeze, unsqueeze", M, lambda x, lib: x.unsqueeze(1).squeeze(1)),
    ("transpose, permute", B, lambda x, lib: x.transpose(0, 2).permute(2, 0, 1)),
    ("contiguous", M, lambda x, lib: x.t().contiguous()),
    ("unbind", M, lambda x, lib: x.unbind(1)), ("chunk", M, lambda x, lib: x.chunk(2, 1)),
    ("split", M, lambda x, lib: x.split([1, 3], 1)),
    ("cumsum", M, lambda x, lib: x.cumsum(1)), ("cumsum (bool)", M, lambda x, lib:
                                                (x > 0).cumsum(0)),
    ("cumsum (int32)", M, lambda x, lib: x.int().cumsum(-1)),
    ("sort", M, lambda x, lib: x.sort(descending=True)), ("sort (dim 0)", M, lambda x, lib:
                                                          x.sort(0)),
    ("argsort", M, lambda x, lib: x.argsort(0, descending=True)),
    ("topk", M, lambda x, lib: x.topk(2)), ("topk (smallest)", M, lambda x, lib:
                                            x.topk(2, dim=0, largest=False)),
    ("unique", np.array([3, 1, 3, 2, 1]), lambda x, lib: x.unique(return_counts=True)),
    ("max, min along a dim", M, lambda x, lib: (x.max(1), x.min(0))),
    ("argmax, argmin", M, lambda x, lib: (x.argmax(), x.argmin(1))),
    ("sum, mean, std, var, prod", M, lambda x, lib: (x.sum(0), x.mean(1), x.std(), x.var(0),
                                                     x.prod(1))),
    ("norm", M, lambda x, lib: (x.norm(), x.norm(1, dim=0))),
    ("eq, ne, lt, le, gt, ge", M, lambda x, lib: (x.eq(0.5), x.ne(x), x.lt(0), x.le(-5.5),
                                                  x.gt(1), x.ge(x.t().t()))),
    ("logical ops", M, lambda x, lib: ((x > 0).logical_and(x < 3), (x > 4).logical_or(x < -4),
                                       (x > 0).logical_not())),
    ("isnan, isinf, isfinite", np.array([1.0, np.nan, np.inf]),
     lambda x, lib: (x.isnan(), x.isinf(), x.isfinite())),
    ("any, all", M, lambda x, lib: ((x > 5).any(), (x > -6).all(), (x > 5).any(1),
                                    (x > 0).all(0, keepdim=True))),
    ("nonzero", M, lambda x, lib: ((x > 3).nonzero(), (x > 3).nonzero(as_tuple=True))),
    ("equal, allclose", M, lambda x, lib: (x.equal(x * 1.0), x.equal(x + 1),
                                           x.allclose(x + 1e-9), x.allclose(x + 1e-3))),
    ("floor, ceil, trunc, round", M / 3, lambda x, lib: (x.floor(), x.ceil(), x.trunc(),
                                                         x.round(), x.round(decimals=1))),
    ("rounding integers", M, lambda x, lib: (x.long().floor(), x.long().round())),
    ("remainder, %", M, lambda x, lib: (x.remainder(2.5), x % -3, 7.0 % x, x.long() % 4)),
    ("floor_divide, //", M, lambda x, lib: (x.floor_divide(2), x // -3, 7 // x, x.long() // 4,
                                            x.long() // 2.5)),
    ("reciprocal, log2, log10", M, lambda x, lib: (x.reciprocal(), x.abs().log2(),
                                                   x.abs().log10())),
    ("clamp_min, clamp_max", M, lambda x, lib: (x.clamp_min(0), x.clamp_max(1.5))),
    ("abs, exp, log, sqrt, pow, sign", M, lambda x, lib: (x.abs(), x.exp(), x.abs().log(),
                                                          x.abs().sqrt(), x.pow(2), x.sign())),
    ("masked_fill, where", M, lambda x, lib: (x.masked_fill(x > 0, 0.0),
                                              x.where(x > 0, -1.0))),
    ("gather, index_select", M, lambda x, lib: (x.gather(1, lib.tensor(IDX)),
                                                x.index_select(0, lib.tensor([2, 0])))),
    ("scatter", M, lambda x, lib: (x.scatter(1, lib.tensor([[1], [3], [0]]), x.new_ones(3, 1)),
                                   x.scatter(1, lib.tensor(IDX), 9.0))),
    ("scatter_add", M, lambda x, lib: x.scatter_add(1, lib.tensor(IDX), x.new_ones(3, 2))),
    ("tril, triu", M, lambda x, lib: (x.tril(), x.triu(1), x.tril(-1))),
    ("mm, bmm, dot, outer, matmul", M, lambda x, lib: (
        x.mm(x.t()), x.unsqueeze(0).bmm(x.t().unsqueeze(0)), x[0].dot(x[1]), x[0].outer(x[1]),
        x.matmul(x.t()))),
    ("softmax, log_softmax", M, lambda x, lib: (x.softmax(1), x.log_softmax(0))),
    ("conversions", M, lambda x, lib: (x.double(), x.half(), x.long(), x.int(), x.short(),
                                       x.char(), x.abs().byte(), x.bool(), x.long().float())),
    ("type_as", M, lambda x, lib: x.type_as(lib.zeros(1, dtype=lib.float64))),
    ("new_zeros, new_ones, new_full, new_tensor", M, lambda x, lib: (
        x.new_zeros(2, 3), x.new_ones((2,)), x.new_full((2,), 7), x.long().new_full((2,), 1.5),
        x.new_tensor([1, 2]), x.long().new_tensor([1.5]), x.new_zeros(2, dtype=lib.int64))),
    ("new_empty", M, lambda x, lib: (x.new_empty(2, 3).shape,
                                              _dtype_name(x.new_empty(2).dtype))),
    ("sizes", B, lambda x, lib: (x.size(), x.size(1), x.shape, x.dim(), x.ndim, x.numel(),
                                 x.nelement(), len(x))),
    ("bytes and strides", B, lambda x, lib: (x.element_size(), x.nbytes, x.stride(),
                                             x.transpose(0, 2).stride(), x.stride(1),
                                             x.double().element_size())),
    ("kinds", M, lambda x, lib: (x.is_floating_point(), x.long().is_floating_point(),
                                 x.is_complex(), x.is_contiguous(), x.t().is_contiguous())),
    ("item, tolist", M, lambda x, lib: (x[1, 2].item(), x[0].tolist(), x.sum().item())),
    ("in", M, lambda x, lib: (0.5 in x, 0.25 in x, 5.5 in x[2])),
    ("format", M, lambda x, lib: (f"{x.sum():.3f}", f"{x[0, 0]:+.1e}", f"{x.long()[1, 1]:03d}")),
]


def _dtype_name(dtype):
    return str(dtype).replace("torch.", "")


def _same(ours, theirs, what):
    """Same values, dtype and shape as torch's result, through tuples and named tuples."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, gg.Tensor), f"{what}: {type(ours).__name__}, expected a Tensor"
        assert _dtype_name(ours.dtype) == _dtype_name(theirs.dtype), \
            f"{what}: dtype {ours.dtype}, torch {theirs.dtype}"
        assert ours.shape == tuple(theirs.shape), f"{what}: shape {ours.shape} vs {theirs.shape}"
        np.testing.assert_allclose(ours._data.astype(np.float64),
                                   theirs.detach().numpy().astype(np.float64), rtol=1e-6,
                                   atol=1e-6, err_msg=what)
    elif isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs), \
            f"{what}: {ours!r} vs {theirs!r}"
        for i, (o, t) in enumerate(zip(ours, theirs)):
            _same(o, t, f"{what}[{i}]")
        if hasattr(theirs, "indices"):          # torch.return_types: the names too
            _same(ours.values, theirs.values, f"{what}.values")
            _same(ours.indices, theirs.indices, f"{what}.indices")
    else:
        assert ours == theirs and type(ours) is type(theirs), f"{what}: {ours!r}, torch {theirs!r}"


@pytest.mark.parametrize("name, values, call", METHODS, ids=[m[0] for m in METHODS])
def test_methods_equal_torchs(name, values, call):
    ours = call(gg.tensor(values), gg)
    theirs = call(torch.tensor(values), torch)
    _same(ours, theirs, name)


def test_a_one_hot_target_and_masked_scores_in_place_as_courses_write_them():
    for lib in (gg, torch):
        y = lib.tensor([2, 0, 1, 2])
        one_hot = lib.zeros(4, 3).scatter_(1, y.unsqueeze(1), 1.0)
        scores = lib.ones(3, 3)
        assert scores.masked_fill_(lib.ones(3, 3).triu(1) > 0, float("-inf")) is scores
        counts = lib.zeros(3).scatter_add_(0, y, lib.ones(4))
        assert one_hot.tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]]
        assert scores.softmax(-1)[1].tolist() == [0.5, 0.5, 0.0]
        assert counts.tolist() == [1.0, 1.0, 2.0]


def test_in_place_ops_keep_the_graph_honest():
    w = gg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"masked_fill_: a leaf tensor that requires grad is "
                                           r"being used in an in-place operation"):
        w.masked_fill_(w > 0, 0.0)
    with gg.no_grad():
        w.masked_fill_(gg.tensor([True, False, False]), 5.0)
    assert w.tolist() == [5.0, 1.0, 1.0]
    out = gg.zeros(3)
    version = out._version
    with pytest.raises(RuntimeError, match=r"scatter_add_: an operand requires grad, so the "
                                           r"result must be recorded in the graph, which an "
                                           r"in-place op cannot do here; write it out of place: "
                                           r"x = x.scatter_add\(...\)"):
        out.scatter_add_(0, gg.tensor([0, 0, 2]), w)
    assert out.tolist() == [0.0, 0.0, 0.0] and out._version == version   # refused: untouched
    out = out.scatter_add(0, gg.tensor([0, 0, 2]), w)                     # out of place: fine
    out.sum().backward()
    assert w.grad.tolist() == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("call, error, message", [
    (lambda: gg.zeros(2, 3, 4).t(), RuntimeError,
     r"t: expects a tensor with <= 2 dimensions, got shape \(2, 3, 4\) \(3-D\); use "
     r"transpose\(dim0, dim1\), permute\(...\) or .mT"),
    (lambda: gg.zeros(2, 3).repeat(2), RuntimeError,
     r"repeat: 1 repeat sizes \(2,\) for a tensor of shape \(2, 3\); give at least one per "
     r"dimension \(2\)"),
    (lambda: gg.zeros(2, 6).unflatten(1, (4, 2)), RuntimeError,
     r"unflatten: sizes \(4, 2\) do not multiply to 6, the size of dim 1 of a tensor of shape "
     r"\(2, 6\)"),
    (lambda: gg.zeros(2, 6).unflatten(1, (-1, 4)), RuntimeError, r"unflatten: sizes \(-1, 4\)"),
    (lambda: gg.zeros(2, 3).topk(4), RuntimeError,
     r"topk: k=4 is out of range: dim 1 of a tensor of shape \(2, 3\) has 3 elements"),
    (lambda: gg.zeros(2, 3).sort(2), IndexError,
     r"sort: dim 2 is out of range for a tensor with 2 dimension\(s\)"),
    (lambda: gg.zeros(2, 3).cumsum(-3), IndexError,
     r"cumsum: dim -3 is out of range for a tensor with 2 dimension\(s\)"),
    (lambda: gg.zeros(3).mm(gg.zeros(3, 2)), RuntimeError,
     r"mm: expected two 2-D matrices, got shapes \(3,\) and \(3, 2\)"),
    (lambda: gg.zeros(2, 3, 4).bmm(gg.zeros(3, 4, 2)), RuntimeError,
     r"bmm: expected two 3-D tensors with the same batch size, got shapes \(2, 3, 4\) and "
     r"\(3, 4, 2\)"),
    (lambda: gg.zeros(2, 3).mm(gg.zeros(2, 3)), RuntimeError,
     r"matmul: shapes \(2, 3\) and \(2, 3\) cannot be multiplied"),
    (lambda: gg.zeros(3).tril(), RuntimeError,
     r"tril: expected a tensor with at least 2 dimensions, got shape \(3,\)"),
    (lambda: gg.zeros(2, 3).scatter(1, gg.tensor([[0, 0], [1, 2]]), gg.ones(2, 2)),
     RuntimeError, r"scatter: index of shape \(2, 2\) writes some places more than once along "
                   r"dim 1; which value wins is unspecified \(use scatter_add to sum them\)"),
    (lambda: gg.zeros(2, 3).scatter(1, gg.tensor([[0], [1]]), gg.ones(2, 1, dtype=gg.float64)),
     RuntimeError, r"scatter: src has dtype float64, but the input has float32; they must match"),
    (lambda: gg.zeros(2, 3).scatter(1, gg.tensor([[0], [3]]), 1.0), RuntimeError,
     r"scatter: index of shape \(2, 1\) out of range for input of shape \(2, 3\) along dim 1"),
    (lambda: gg.zeros(2, 3).scatter(1, gg.tensor([[0], [1]])), TypeError,
     r"scatter: expected either src \(a tensor or a number\) or value \(a number\)"),
    (lambda: gg.tensor(1.0).unbind(), IndexError,
     r"unbind: a 0-d tensor has no dimension to unbind"),
    (lambda: f"{gg.zeros(2):.2f}", TypeError, r"unsupported format string"),
])
def test_method_errors_name_the_op_and_shapes(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_new_ops_are_differentiable_to_second_order_through_methods():
    """The op table checks these ops; here the methods' spelling reaches the same graph."""
    x = gg.tensor(M / 4, dtype=gg.float64, requires_grad=True)
    xt = torch.tensor(M / 4, requires_grad=True)
    results = []
    for t in (x, xt):
        y = (t.cumsum(1) * t.flip(0) + t.repeat(1, 2)[:, :4] * t.sort(1).values
             + t.topk(2).values.sum() * t.t().t() + t.tril() * t.triu() + t.unflatten(1, (2, 2))
             .flatten(1) % 0.7).sum()
        (g,) = (gg.autograd.grad if t is x else torch.autograd.grad)(y, t, create_graph=True)
        (h,) = (gg.autograd.grad if t is x else torch.autograd.grad)((g * g).sum(), t)
        results.append((y, g, h))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours._data, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_is_tensor():
    assert gg.is_tensor(gg.ones(1)) and not gg.is_tensor(np.ones(1)) and not gg.is_tensor(1.0)


# --- the API against torch's: docs/tensor.md's lists stay true ----------------------------------
# torch.Tensor's methods and attributes that course programs use most (from torch's docs).
EVERYDAY = """
    abs add add_ addcdiv addcmul all allclose amax amin any apply_ argmax argmin argsort backward
    bernoulli_ bfloat16 bmm bool byte ceil char chunk clamp clamp_ clamp_max clamp_min clip clone
    contiguous copy_ cos cpu cuda cumprod cumsum data data_ptr detach detach_ device diag dim div
    div_ dot double dtype element_size eq equal erf exp expand expand_as fill_ flatten flip float
    floor floor_divide gather ge grad grad_fn gt half index_add index_fill index_select int
    is_contiguous is_cuda is_floating_point is_leaf isfinite isinf isnan item le lerp log log10
    log1p log2 log_softmax logical_and logical_not logical_or logsumexp long lt mT masked_fill
    masked_fill_ masked_select matmul max maximum mean median min minimum mm movedim mul mul_
    narrow nbytes ndim ne neg nelement new_empty new_full new_ones new_tensor new_zeros nonzero
    norm normal_ numel numpy outer permute pin_memory pow prod reciprocal register_hook relu
    remainder repeat repeat_interleave requires_grad requires_grad_ reshape reshape_as
    retain_grad roll round rsqrt scatter scatter_ scatter_add scatter_add_ shape short sigmoid
    sign sin size softmax sort split sqrt square squeeze std storage stride sub sub_ sum t T tanh
    tile to tolist topk transpose tril triu trunc type type_as unbind unflatten unfold uniform_
    unique unsqueeze var view view_as where zero_ is_sparse to_sparse real imag conj
    share_memory_
""".split()


def _listed(heading):
    """The backticked names in a section of docs/tensor.md."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "docs", "tensor.md"), encoding="utf-8") as f:
        text = f.read()
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", section))


def test_the_left_out_lists_name_torch_methods_glassgrad_lacks():
    left_out, not_yet = _listed("Left out on purpose"), _listed("Not here yet")
    assert len(left_out) >= 30 and len(not_yet) >= 20 and not left_out & not_yet
    for name in sorted(left_out | not_yet):
        assert hasattr(torch.Tensor, name), f"docs/tensor.md: {name} is not a torch.Tensor name"
        assert not hasattr(gg.Tensor, name), f"docs/tensor.md lists {name} as missing, but " \
                                             "glassgrad's Tensor has it: take it off the list"


def test_every_everyday_torch_method_is_here_or_listed_as_missing():
    missing = sorted(n for n in EVERYDAY if not hasattr(gg.Tensor, n)
                     and n not in _listed("Left out on purpose") | _listed("Not here yet"))
    assert not missing, f"torch.Tensor methods neither in glassgrad nor in docs/tensor.md's " \
                        f"lists: {missing}"
    assert all(hasattr(torch.Tensor, n) for n in EVERYDAY)
