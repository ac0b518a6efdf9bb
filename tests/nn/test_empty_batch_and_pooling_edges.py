"""Layers on an empty batch (N = 0), adaptive pooling with NaN, and float64 average pooling,
against torch (issue 18)."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.nn import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional


@pytest.mark.parametrize("make, shape", [
    (lambda m: m.Conv1d(2, 3, 3), (0, 2, 5)),
    (lambda m: m.Conv2d(2, 3, 3, padding=1), (0, 2, 5, 5)),
    (lambda m: m.Conv2d(4, 4, 3, groups=2), (0, 4, 5, 5)),
    (lambda m: m.ConvTranspose2d(2, 3, 3, stride=2), (0, 2, 4, 4)),
    (lambda m: m.MaxPool1d(2), (0, 2, 4)),
    (lambda m: m.MaxPool2d(2), (0, 2, 4, 4)),
    (lambda m: m.AvgPool1d(3, stride=2, padding=1), (0, 2, 7)),
    (lambda m: m.AvgPool2d(2), (0, 2, 4, 4)),
    (lambda m: m.AdaptiveAvgPool2d(3), (0, 2, 5, 5)),
    (lambda m: m.BatchNorm1d(2), (0, 2)),
    (lambda m: m.BatchNorm2d(2), (0, 2, 3, 3)),
    (lambda m: m.LayerNorm(3), (0, 2, 3)),
    (lambda m: m.GroupNorm(1, 2), (0, 2, 3)),
    (lambda m: m.InstanceNorm1d(2), (0, 2, 3)),
])
def test_layers_on_an_empty_batch_match_torch_forward_and_backward(make, shape):
    layer, reference = make(nn), make(torch.nn)
    x = gg.zeros(*shape, requires_grad=True)
    tx = torch.zeros(*shape, requires_grad=True)
    out, expected = layer(x), reference(tx)
    assert tuple(out.shape) == tuple(expected.shape)
    out.sum().backward()
    expected.sum().backward()
    assert x.grad.shape == shape
    for name, param in layer.named_parameters():
        torch_grad = dict(reference.named_parameters())[name].grad
        np.testing.assert_array_equal(param.grad._data, torch_grad.numpy())   # zeros
    for name in ("running_mean", "running_var"):
        if getattr(layer, name, None) is not None:
            np.testing.assert_array_equal(getattr(layer, name)._data,
                                          getattr(reference, name).numpy())  # untouched


def test_batch_norm_still_refuses_a_single_value_per_channel():
    with pytest.raises(ValueError, match="expected more than 1 value per channel"):
        nn.BatchNorm1d(2)(gg.zeros(1, 2))


@pytest.mark.parametrize("shape, out, nan_at", [
    ((1, 1, 4), 8, (0, 0, 1)), ((2, 3, 5), 7, (1, 2, 4)), ((1, 1, 5), 3, (0, 0, 2)),
    ((1, 1, 4, 4), 7, (0, 0, 1, 1)), ((1, 2, 5, 3), (4, 7), (0, 1, 4, 0)),
    ((1, 1, 3, 5), (None, 8), (0, 0, 2, 2)),
])
def test_adaptive_avg_pool_keeps_nan_in_the_windows_that_hold_it(shape, out, nan_at):
    x = np.random.default_rng(0).standard_normal(shape)
    x[nan_at] = np.nan
    fn = F.adaptive_avg_pool1d if len(shape) == 3 else F.adaptive_avg_pool2d
    t_fn = TF.adaptive_avg_pool1d if len(shape) == 3 else TF.adaptive_avg_pool2d
    got = fn(gg.tensor(x), out)._data
    expected = t_fn(torch.tensor(x), out).numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    assert 0 < np.isnan(got).sum() < got.size
    np.testing.assert_allclose(got, expected, rtol=1e-12, equal_nan=True)


def test_adaptive_avg_pool_upsampling_gradient_equals_torch():
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 5))
    a, ta = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    w = np.random.default_rng(2).standard_normal((2, 3, 7, 3))
    (F.adaptive_avg_pool2d(a, (7, 3)) * gg.tensor(w)).sum().backward()
    (TF.adaptive_avg_pool2d(ta, (7, 3)) * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(a.grad._data, ta.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("call", [
    lambda f, x: f.avg_pool2d(x, 3, 2, 1),
    lambda f, x: f.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
    lambda f, x: f.avg_pool2d(x, 3, 2, 0, ceil_mode=True),
    lambda f, x: f.avg_pool1d(x[:, :, 0], 3, 2, 1),
    lambda f, x: f.adaptive_avg_pool2d(x, 3),
    lambda f, x: f.adaptive_avg_pool1d(x[:, :, 0], 5),
])
def test_float64_average_pooling_is_float64_to_1e12(call):
    x = np.random.default_rng(3).random((2, 3, 7, 7))
    a, ta = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = call(F, a), call(TF, ta)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out._data, expected.detach().numpy(), rtol=1e-12, atol=1e-15)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(a.grad._data, ta.grad.numpy(), rtol=1e-12, atol=1e-15)
