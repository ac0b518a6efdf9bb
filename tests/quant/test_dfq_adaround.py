"""Data-free quantization (equalisation, bias absorption, bias correction) and AdaRound."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn, quant
from glassgrad.random import Generator


def _mlp(seed=0):
    gg.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3))


def test_equalisation_leaves_the_float_function_unchanged_and_balances_ranges():
    model = _mlp().double()
    x = gg.randn(50, 6).double()
    with gg.no_grad():
        before = model(x)._data
        quant.equalize(model)
        after = model(x)._data
    np.testing.assert_allclose(after, before, atol=1e-5, rtol=1e-5)
    r1 = np.abs(model[0].weight._data).max(1)
    r2 = np.abs(model[2].weight._data).max(0)
    np.testing.assert_allclose(r1, r2, rtol=1e-3)


def test_equalisation_of_convolutions_is_exact():
    gg.manual_seed(1)
    model = nn.Sequential(nn.Conv1d(2, 4, 3), nn.ReLU(), nn.Conv1d(4, 3, 3)).double()
    x = gg.randn(5, 2, 9).double()
    with gg.no_grad():
        before = model(x)._data
        quant.equalize(model)
        np.testing.assert_allclose(model(x)._data, before, atol=1e-10)


def test_equalisation_errors_name_the_layers():
    with pytest.raises(ValueError, match="equalize: Tanh between layers '0' and '2'"):
        quant.equalize(nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)))
    with pytest.raises(ValueError, match="has 4 outputs but Linear takes 5 inputs: not "
                                         "consecutive"):
        quant.equalize_pair(nn.Linear(3, 4), nn.Linear(5, 2))


def test_high_bias_absorption_is_exact_when_preactivations_stay_above_c():
    model = _mlp(2)
    model[0].bias = nn.Parameter(gg.tensor(np.full(8, 5.0, np.float32)))
    x = gg.randn(40, 6) * 0.1                  # pre-activations ≈ 5 ± 0.5 > c
    with gg.no_grad():
        pre = model[0](x)._data
        before = model(x)._data
        c = quant.absorb_high_bias(model[0], model[2], pre.mean(0), pre.std(0))
        after = model(x)._data
    assert np.all(c > 0)
    np.testing.assert_allclose(after, before, atol=1e-4)


def test_analytic_relu_mean_matches_samples_and_bias_correction_removes_the_shift():
    rng = np.random.default_rng(0)
    mean, std = np.array([-1.0, 0.0, 2.0]), np.array([0.5, 1.0, 3.0])
    samples = np.maximum(rng.normal(mean, std, (200000, 3)), 0)
    np.testing.assert_allclose(quant.relu_gaussian_mean(mean, std), samples.mean(0), atol=0.02)
    layer = nn.Linear(3, 2)
    w = layer.weight._data.copy()
    layer.weight = nn.Parameter(gg.tensor(quant.round_nearest(w, 2)))
    x = gg.tensor(samples[:5000].astype(np.float32))
    float_out = x._data @ w.T + layer.bias._data
    with gg.no_grad():
        shift_before = np.abs((layer(x)._data - float_out).mean(0))
        quant.correct_bias(layer, w, quant.relu_gaussian_mean(mean, std))
        shift_after = np.abs((layer(x)._data - float_out).mean(0))
    assert np.all(shift_after < 0.1 * shift_before + 1e-3)


def test_adaround_beats_nearest_on_the_layer_reconstruction():
    gg.manual_seed(5)
    layer = nn.Linear(16, 8)
    x = gg.randn(256, 16)._data
    with gg.no_grad():
        target = layer(gg.tensor(x))._data
    rounded = quant.adaround_layer(layer, x, target, bits=3, iterations=300, reg_weight=1e-3,
                                   generator=Generator(0))
    nearest = quant.round_nearest(layer.weight._data, 3)
    scale = np.abs(layer.weight._data).max(1, keepdims=True) / 3.5
    codes = rounded / scale                     # every weight on the grid, floor or ceil of W/s
    assert np.allclose(codes, np.rint(codes), atol=1e-3)
    assert np.all(np.abs(codes - layer.weight._data / scale) < 1 + 1e-3)
    error = lambda w: ((x @ w.T - x @ layer.weight._data.T) ** 2).sum()   # noqa: E731
    assert error(rounded) < error(nearest)


def test_adaround_model_errors():
    with pytest.raises(ValueError, match="adaround: 'fc9' is not a Linear/Conv layer"):
        quant.adaround(_mlp(), np.zeros((4, 6), np.float32), layers=["fc9"])
    with pytest.raises(ValueError, match="adaround_layer: 10 calibration inputs but 9 targets"):
        quant.adaround_layer(nn.Linear(2, 2), np.zeros((10, 2)), np.zeros((9, 2)))
