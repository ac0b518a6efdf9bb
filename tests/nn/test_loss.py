"""Losses against torch: values and input gradients for every reduction and option, module forms,
stability at logits of ±1e4, second derivatives, and errors that name the loss."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.autograd.gradcheck import gradcheck, gradgradcheck
from glassgrad.nn import functional as F

from harness import arrays, assert_close, check_module

RNG = np.random.default_rng(0)
REDUCTIONS = ["mean", "sum", "none"]


def compare(name, input, target, grads=(True, False), rtol=1e-5, atol=1e-6, **kwargs):
    """F.name(input, target, **kwargs) equals torch's, value and gradients; returns our loss."""
    torch = pytest.importorskip("torch")
    t_kwargs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    g_kwargs = {k: gg.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    g_in = [gg.tensor(a, requires_grad=r) for a, r in zip((input, target), grads)]
    t_in = [torch.tensor(a, requires_grad=r) for a, r in zip((input, target), grads)]
    ours = getattr(F, name)(*g_in, **g_kwargs)
    theirs = getattr(torch.nn.functional, name)(*t_in, **t_kwargs)
    assert ours.dtype == np.float32, f"{name}: loss dtype {ours.dtype}"
    assert_close(ours._data, theirs.detach().numpy(), f"{name} value", rtol, atol)
    seed = RNG.standard_normal(ours.shape).astype(np.float32)
    (ours * gg.tensor(seed)).sum().backward()
    (theirs * torch.tensor(seed)).sum().backward()
    for i, (g, t, r) in enumerate(zip(g_in, t_in, grads)):
        if r:
            assert g.grad.dtype == np.float32
            assert np.isfinite(g.grad._data).all(), f"{name}: non-finite gradient of input {i}"
            assert_close(g.grad._data, t.grad.numpy(), f"{name} gradient of input {i}", rtol, atol)
    return ours


# --- regression --------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_regression_losses(name, reduction):
    x, y = arrays(1, (6, 3), (6, 3))
    y[0, 0] = x[0, 0]                            # |x - y| at its kink
    compare(name, x, y, grads=(True, True), reduction=reduction)


def test_regression_shape_mismatch_warns_like_torch():
    with pytest.warns(UserWarning, match=r"mse_loss: using a target size \(4,\) that is "
                                         r"different to the input size \(4, 1\)"):
        F.mse_loss(gg.randn(4, 1), gg.randn(4))


@pytest.mark.filterwarnings("ignore:.*using a target size")
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_mse_loss_broadcasts_like_torch_with_both_gradients(reduction):
    """The fused MSELoss sums each gradient over the axes its argument was broadcast along."""
    x, y = arrays(2, (4, 1), (4,))
    compare("mse_loss", x, y, grads=(True, True), reduction=reduction)
    compare("mse_loss", y, x, grads=(True, True), reduction=reduction)


def test_cross_entropy_common_case_is_one_fused_node_and_the_rest_falls_back():
    """(N, C) logits and valid class indices take the fused CrossEntropy primitive; an
    ignored target, a weight or smoothing take the composite, and an empty batch gives NaN."""
    logits, labels = gg.randn(5, 4, requires_grad=True), gg.tensor([0, 3, 1, 1, 2])
    assert F.cross_entropy(logits, labels).grad_fn.name() == "CrossEntropyBackward0"
    assert F.cross_entropy(logits, labels, reduction="sum").grad_fn.name() == "CrossEntropyBackward0"
    for kwargs in ({"label_smoothing": 0.1}, {"weight": gg.ones(4)}, {"reduction": "none"}):
        assert F.cross_entropy(logits, labels, **kwargs).grad_fn.name() != "CrossEntropyBackward0"
    ignored = gg.tensor([0, -100, 1, 1, 2])
    assert F.cross_entropy(logits, ignored).grad_fn.name() != "CrossEntropyBackward0"
    x, t = arrays(3, (5, 4)), np.array([0, -100, 1, 1, 2])
    compare("cross_entropy", x[0], t, grads=(True, False))
    assert np.isnan(F.cross_entropy(gg.randn(0, 3), gg.tensor(np.zeros(0, np.int64))).item())
    with pytest.raises(IndexError, match=r"cross_entropy: target values must be class indices "
                                         r"in \[0, 4\)"):
        F.cross_entropy(logits, gg.tensor([0, 4, 1, 1, 2]))


# --- binary ------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(reduction):
    p = RNG.uniform(0.02, 0.98, (5, 3)).astype(np.float32)
    t = RNG.integers(0, 2, (5, 3)).astype(np.float32)
    w = RNG.uniform(0.5, 2, (5, 3)).astype(np.float32)
    compare("binary_cross_entropy", p, t, reduction=reduction)
    compare("binary_cross_entropy", p, t, weight=w, reduction=reduction)


def test_binary_cross_entropy_saturated_probabilities_stay_finite():
    """p = 0 or 1: the logs are clamped at -100 as in torch, and the gradient is torch's
    (p - t)/max(p(1 - p), 1e-12): finite, and 0 at exactly p = t ∈ {0, 1} (issue 18; the sign
    and size checks are in test_loss_edge_cases.py)."""
    p = np.array([0.0, 1.0, 0.0, 1.0, 1e-30], dtype=np.float32)
    t = np.array([0.0, 1.0, 1.0, 0.0, 1.0], dtype=np.float32)
    torch = pytest.importorskip("torch")
    x = gg.tensor(p, requires_grad=True)
    loss = F.binary_cross_entropy(x, gg.tensor(t), reduction="none")
    expected = torch.nn.functional.binary_cross_entropy(torch.tensor(p), torch.tensor(t),
                                                        reduction="none")
    np.testing.assert_allclose(loss._data, expected.numpy(), rtol=1e-5)
    np.testing.assert_allclose(loss._data, [0, 0, 100, 100, 69.07755], rtol=1e-5)
    loss.sum().backward()
    assert np.isfinite(x.grad._data).all()
    t_x = torch.tensor(p, requires_grad=True)
    torch.nn.functional.binary_cross_entropy(t_x, torch.tensor(t), reduction="none").sum() \
        .backward()
    np.testing.assert_allclose(x.grad._data, t_x.grad.numpy(), rtol=1e-6)


def test_binary_cross_entropy_errors():
    with pytest.raises(ValueError, match=r"binary_cross_entropy: all elements of input should "
                                         r"be between 0 and 1 .*got values from -0.5 to 2.0"):
        F.binary_cross_entropy(gg.tensor([-0.5, 2.0]), gg.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"binary_cross_entropy: target of shape \(3,\) must have "
                                         r"the input's shape \(3, 1\)"):
        F.binary_cross_entropy(gg.full((3, 1), 0.5), gg.zeros(3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits(reduction):
    x = (arrays(2, (6, 4))[0] * 3).astype(np.float32)
    x[0, :] = 0.0                                          # zero logits: σ'(0) must be 1/2
    t = RNG.uniform(0, 1, (6, 4)).astype(np.float32)       # soft targets are allowed
    w = RNG.uniform(0.5, 2, (6, 4)).astype(np.float32)
    pos = np.array([1.0, 3.0, 0.5, 10.0], dtype=np.float32)
    compare("binary_cross_entropy_with_logits", x, t, grads=(True, True), reduction=reduction)
    compare("binary_cross_entropy_with_logits", x, t, weight=w, pos_weight=pos,
            reduction=reduction)


def test_binary_cross_entropy_with_logits_extreme_logits():
    x = np.array([-1e4, -100.0, -30.0, 0.0, 30.0, 100.0, 1e4], dtype=np.float32)
    for target in (0.0, 1.0):
        t = np.full_like(x, target)
        loss = compare("binary_cross_entropy_with_logits", x, t, reduction="none")
        assert np.isfinite(loss._data).all()
        loss = compare("binary_cross_entropy_with_logits", x, t, reduction="none",
                       pos_weight=np.full(7, 3.0, dtype=np.float32))
        assert np.isfinite(loss._data).all()


# --- multi-class -------------------------------------------------------------------------------
def _logits_targets(shape, classes_dim=1, seed=3):
    x = arrays(seed, shape)[0] * 2
    target_shape = shape[:classes_dim] + shape[classes_dim + 1:]
    t = np.random.default_rng(seed).integers(0, shape[classes_dim], target_shape)
    return x, t.astype(np.int64)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(8, 5), (3, 4, 2, 3)], ids=["NC", "NCd1d2"])
def test_cross_entropy_class_indices(shape, reduction):
    x, t = _logits_targets(shape)
    w = RNG.uniform(0.2, 2, shape[1]).astype(np.float32)
    compare("cross_entropy", x, t, reduction=reduction)
    compare("cross_entropy", x, t, weight=w, reduction=reduction)
    t_ignored = t.copy()
    t_ignored.reshape(-1)[::3] = -100
    compare("cross_entropy", x, t_ignored, reduction=reduction)
    t_ignored = t.copy()
    t_ignored.reshape(-1)[1::3] = 2
    compare("cross_entropy", x, t_ignored, weight=w, ignore_index=2, reduction=reduction)


def test_cross_entropy_unbatched():
    x, t = _logits_targets((5,), classes_dim=0)
    compare("cross_entropy", x, t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_label_smoothing(reduction):
    x, t = _logits_targets((7, 4))
    w = RNG.uniform(0.2, 2, 4).astype(np.float32)
    compare("cross_entropy", x, t, label_smoothing=0.1, reduction=reduction)
    compare("cross_entropy", x, t, weight=w, label_smoothing=0.25, reduction=reduction)
    t[::2] = -100
    compare("cross_entropy", x, t, label_smoothing=0.2, reduction=reduction)
    compare("cross_entropy", x, t, weight=w, label_smoothing=0.2, reduction=reduction)
    x4, t4 = _logits_targets((2, 3, 4, 2))
    compare("cross_entropy", x4, t4, weight=w[:3], label_smoothing=0.3, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_class_probabilities(reduction):
    x = arrays(4, (6, 5))[0]
    probs = RNG.dirichlet(np.ones(5), 6).astype(np.float32)
    w = RNG.uniform(0.2, 2, 5).astype(np.float32)
    compare("cross_entropy", x, probs, grads=(True, True), reduction=reduction)
    compare("cross_entropy", x, probs, weight=w, label_smoothing=0.1, reduction=reduction)
    x4 = arrays(5, (2, 3, 4))[0]
    probs4 = np.moveaxis(RNG.dirichlet(np.ones(3), (2, 4)), -1, 1).astype(np.float32)
    compare("cross_entropy", x4, probs4, reduction=reduction)


def test_cross_entropy_extreme_logits_finite():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, -1e4], [1e4, 1e4, -1e4]], dtype=np.float32)
    t = np.array([1, 1, 2])
    loss = compare("cross_entropy", x, t, reduction="none")
    assert np.isfinite(loss._data).all() and loss._data.max() == pytest.approx(2e4 + np.log(2))
    compare("cross_entropy", x, t, label_smoothing=0.1)
    compare("nll_loss", F.log_softmax(gg.tensor(x), 1)._data, t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(reduction):
    x, t = _logits_targets((6, 4))
    log_p = F.log_softmax(gg.tensor(x), 1)._data
    w = RNG.uniform(0.2, 2, 4).astype(np.float32)
    t[0] = -100
    compare("nll_loss", log_p, t, reduction=reduction)
    compare("nll_loss", log_p, t, weight=w, reduction=reduction)
    x4, t4 = _logits_targets((2, 4, 3))
    compare("nll_loss", x4, t4, weight=w, reduction=reduction)


def test_cross_entropy_second_derivative():
    x = gg.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    t = gg.tensor(np.array([0, 2, 1, 2]))
    w = gg.tensor(np.array([0.5, 1.0, 2.0]))
    assert gradcheck(lambda v: F.cross_entropy(v, t, weight=w, label_smoothing=0.1), (x,))
    assert gradgradcheck(lambda v: F.cross_entropy(v, t), (x,))
    probs = gg.tensor(RNG.dirichlet(np.ones(3), 4), requires_grad=True)
    assert gradgradcheck(lambda v, p: F.cross_entropy(v, p), (x, probs))
    y = gg.tensor(RNG.uniform(0, 1, (4, 3)))
    assert gradgradcheck(lambda v: F.binary_cross_entropy_with_logits(v, y), (x,))


def test_cross_entropy_target_out_of_range_names_loss_range_and_classes():
    x = gg.randn(4, 3)
    with pytest.raises(IndexError, match=r"cross_entropy: target values must be class indices "
                                         r"in \[0, 3\) for 3 classes .*found values from 0 to 3"):
        F.cross_entropy(x, gg.tensor([0, 1, 2, 3]))
    with pytest.raises(IndexError, match=r"nll_loss: .*found values from -1 to 2"):
        F.nll_loss(x, gg.tensor([-1, 1, 2, 0]))
    with pytest.raises(IndexError, match=r"CrossEntropyLoss|cross_entropy: .*3 classes"):
        nn.CrossEntropyLoss()(x, gg.tensor([0, 5, -100, 1]))


def test_cross_entropy_bad_shapes_and_dtypes():
    x = gg.randn(4, 3)
    with pytest.raises(ValueError, match=r"cross_entropy: expected target of shape \(4,\) for "
                                         r"input of shape \(4, 3\).*got \(4, 1\)"):
        F.cross_entropy(x, gg.zeros(4, 1, dtype=gg.int64))
    with pytest.raises(ValueError, match=r"class-probability targets .* must have the input's "
                                         r"shape \(4, 3\), got \(4,\)"):
        F.cross_entropy(x, gg.tensor([0.0, 1.0, 2.0, 1.0]))
    with pytest.raises(TypeError, match="nll_loss: expected integer class indices"):
        F.nll_loss(x, gg.tensor([0.0, 1.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        F.cross_entropy(x, gg.tensor([0, 1, 2, 1]), reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing must be between 0.0 and 1.0"):
        F.cross_entropy(x, gg.tensor([0, 1, 2, 1]), label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"weight must have one entry per class, shape \(3,\)"):
        F.cross_entropy(x, gg.tensor([0, 1, 2, 1]), weight=gg.ones(4))


# --- module forms ------------------------------------------------------------------------------
def _module_cases():
    x, t = _logits_targets((6, 4))
    w = RNG.uniform(0.5, 2, 4).astype(np.float32)
    p = RNG.uniform(0.05, 0.95, (6, 4)).astype(np.float32)
    b = RNG.integers(0, 2, (6, 4)).astype(np.float32)
    log_p = F.log_softmax(gg.tensor(x), 1)._data
    return [
        ("MSELoss", {}, [x, p]), ("L1Loss", {"reduction": "sum"}, [x, p]),
        ("BCELoss", {"weight": w}, [p, b]),
        ("BCEWithLogitsLoss", {"pos_weight": w}, [x, b]),
        ("BCEWithLogitsLoss", {"weight": w, "reduction": "none"}, [x, b]),
        ("CrossEntropyLoss", {}, [x, t]),
        ("CrossEntropyLoss", {"weight": w, "label_smoothing": 0.1, "ignore_index": 1}, [x, t]),
        ("NLLLoss", {"weight": w, "reduction": "sum"}, [log_p, t]),
    ]


@pytest.mark.parametrize("name, kwargs, inputs", _module_cases(),
                         ids=[f"{c[0]}{sorted(c[1])}" for c in _module_cases()])
def test_loss_modules_vs_torch(name, kwargs, inputs):
    torch = pytest.importorskip("torch")
    ours = getattr(nn, name)(**{k: gg.tensor(v) if isinstance(v, np.ndarray) else v
                                for k, v in kwargs.items()})
    theirs = getattr(torch.nn, name)(**{k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                                        for k, v in kwargs.items()})
    check_module(ours, theirs, inputs, grads=[True, False], rtol=1e-5, atol=1e-6)
    assert repr(ours) == repr(theirs)


def test_loss_module_rejects_bad_reduction():
    with pytest.raises(ValueError, match="MSELoss: reduction must be"):
        nn.MSELoss(reduction="average")
