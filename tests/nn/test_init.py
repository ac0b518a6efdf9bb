"""Initialisers: statistics match their formulas on large tensors, gains and fans match torch,
generator= makes draws reproducible, the tensor is filled in place and stays float32."""
import math

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.nn import init

SHAPE = (600, 400)           # 240,000 draws: the sample variance is within ~0.5% of the truth
FAN_IN, FAN_OUT = 400, 600


def big(shape=SHAPE):
    return nn.Parameter(gg.empty(*shape))


def assert_variance(tensor, expected, tol=0.03):
    assert tensor.dtype == np.float32
    assert abs(tensor._data.mean()) < 0.02 * math.sqrt(expected)
    assert abs(tensor._data.var() / expected - 1) < tol, (tensor._data.var(), expected)


@pytest.mark.parametrize("nonlinearity, param", [
    ("linear", None), ("conv2d", None), ("conv_transpose1d", None), ("sigmoid", None),
    ("tanh", None), ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
    ("leaky_relu", math.sqrt(5)), ("selu", None)])
def test_calculate_gain_matches_torch(nonlinearity, param):
    torch = pytest.importorskip("torch")
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param))


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="negative_slope 'a' is not a valid number"):
        init.calculate_gain("leaky_relu", "a")


@pytest.mark.parametrize("shape", [(5, 3), (8, 4, 3), (16, 3, 5, 5)])
def test_fans_match_torch(shape):
    torch = pytest.importorskip("torch")
    assert init._calculate_fan_in_and_fan_out(gg.empty(*shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))


def test_fans_need_two_dimensions():
    with pytest.raises(ValueError, match=r"fewer than 2 dimensions \(got shape \(5,\)\)"):
        init._calculate_fan_in_and_fan_out(gg.empty(5))


def test_uniform_and_normal():
    t = init.uniform_(big(), -2.0, 3.0)
    assert t._data.min() >= -2.0 and t._data.max() <= 3.0
    assert_variance(init.uniform_(big(), -1.0, 1.0), 1 / 3)
    t = init.normal_(big(), mean=2.0, std=0.5)
    assert abs(t._data.mean() - 2.0) < 0.01 and abs(t._data.std() / 0.5 - 1) < 0.02


def test_xavier():
    gain = init.calculate_gain("tanh")
    expected = gain ** 2 * 2 / (FAN_IN + FAN_OUT)
    t = init.xavier_uniform_(big(), gain=gain)
    assert np.abs(t._data).max() <= math.sqrt(3 * expected) + 1e-7
    assert_variance(t, expected)
    assert_variance(init.xavier_normal_(big()), 2 / (FAN_IN + FAN_OUT))
    conv = init.xavier_uniform_(big((64, 32, 3, 3)))
    assert_variance(conv, 2 / (32 * 9 + 64 * 9))


@pytest.mark.parametrize("mode, fan", [("fan_in", FAN_IN), ("fan_out", FAN_OUT)])
@pytest.mark.parametrize("a, nonlinearity", [(0, "relu"), (0.1, "leaky_relu"),
                                             (math.sqrt(5), "leaky_relu"), (0, "linear")])
def test_kaiming(mode, fan, a, nonlinearity):
    gain = init.calculate_gain(nonlinearity, a)
    expected = gain ** 2 / fan
    t = init.kaiming_uniform_(big(), a=a, mode=mode, nonlinearity=nonlinearity)
    assert np.abs(t._data).max() <= math.sqrt(3 * expected) + 1e-7
    assert_variance(t, expected)
    assert_variance(init.kaiming_normal_(big(), a=a, mode=mode, nonlinearity=nonlinearity),
                    expected)


def test_kaiming_rejects_bad_mode():
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out', got 'fan_avg'"):
        init.kaiming_normal_(big(), mode="fan_avg")


def test_constant_zeros_ones_eye():
    t = big((3, 4))
    assert init.constant_(t, 0.25) is t and (t._data == 0.25).all()
    assert (init.zeros_(t)._data == 0).all() and (init.ones_(t)._data == 1).all()
    np.testing.assert_array_equal(init.eye_(t)._data, np.eye(3, 4))
    with pytest.raises(ValueError, match="eye_: only 2-D tensors"):
        init.eye_(big((2, 2, 2)))


def test_trunc_normal_stays_in_bounds():
    t = init.trunc_normal_(big(), std=1.0, a=-1.0, b=0.5)
    assert t._data.min() >= -1.0 and t._data.max() <= 0.5
    # variance of N(0,1) truncated to [-1, 1]: 1 - 2φ(1)/(Φ(1) - Φ(-1))
    s = init.trunc_normal_(big(), a=-1.0, b=1.0)
    phi = math.exp(-0.5) / math.sqrt(2 * math.pi)
    assert_variance(s, 1 - 2 * phi / math.erf(1 / math.sqrt(2)))


@pytest.mark.parametrize("shape", [(30, 50), (50, 30), (8, 3, 2, 2)])
def test_orthogonal(shape):
    t = init.orthogonal_(big(shape), gain=2.0)
    flat = t._data.reshape(shape[0], -1).astype(np.float64)
    gram = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
    np.testing.assert_allclose(gram, 4 * np.eye(gram.shape[0]), atol=1e-4)


INITIALISERS = [
    (init.uniform_, {}), (init.normal_, {}), (init.trunc_normal_, {}),
    (init.xavier_uniform_, {}), (init.xavier_normal_, {}), (init.kaiming_uniform_, {"a": 1.0}),
    (init.kaiming_normal_, {}), (init.orthogonal_, {}),
]


@pytest.mark.parametrize("fn, kwargs", INITIALISERS, ids=[f.__name__ for f, _ in INITIALISERS])
def test_generator_makes_draws_reproducible(fn, kwargs):
    a = fn(big((20, 10)), generator=gg.Generator(7), **kwargs)
    b = fn(big((20, 10)), generator=gg.Generator(7), **kwargs)
    c = fn(big((20, 10)), generator=gg.Generator(8), **kwargs)
    np.testing.assert_array_equal(a._data, b._data)
    assert not np.array_equal(a._data, c._data)
    gg.manual_seed(3)
    d = fn(big((20, 10)), **kwargs)
    gg.manual_seed(3)
    np.testing.assert_array_equal(d._data, fn(big((20, 10)), **kwargs)._data)


def test_papers_are_cited():
    for fn in (init.xavier_uniform_, init.xavier_normal_):
        assert "- Paper: Glorot & Bengio" in fn.__doc__ and "2010" in fn.__doc__
    for fn in (init.kaiming_uniform_, init.kaiming_normal_):
        assert "- Paper: He, Zhang, Ren & Sun" in fn.__doc__ and "2015" in fn.__doc__


def test_embedding_default_init_is_standard_normal_with_zero_padding_row():
    gg.manual_seed(0)
    emb = nn.Embedding(2000, 100, padding_idx=3)
    assert (emb.weight._data[3] == 0).all()
    rows = np.delete(emb.weight._data, 3, axis=0)
    assert abs(rows.mean()) < 0.01 and abs(rows.var() - 1) < 0.02
