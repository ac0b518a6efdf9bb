"""nn.utils: gradient clipping vs torch, parameters <-> vector, L1/L2 penalties."""
import math

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.nn.utils import (clip_grad_norm_, clip_grad_value_, l1_penalty, l2_penalty,
                                parameters_to_vector, vector_to_parameters)

RNG = np.random.default_rng(0)
SHAPES = [(4, 3), (3,), (2, 2, 2)]


def params_with_grads(scale=1.0):
    """glassgrad and torch parameters with the same data and gradients (one has no grad)."""
    torch = pytest.importorskip("torch")
    ours, theirs = [], []
    for i, shape in enumerate(SHAPES + [(2,)]):
        data = RNG.standard_normal(shape).astype(np.float32)
        p, t = nn.Parameter(gg.tensor(data)), torch.nn.Parameter(torch.tensor(data))
        if i < len(SHAPES):                        # the last one has no gradient
            grad = (RNG.standard_normal(shape) * scale).astype(np.float32)
            p.grad, t.grad = gg.tensor(grad), torch.tensor(grad)
        ours.append(p)
        theirs.append(t)
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_vs_torch(norm_type, max_norm):
    torch = pytest.importorskip("torch")
    ours, theirs = params_with_grads()
    total = clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert isinstance(total, gg.Tensor) and total.dtype == np.float32
    assert total.item() == pytest.approx(expected.item(), rel=1e-5)
    for p, t in zip(ours, theirs):
        if t.grad is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(p.grad._data, t.grad.numpy(), rtol=1e-5, atol=1e-7)
            assert p.grad.dtype == np.float32
    if max_norm < total.item():                   # clipped: the new norm is max_norm
        new = clip_grad_norm_(ours, 1e9, norm_type).item()
        assert new == pytest.approx(max_norm, rel=1e-4)


def test_clip_grad_norm_single_tensor_and_nonfinite():
    p = nn.Parameter(gg.zeros(3))
    p.grad = gg.tensor([3.0, 4.0, 0.0])
    assert clip_grad_norm_(p, 1.0).item() == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad._data, [0.6, 0.8, 0.0], rtol=1e-5)
    p.grad = gg.tensor([np.inf, 1.0, 0.0])
    with pytest.raises(RuntimeError, match="total norm of order 2.0 .* is non-finite"):
        clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    assert math.isinf(clip_grad_norm_([p], 1.0).item())
    assert clip_grad_norm_([nn.Parameter(gg.zeros(2))], 1.0).item() == 0.0   # no grads at all


def test_clip_grad_value_vs_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = params_with_grads(scale=3.0)
    clip_grad_value_(ours, 1.5)
    torch.nn.utils.clip_grad_value_(theirs, 1.5)
    for p, t in zip(ours, theirs):
        if t.grad is not None:
            np.testing.assert_array_equal(p.grad._data, t.grad.numpy())
            assert np.abs(p.grad._data).max() <= 1.5


def test_parameters_to_vector_and_back():
    torch = pytest.importorskip("torch")
    ours, theirs = params_with_grads()
    vec = parameters_to_vector(ours)
    np.testing.assert_array_equal(vec._data,
                                  torch.nn.utils.parameters_to_vector(theirs).detach().numpy())
    assert vec.shape == (sum(p.numel() for p in ours),) and vec.requires_grad
    for p in ours:
        p.grad = None
    (vec * gg.arange(vec.numel()).float()).sum().backward()       # differentiable
    np.testing.assert_array_equal(ours[1].grad._data[-1], 12 + 2)  # offset 12, index 2 → 14
    new = gg.arange(vec.numel()).float()
    vector_to_parameters(new, ours)
    np.testing.assert_array_equal(ours[0]._data.ravel(), np.arange(12))
    np.testing.assert_array_equal(parameters_to_vector(ours)._data, new._data)


def test_vector_to_parameters_errors():
    params = [nn.Parameter(gg.zeros(2, 3))]
    with pytest.raises(TypeError, match="expected vec to be a glassgrad.Tensor, but got ndarray"):
        vector_to_parameters(np.zeros(6), params)
    with pytest.raises(ValueError, match=r"vec has 5 elements, the parameters \[\(2, 3\)\] hold 6"):
        vector_to_parameters(gg.zeros(5), params)


def test_penalties_values_and_gradients():
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    params = list(model.parameters())
    l1, l2 = l1_penalty(model), l2_penalty(model)
    assert l1.item() == pytest.approx(sum(np.abs(p._data).sum() for p in params), rel=1e-6)
    assert l2.item() == pytest.approx(sum((p._data ** 2).sum() for p in params), rel=1e-6)
    (l1 + l2).backward()
    for p in params:
        np.testing.assert_allclose(p.grad._data, np.sign(p._data) + 2 * p._data, rtol=1e-6)
    weights_only = l2_penalty(model, skip_bias=True).item()
    assert weights_only == pytest.approx(
        (model[0].weight._data ** 2).sum() + (model[2].weight._data ** 2).sum(), rel=1e-6)
    assert l1_penalty(params[:1]).item() == pytest.approx(np.abs(params[0]._data).sum(), rel=1e-6)
    with pytest.raises(TypeError, match="skip_bias needs a Module"):
        l2_penalty(params, skip_bias=True)


def test_l2_penalty_equals_weight_decay():
    """loss + (λ/2)·l2_penalty has gradient ∇loss + λ·w: SGD's weight_decay=λ."""
    model = nn.Linear(4, 2)
    x, lam = gg.randn(8, 4), 0.3
    model(x).sum().backward()
    plain = [p.grad._data.copy() for p in model.parameters()]
    model.zero_grad()
    (model(x).sum() + lam / 2 * l2_penalty(model)).backward()
    for p, g in zip(model.parameters(), plain):
        np.testing.assert_allclose(p.grad._data, g + lam * p._data, rtol=1e-5, atol=1e-6)
