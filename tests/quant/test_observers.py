"""Observers' (scale, zero point) against torch.ao's MinMax, MovingAverageMinMax and
PerChannelMinMax observers on the same batches; percentile and MSE observers' behaviour."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import quant

torch = pytest.importorskip("torch")
ao = pytest.importorskip("torch.ao.quantization")


def _batches(seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((16, 6)) * 2 + 0.5).astype(np.float32) for _ in range(4)]


def _feed(ours, theirs, batches):
    for b in batches:
        ours(gg.tensor(b))
        theirs(torch.tensor(b))
    scale, zero = ours.calculate_qparams()
    t_scale, t_zero = theirs.calculate_qparams()
    np.testing.assert_allclose(np.atleast_1d(scale), t_scale.numpy(), rtol=1e-6)
    np.testing.assert_array_equal(np.atleast_1d(zero), t_zero.numpy())


@pytest.mark.parametrize("symmetric", [False, True])
@pytest.mark.parametrize("signed", [True, False])
def test_min_max_matches_torch(symmetric, signed):
    scheme = torch.per_tensor_symmetric if symmetric else torch.per_tensor_affine
    dtype = torch.qint8 if signed else torch.quint8
    _feed(quant.MinMaxObserver(8, symmetric, signed), ao.MinMaxObserver(dtype=dtype,
                                                                        qscheme=scheme),
          _batches())


@pytest.mark.parametrize("bits", [2, 4, 6])
def test_low_bit_ranges_match_torch(bits):
    quant_min, quant_max = quant.qrange(bits, True)
    _feed(quant.MinMaxObserver(bits), ao.MinMaxObserver(dtype=torch.qint8, quant_min=quant_min,
                                                        quant_max=quant_max), _batches(1))


def test_moving_average_matches_torch():
    _feed(quant.MovingAverageMinMaxObserver(0.01), ao.MovingAverageMinMaxObserver(
        averaging_constant=0.01, dtype=torch.qint8), _batches(2))


@pytest.mark.parametrize("axis", [0, 1])
def test_per_channel_matches_torch(axis):
    _feed(quant.PerChannelMinMaxObserver(axis, symmetric=True),
          ao.PerChannelMinMaxObserver(ch_axis=axis, dtype=torch.qint8,
                                      qscheme=torch.per_channel_symmetric), _batches(3))


def test_percentile_clips_an_outlier_and_mse_beats_min_max_at_low_bits():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(10000).astype(np.float32)
    x[0] = 50.0
    percentile = quant.PercentileObserver(99.9)
    percentile(gg.tensor(x))
    assert percentile.max_val._data < 5
    minmax, mse = quant.MinMaxObserver(4), quant.MSEObserver(4)
    minmax(gg.tensor(x))
    mse(gg.tensor(x))

    def error(observer):
        s, z = observer.calculate_qparams()
        return float(((quant.fake_quantize(gg.tensor(x), s, z, 4)._data - x) ** 2).sum())
    assert error(mse) < 0.5 * error(minmax)


def test_observer_errors():
    with pytest.raises(RuntimeError, match="MinMaxObserver: calculate_qparams before any data"):
        quant.MinMaxObserver().calculate_qparams()
    with pytest.raises(ValueError, match="PerChannelMinMaxObserver: ch_axis 3 is out of range"):
        quant.PerChannelMinMaxObserver(3)(gg.randn(2, 3))
    observer = quant.PerChannelMinMaxObserver(1)
    observer(gg.randn(2, 3))
    with pytest.raises(ValueError, match="4 channels on axis 1, but 3 were observed before"):
        observer(gg.randn(2, 4))
    with pytest.raises(ValueError, match="MinMaxObserver: bits must be one of"):
        quant.MinMaxObserver(1)
