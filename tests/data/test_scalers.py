"""Standardize and MinMaxScale: fitted on the training split only, the wrong order refused."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data import MinMaxScale, SplitArray, Standardize, flag_split, split_of


def data(seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(3.0, 2.0, (50, 4)).astype(np.float32),
            rng.normal(3.0, 2.0, (20, 4)).astype(np.float32))


def test_standardize_uses_training_statistics_only():
    train, test = data()
    scaler = Standardize().fit(train)
    assert isinstance(scaler, Standardize) and scaler.fitted
    out = scaler(train)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(0), 1, atol=1e-5)
    expected = (test - train.astype(np.float64).mean(0)) / train.astype(np.float64).std(0)
    np.testing.assert_allclose(scaler(test), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(scaler.inverse(scaler(test)), test, rtol=1e-5, atol=1e-5)


def test_standardize_per_channel_tensor_and_constant_feature():
    images = np.random.default_rng(1).random((8, 3, 4, 4)).astype(np.float32)
    scaler = Standardize(dim=(0, 2, 3)).fit(images)
    assert scaler.mean.shape == (1, 3, 1, 1)
    out = scaler(gg.tensor(images))
    assert isinstance(out, gg.Tensor) and out.dtype == np.float32
    np.testing.assert_allclose(out._data.mean((0, 2, 3)), 0, atol=1e-5)
    constant = np.ones((5, 2), np.float32)
    np.testing.assert_array_equal(Standardize().fit(constant)(constant), 0)   # no 0/0


def test_minmax_scale():
    train, test = data()
    scaler = MinMaxScale(feature_range=(-1, 1)).fit(train)
    out = scaler(train)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.min(0), -1, atol=1e-6)
    np.testing.assert_allclose(out.max(0), 1, atol=1e-6)
    np.testing.assert_allclose(scaler.inverse(scaler(test)), test, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match=r"low < high, got \(1, 0\)"):
        MinMaxScale((1, 0))


@pytest.mark.parametrize("cls", [Standardize, MinMaxScale])
def test_wrong_order_is_refused(cls):
    train, test = data()
    with pytest.raises(RuntimeError, match=fr"{cls.__name__}: not fitted; call "
                                           fr"{cls.__name__}\(\).fit\(x_train\) first"):
        cls()(train)
    with pytest.raises(RuntimeError, match="not fitted"):
        cls().inverse(train)
    scaler = cls().fit(train)
    with pytest.raises(RuntimeError, match=fr"{cls.__name__}.fit: already fitted"):
        scaler.fit(test)
    for split in ("val", "test"):
        with pytest.raises(ValueError, match=fr"flagged as the '{split}' split; fit on the "
                                             fr"training split only"):
            cls().fit(flag_split(test, split))
    cls().fit(flag_split(train, "train"))       # the training split is fine


def test_flag_survives_slicing_and_arithmetic_not_asarray():
    test = flag_split(np.arange(6.0).reshape(3, 2), "test")
    assert isinstance(test, SplitArray)
    assert split_of(test[1:]) == "test" and split_of(test * 2 + 1) == "test"
    assert split_of(np.asarray(test)) is None and split_of(np.zeros(2)) is None
    with pytest.raises(ValueError, match=r"split must be one of \('train', 'val', 'test'\)"):
        flag_split(test, "holdout")
    assert gg.tensor(test)._data.__class__ is np.ndarray


def test_state_dict_round_trip():
    train, test = data()
    scaler = Standardize().fit(train)
    restored = Standardize().load_state_dict(scaler.state_dict())
    np.testing.assert_array_equal(restored(test), scaler(test))


def test_fit_error_on_empty():
    with pytest.raises(ValueError, match=r"at least one sample, got shape \(0, 3\)"):
        Standardize().fit(np.zeros((0, 3)))
