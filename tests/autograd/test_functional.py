"""autograd.functional (jacobian, hessian, vjp, jvp, hvp, vhp) against torch.autograd.functional,
the issue's done-criterion (the Hessian of a 2-layer tanh MLP's loss to 1e-8) and Newton's
method built on it."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import functional as F
from glassgrad.autograd import grad

torch = pytest.importorskip("torch")
TF = torch.autograd.functional

RNG = np.random.default_rng(42)
A = RNG.standard_normal(4)
B = RNG.standard_normal((2, 3))
V_A = RNG.standard_normal(4)
V_B = RNG.standard_normal((2, 3))


def _gg(*arrays):
    return tuple(gg.tensor(a) for a in arrays)


def _th(*arrays):
    return tuple(torch.tensor(a) for a in arrays)


def _close(ours, theirs, tol=1e-12):
    """Compare nested tuples of glassgrad and torch tensors."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            _close(o, t, tol)
        return
    assert isinstance(ours, gg.Tensor)
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours._data, theirs.detach().numpy(), rtol=tol, atol=tol)


# Functions written once, run on either library's tensors.
def vector_fn(x):                         # R^4 -> R^4
    return x.sin() * x.sum() + x * x


def two_in_two_out(x, y):                 # (R^4, R^{2x3}) -> (R^{2x3}, R)
    return y.tanh() * x[:3], (x[1:3] @ y).exp().sum()


def scalar_fn(x, y):                      # (R^4, R^{2x3}) -> R
    return (x[:2] @ y).tanh().sum() * (x * x).sum() + (y ** 3).sum()


# --- jacobian ---------------------------------------------------------------------------------
def test_jacobian_single_input_and_output():
    _close(F.jacobian(vector_fn, gg.tensor(A)), TF.jacobian(vector_fn, torch.tensor(A)))


def test_jacobian_tuples_of_inputs_and_outputs():
    ours = F.jacobian(two_in_two_out, _gg(A, B))
    theirs = TF.jacobian(two_in_two_out, _th(A, B))
    _close(ours, theirs)
    assert ours[0][1].shape == (2, 3, 2, 3) and ours[1][0].shape == (4,)


def test_jacobian_of_an_input_not_used_is_zero_and_strict_refuses_it():
    ours = F.jacobian(lambda x, y: x * 2.0, _gg(A, B))
    _close(ours, TF.jacobian(lambda x, y: x * 2.0, _th(A, B)))
    with pytest.raises(RuntimeError, match=r"jacobian: .*input 1 \(shape \(2, 3\)\).*strict"):
        F.jacobian(lambda x, y: x * 2.0, _gg(A, B), strict=True)


def test_jacobian_create_graph_is_differentiable_with_respect_to_the_callers_input():
    x = gg.tensor(A, requires_grad=True)
    xt = torch.tensor(A, requires_grad=True)
    jac = F.jacobian(vector_fn, x, create_graph=True)
    jac_t = TF.jacobian(vector_fn, xt, create_graph=True)
    assert jac.requires_grad
    (g,) = grad((jac * jac).sum(), x)
    (gt,) = torch.autograd.grad((jac_t * jac_t).sum(), xt)
    _close(g, gt)


def test_jacobian_leaves_the_callers_tensors_alone():
    x = gg.tensor(A)
    F.jacobian(vector_fn, x)
    F.hessian(lambda t: (t ** 3).sum(), x)
    assert not x.requires_grad and x.grad is None and x.is_leaf
    np.testing.assert_array_equal(x._data, A)


# --- hessian ----------------------------------------------------------------------------------
def test_hessian_single_input():
    f = lambda x: (x.sin() * x.sum()).sum() + (x ** 4).sum()   # noqa: E731
    _close(F.hessian(f, gg.tensor(A)), TF.hessian(f, torch.tensor(A)))


def test_hessian_tuple_of_inputs():
    ours = F.hessian(scalar_fn, _gg(A, B))
    _close(ours, TF.hessian(scalar_fn, _th(A, B)))
    assert ours[0][1].shape == (4, 2, 3) and ours[1][1].shape == (2, 3, 2, 3)


def test_hessian_of_a_linear_function_is_zero():
    f = lambda x: (x * 3.0).sum()         # noqa: E731
    _close(F.hessian(f, gg.tensor(A)), TF.hessian(f, torch.tensor(A)))


# The done-criterion: a 2-layer tanh MLP, 3 -> 5 -> 2 (32 parameters), float64.
SIZES = [(3, 5), (5,), (5, 2), (2,)]
N_PARAMS = sum(int(np.prod(s)) for s in SIZES)
MLP_X = RNG.standard_normal((6, 3))
MLP_Y = RNG.standard_normal((6, 2))
MLP_P = [RNG.standard_normal(s) * 0.7 for s in SIZES]


def _mlp_loss(w1, b1, w2, b2, x, y):
    hidden = (x @ w1 + b1).tanh()
    return ((hidden @ w2 + b2 - y) ** 2).mean()


def _unflatten(flat):
    parts, start = [], 0
    for shape in SIZES:
        n = int(np.prod(shape))
        parts.append(flat[start:start + n].reshape(shape))
        start += n
    return parts


def test_hessian_of_a_tanh_mlp_on_a_flat_parameter_vector_matches_torch():
    flat = np.concatenate([p.ravel() for p in MLP_P])
    assert N_PARAMS == flat.size == 32
    x, y = gg.tensor(MLP_X), gg.tensor(MLP_Y)
    xt, yt = torch.tensor(MLP_X), torch.tensor(MLP_Y)
    ours = F.hessian(lambda p: _mlp_loss(*_unflatten(p), x, y), gg.tensor(flat))
    theirs = TF.hessian(lambda p: _mlp_loss(*_unflatten(p), xt, yt), torch.tensor(flat))
    assert ours.shape == (32, 32)
    np.testing.assert_allclose(ours._data, theirs.numpy(), rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours._data, ours._data.T, atol=1e-12)       # symmetric


def test_hessian_of_a_tanh_mlp_on_a_tuple_of_weights_matches_torch():
    x, y = gg.tensor(MLP_X), gg.tensor(MLP_Y)
    xt, yt = torch.tensor(MLP_X), torch.tensor(MLP_Y)
    ours = F.hessian(lambda *p: _mlp_loss(*p, x, y), _gg(*MLP_P))
    theirs = TF.hessian(lambda *p: _mlp_loss(*p, xt, yt), _th(*MLP_P))
    for i in range(4):
        for j in range(4):
            assert ours[i][j].shape == SIZES[i] + SIZES[j]
            np.testing.assert_allclose(ours[i][j]._data, theirs[i][j].numpy(), rtol=0, atol=1e-8)


def test_hessian_refuses_a_non_scalar_function():
    with pytest.raises(RuntimeError, match=r"hessian: .*single-element.*\(4,\)"):
        F.hessian(vector_fn, gg.tensor(A))


# --- vjp, jvp, hvp, vhp -----------------------------------------------------------------------
def test_vjp_single_and_tuple():
    _close(F.vjp(vector_fn, gg.tensor(A), gg.tensor(V_A)),
           TF.vjp(vector_fn, torch.tensor(A), torch.tensor(V_A)))
    v = (gg.tensor(V_B), gg.tensor(1.5))
    vt = (torch.tensor(V_B), torch.tensor(1.5))
    _close(F.vjp(two_in_two_out, _gg(A, B), v), TF.vjp(two_in_two_out, _th(A, B), vt))
    # a scalar function needs no v
    _close(F.vjp(scalar_fn, _gg(A, B)), TF.vjp(scalar_fn, _th(A, B)))


def test_jvp_single_and_tuple():
    _close(F.jvp(vector_fn, gg.tensor(A), gg.tensor(V_A)),
           TF.jvp(vector_fn, torch.tensor(A), torch.tensor(V_A)))
    _close(F.jvp(two_in_two_out, _gg(A, B), _gg(V_A, V_B)),
           TF.jvp(two_in_two_out, _th(A, B), _th(V_A, V_B)))


def test_hvp_and_vhp_match_torch():
    for ours_fn, theirs_fn in ((F.hvp, TF.hvp), (F.vhp, TF.vhp)):
        _close(ours_fn(scalar_fn, _gg(A, B), _gg(V_A, V_B)),
               theirs_fn(scalar_fn, _th(A, B), _th(V_A, V_B)))
        f = lambda x: (x.exp() * x.sum()).sum()      # noqa: E731
        _close(ours_fn(f, gg.tensor(A), gg.tensor(V_A)),
               theirs_fn(f, torch.tensor(A), torch.tensor(V_A)))


def test_hvp_equals_the_hessian_times_v():
    h = F.hessian(scalar_fn, _gg(A, B))
    _, (hv_a, hv_b) = F.hvp(scalar_fn, _gg(A, B), _gg(V_A, V_B))
    expected_a = h[0][0]._data @ V_A + h[0][1]._data.reshape(4, 6) @ V_B.ravel()
    np.testing.assert_allclose(hv_a._data, expected_a, rtol=1e-12)
    expected_b = h[1][0]._data.reshape(6, 4) @ V_A + h[1][1]._data.reshape(6, 6) @ V_B.ravel()
    np.testing.assert_allclose(hv_b._data.ravel(), expected_b, rtol=1e-12)


def test_results_are_detached_unless_create_graph():
    out, g = F.vjp(vector_fn, gg.tensor(A), gg.tensor(V_A))
    assert not out.requires_grad and not g.requires_grad
    x = gg.tensor(A, requires_grad=True)
    out, hv = F.hvp(lambda t: (t ** 3).sum(), x, gg.tensor(V_A), create_graph=True)
    assert hv.requires_grad
    (g,) = grad(hv.sum(), x)              # d/dx Σ 6 x v = 6 v
    np.testing.assert_allclose(g._data, 6 * V_A, rtol=1e-12)


# --- Newton's method --------------------------------------------------------------------------
def test_newtons_method_on_regularised_logistic_regression_matches_torch():
    """w ← w - H⁻¹ ∇f(w), with H and ∇f from glassgrad; the iterates equal torch's and the
    gradient vanishes quadratically fast."""
    rng = np.random.default_rng(7)
    x_np = rng.standard_normal((40, 3))
    labels = (x_np @ np.array([1.5, -2.0, 0.5]) + 0.3 * rng.standard_normal(40) > 0) * 2.0 - 1

    def loss(w, x, s):
        margins = -(x @ w) * s
        return (1.0 + margins.exp()).log().mean() + 0.05 * (w * w).sum()

    x, s = gg.tensor(x_np), gg.tensor(labels)
    xt, st = torch.tensor(x_np), torch.tensor(labels)
    w, wt = np.zeros(3), np.zeros(3)
    norms = []
    for _ in range(6):
        leaf = gg.tensor(w, requires_grad=True)
        (g,) = grad(loss(leaf, x, s), leaf)
        h = F.hessian(lambda v: loss(v, x, s), gg.tensor(w))
        w = w - np.linalg.solve(h._data, g._data)
        leaf_t = torch.tensor(wt, requires_grad=True)
        (gt,) = torch.autograd.grad(loss(leaf_t, xt, st), leaf_t)
        ht = TF.hessian(lambda v: loss(v, xt, st), torch.tensor(wt))
        wt = wt - np.linalg.solve(ht.numpy(), gt.numpy())
        np.testing.assert_allclose(w, wt, rtol=1e-10, atol=1e-12)
        norms.append(np.linalg.norm(g._data))
    assert norms[-1] < 1e-12 < norms[0]
    assert norms[3] < norms[2] ** 1.5     # quadratic convergence near the optimum
