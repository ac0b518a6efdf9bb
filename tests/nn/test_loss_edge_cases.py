"""Losses at their edges, against torch (issue 18): BCE at p = 0 or 1, ignore_index with NaN
rows and all-ignored batches, empty inputs, and integer logits."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.nn import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _both(values, dtype=np.float64):
    array = np.asarray(values, dtype=dtype)
    return gg.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)


# --- binary cross-entropy at saturated probabilities ------------------------------------------
P = [0.0, 1.0, 0.0, 1.0, 1e-30, 1 - 1e-16, 0.3, 0.5]
T = [1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.2, 1.0]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_forward_and_gradient_equal_torch_at_zero_and_one(reduction):
    p, tp = _both(P)
    loss = F.binary_cross_entropy(p, gg.tensor(np.array(T)), reduction=reduction)
    expected = TF.binary_cross_entropy(tp, torch.tensor(T, dtype=torch.float64),
                                       reduction=reduction)
    np.testing.assert_allclose(loss._data, expected.detach().numpy(), rtol=1e-12)
    loss.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(p.grad._data, tp.grad.numpy(), rtol=1e-12)
    # p = 0 with target 1 is pushed up hard, p = 1 with target 0 down: sign and size
    scale = 1.0 if reduction != "mean" else 1.0 / len(P)
    assert p.grad._data[0] == pytest.approx(-1e12 * scale)
    assert p.grad._data[1] == pytest.approx(1e12 * scale)
    assert p.grad._data[2] == p.grad._data[3] == 0.0


def test_bce_weighted_float32_gradient_equals_torch():
    p32 = np.array(P, dtype=np.float32)
    w = np.linspace(0.5, 2.0, len(P)).astype(np.float32)
    p, tp = gg.tensor(p32, requires_grad=True), torch.tensor(p32, requires_grad=True)
    F.binary_cross_entropy(p, gg.tensor(np.float32(T)), gg.tensor(w)).backward()
    TF.binary_cross_entropy(tp, torch.tensor(np.float32(T)), torch.tensor(w)).backward()
    assert p.grad.dtype == np.float32
    np.testing.assert_allclose(p.grad._data, tp.grad.numpy(), rtol=1e-6)


def test_bce_second_order_equals_torch_inside_and_keeps_its_sign_at_the_edges():
    inside = [1e-3, 0.2, 0.5, 0.9, 1 - 1e-3]
    targets = [1.0, 0.0, 1.0, 0.3, 0.0]
    p, tp = _both(inside)
    t = np.array(targets)
    (g,) = gg.autograd.grad(F.binary_cross_entropy(p, gg.tensor(t), reduction="sum"), p,
                            create_graph=True)
    (tg,) = torch.autograd.grad(TF.binary_cross_entropy(tp, torch.tensor(t), reduction="sum"),
                                tp, create_graph=True)
    (h,) = gg.autograd.grad(g.sum(), p)
    (th,) = torch.autograd.grad(tg.sum(), tp)
    np.testing.assert_allclose(h._data, th.numpy(), rtol=1e-8)
    # at p exactly 0 or 1 (target 1 and 0): a positive curvature, as torch's
    edge, t_edge = _both([0.0, 1.0])
    targets = np.array([1.0, 0.0])
    (g,) = gg.autograd.grad(F.binary_cross_entropy(edge, gg.tensor(targets), reduction="sum"),
                            edge, create_graph=True)
    (h,) = gg.autograd.grad(g.sum(), edge)
    (tg,) = torch.autograd.grad(TF.binary_cross_entropy(t_edge, torch.tensor(targets),
                                                        reduction="sum"), t_edge,
                                create_graph=True)
    (th,) = torch.autograd.grad(tg.sum(), t_edge)
    assert np.all(np.isfinite(h._data)) and np.all(h._data > 0) and np.all(th.numpy() > 0)


# --- cross-entropy with ignore_index ------------------------------------------------------------
def _logits_with_poison():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 5))
    x[1] = np.nan
    x[3, 2] = np.inf
    return x, np.array([0, -100, 4, -100])


@pytest.mark.parametrize("kwargs", [{}, {"label_smoothing": 0.1}, {"reduction": "sum"},
                                    {"weight": np.linspace(0.5, 1.5, 5)},
                                    {"label_smoothing": 0.2, "weight": np.linspace(0.5, 1.5, 5)},
                                    {"reduction": "none"}])
def test_ignored_rows_with_nan_or_inf_poison_neither_loss_nor_gradients(kwargs):
    x, y = _logits_with_poison()
    a, ta = _both(x)
    g_kwargs = {k: gg.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    t_kwargs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                for k, v in kwargs.items()}
    loss = F.cross_entropy(a, gg.tensor(y), **g_kwargs)
    expected = TF.cross_entropy(ta, torch.tensor(y), **t_kwargs)
    np.testing.assert_allclose(loss._data, expected.detach().numpy(), rtol=1e-12)
    loss.sum().backward()
    expected.sum().backward()
    assert np.isfinite(a.grad._data).all()
    kept = y != -100
    np.testing.assert_allclose(a.grad._data[kept], ta.grad.numpy()[kept], rtol=1e-10,
                               atol=1e-15)
    # torch's own gradient of an ignored NaN row is NaN (0 · NaN in its log-softmax backward);
    # glassgrad masks before log-softmax, so an ignored row gets exactly 0.
    assert (a.grad._data[~kept] == 0).all()


@pytest.mark.parametrize("kwargs", [{}, {"label_smoothing": 0.1}, {"reduction": "sum"},
                                    {"weight": np.array([1.0, 2.0, 3.0])},
                                    {"label_smoothing": 0.1, "weight": np.array([1.0, 2.0, 3.0])}])
def test_an_all_ignored_batch_gives_torchs_loss_and_zero_gradient(kwargs):
    x = np.random.default_rng(1).standard_normal((2, 3))
    y = np.array([-100, -100])
    a, ta = _both(x)
    g_kwargs = {k: gg.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    t_kwargs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                for k, v in kwargs.items()}
    loss = F.cross_entropy(a, gg.tensor(y), **g_kwargs)
    expected = TF.cross_entropy(ta, torch.tensor(y), **t_kwargs)
    np.testing.assert_array_equal(loss._data, expected.detach().numpy())   # NaN for the mean
    loss.backward()
    expected.backward()
    np.testing.assert_array_equal(a.grad._data, ta.grad.numpy())           # zeros
    assert (a.grad._data == 0).all()


def test_nll_loss_all_ignored_mean_is_nan_with_zero_gradient():
    a, ta = _both(np.log(np.full((2, 3), 1 / 3)))
    y = np.array([-100, -100])
    loss = F.nll_loss(a, gg.tensor(y))
    loss.backward()
    assert np.isnan(loss.item()) and (a.grad._data == 0).all()


# --- empty inputs -----------------------------------------------------------------------------
@pytest.mark.parametrize("name, reduction", [("mse_loss", "mean"), ("mse_loss", "sum"),
                                             ("l1_loss", "mean"), ("cross_entropy", "mean"),
                                             ("cross_entropy", "sum"), ("mse_loss", "none")])
def test_losses_of_empty_tensors_match_torch(name, reduction):
    a, ta = _both(np.zeros((0, 3)))
    if name == "cross_entropy":
        loss = F.cross_entropy(a, gg.zeros(0, dtype=gg.int64), reduction=reduction)
        expected = TF.cross_entropy(ta, torch.zeros(0, dtype=torch.long), reduction=reduction)
    else:
        loss = getattr(F, name)(a, gg.zeros(0, 3, dtype=gg.float64), reduction=reduction)
        expected = getattr(TF, name)(ta, torch.zeros(0, 3, dtype=torch.float64),
                                     reduction=reduction)
    assert tuple(loss.shape) == tuple(expected.shape)
    np.testing.assert_array_equal(loss._data, expected.detach().numpy())
    loss.sum().backward()
    assert a.grad.shape == (0, 3)


# --- messages ---------------------------------------------------------------------------------
def test_integer_logits_name_the_op_the_dtype_and_what_was_expected():
    with pytest.raises(TypeError, match=r"cross_entropy: expected floating-point logits "
                                        r"\(float32 or float64\), got input of dtype int64 "
                                        r"and shape \(1, 2\)"):
        F.cross_entropy(gg.tensor([[1, 2]]), gg.tensor([0]))
