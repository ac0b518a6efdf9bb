"""fake_quantize forward and STE gradient against torch (every bit width, symmetric and
asymmetric, values exactly on rounding boundaries), LSQ against torch's learnable fake quant,
stochastic rounding's unbiasedness, quantize/dequantize, and the errors."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import quant
from glassgrad.random import Generator

torch = pytest.importorskip("torch")

BITS = (2, 3, 4, 5, 6, 7, 8, 16)


def _inputs(scale, zero_point, quant_min, quant_max, seed=0):
    """Random values over and beyond the range, plus every half-step boundary and the ends."""
    rng = np.random.default_rng(seed)
    low, high = (quant_min - zero_point) * scale, (quant_max - zero_point) * scale
    span = high - low
    random = rng.uniform(low - 0.2 * span, high + 0.2 * span, 200)
    ticks = np.arange(quant_min - 2, min(quant_max + 2, quant_min + 300)) - zero_point
    halves = (ticks + 0.5) * scale               # exactly between two grid points
    return np.concatenate([random, halves, ticks * scale, [low, high]]).astype(np.float32)


def _torch_fq(x, scale, zero_point, quant_min, quant_max):
    t = torch.tensor(x, requires_grad=True)
    y = torch.fake_quantize_per_tensor_affine(t, scale, zero_point, quant_min, quant_max)
    y.backward(torch.ones_like(y))
    return y.detach().numpy(), t.grad.numpy()


@pytest.mark.parametrize("bits", BITS)
@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("signed", [True, False])
def test_per_tensor_forward_and_ste_match_torch(bits, symmetric, signed):
    quant_min, quant_max = quant.qrange(bits, signed)
    scale, zero_point = quant.calculate_qparams(-1.3, 0.7, bits, symmetric, signed)
    scale, zero_point = float(scale), int(zero_point)
    x = _inputs(scale, zero_point, quant_min, quant_max)
    expected, expected_grad = _torch_fq(x, scale, zero_point, quant_min, quant_max)
    xg = gg.tensor(x, requires_grad=True)
    y = quant.fake_quantize(xg, scale, zero_point, bits, signed)
    y.sum().backward()
    np.testing.assert_array_equal(y._data, expected)
    np.testing.assert_array_equal(xg.grad._data, expected_grad)
    same = quant.fake_quantize_per_tensor_affine(gg.tensor(x), scale, zero_point, quant_min,
                                                 quant_max)
    np.testing.assert_array_equal(same._data, expected)


@pytest.mark.parametrize("bits", BITS)
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_per_channel_matches_torch(bits, axis):
    rng = np.random.default_rng(bits)
    x = (rng.standard_normal((4, 5, 3)) * 2).astype(np.float32)
    n = x.shape[axis]
    quant_min, quant_max = quant.qrange(bits, False)
    scale = rng.uniform(0.01, 0.5, n).astype(np.float32)
    zero_point = rng.integers(quant_min, quant_max + 1, n)
    t = torch.tensor(x, requires_grad=True)
    ty = torch.fake_quantize_per_channel_affine(t, torch.tensor(scale),
                                                torch.tensor(zero_point, dtype=torch.int32),
                                                axis % 3, quant_min, quant_max)
    ty.sum().backward()
    xg = gg.tensor(x, requires_grad=True)
    y = quant.fake_quantize(xg, scale, zero_point, bits, signed=False, axis=axis)
    y.sum().backward()
    np.testing.assert_array_equal(y._data, ty.detach().numpy())
    np.testing.assert_array_equal(xg.grad._data, t.grad.numpy())


def test_second_order_of_the_ste_is_zero_and_first_is_the_mask():
    x = gg.tensor(np.linspace(-2, 2, 9), requires_grad=True)
    y = quant.fake_quantize(x, 0.25, 0, bits=3)
    (g,) = gg.autograd.grad(y.sum(), [x], create_graph=True)
    code = np.rint(x._data / 0.25)
    np.testing.assert_array_equal(g._data, (code >= -4) & (code <= 3))     # 3 bits: [-4, 3]
    (h,) = gg.autograd.grad((g * x).sum(), [x], allow_unused=True)
    np.testing.assert_array_equal(h._data, g._data)      # d(mask·x)/dx = mask: no extra term


def test_lsq_matches_torch_learnable_fake_quantize():
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(50) * 2).astype(np.float32)
    t, ts = torch.tensor(x, requires_grad=True), torch.tensor([0.3], requires_grad=True)
    factor = 1.0 / np.sqrt(50 * 7)
    ty = torch._fake_quantize_learnable_per_tensor_affine(t, ts, torch.tensor([1.0]), -8, 7,
                                                           factor)
    ty.sum().backward()
    xg, s = gg.tensor(x, requires_grad=True), gg.tensor(np.float32(0.3), requires_grad=True)
    y = quant.fake_quantize_learnable(xg, s, 1, bits=4)
    y.sum().backward()
    np.testing.assert_allclose(y._data, ty.detach().numpy(), atol=1e-6)
    np.testing.assert_allclose(s.grad._data, ts.grad.numpy()[0], rtol=1e-5)
    np.testing.assert_array_equal(xg.grad._data, t.grad.numpy())


def test_stochastic_rounding_is_unbiased():
    x = np.array([0.13, 0.5, 0.77, -0.31, 1.99], dtype=np.float32)
    draws = 20000
    g = Generator(0)
    samples = np.stack([quant.fake_quantize(gg.tensor(x), 1.0, 0, bits=8,
                                            rounding="stochastic", generator=g)._data
                        for _ in range(draws)])
    mean, sem = samples.mean(0), samples.std(0) / np.sqrt(draws)
    assert np.all(np.abs(mean - x) < 4 * sem + 1e-7), (mean, x, sem)
    assert set(np.unique(samples[:, 0])) == {0.0, 1.0}          # only the two neighbours
    again = quant.fake_quantize(gg.tensor(x), 1.0, 0, rounding="stochastic",
                                generator=Generator(5))._data
    np.testing.assert_array_equal(again, quant.fake_quantize(
        gg.tensor(x), 1.0, 0, rounding="stochastic", generator=Generator(5))._data)
    nearest = quant.fake_quantize(gg.tensor(x), 1.0, 0)._data
    assert np.abs(samples.mean(0) - x).max() < np.abs(nearest - x).max()


def test_quantize_dequantize_round_trip():
    x = gg.tensor(np.array([-1.0, -0.26, 0.0, 0.24, 0.9], np.float32))
    q = quant.quantize(x, 0.1, 3, bits=4, signed=False)
    assert q.dtype == gg.uint8 if hasattr(gg, "uint8") else q._data.dtype == np.uint8
    np.testing.assert_array_equal(q._data, [0, 0, 3, 5, 12])
    np.testing.assert_allclose(quant.dequantize(q, 0.1, 3)._data,
                               quant.fake_quantize(x, 0.1, 3, 4, False)._data)
    assert quant.quantize(x, 0.001, bits=16)._data.dtype == np.int16


def test_errors_name_the_op_and_value():
    x = gg.randn(3, 4)
    with pytest.raises(ValueError, match=r"fake_quantize: bits must be one of .*got 9"):
        quant.fake_quantize(x, 0.1, bits=9)
    with pytest.raises(ValueError, match="fake_quantize: scale must be positive and finite, "
                                         "got np.float32\\(0.0\\)|got 0.0"):
        quant.fake_quantize(x, 0.0)
    with pytest.raises(ValueError, match="scale must be positive"):
        quant.fake_quantize(x, -0.5)
    with pytest.raises(ValueError, match=r"axis 2 is out of range for an input of shape \(3, 4\)"):
        quant.fake_quantize(x, np.ones(4), axis=2)
    with pytest.raises(ValueError, match="4 scales for axis 0 of size 3"):
        quant.fake_quantize(x, np.ones(4), axis=0)
    with pytest.raises(ValueError, match=r"zero_point 300 is outside the integer range \[0, 255\]"):
        quant.fake_quantize(x, 0.1, 300, signed=False)
    with pytest.raises(ValueError, match="rounding must be one of"):
        quant.fake_quantize(x, 0.1, rounding="up")
