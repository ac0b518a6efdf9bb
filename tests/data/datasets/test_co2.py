"""The CO2 series from statsmodels: the raw series, missing weeks, the windowed problem."""
import numpy as np
import pytest

from glassgrad.data import split_of, walk_forward
from glassgrad.data.datasets import load_co2, load_co2_series

pytest.importorskip("statsmodels")


def test_series_matches_statsmodels():
    from statsmodels.datasets import co2
    frame = co2.load_pandas().data
    dates, values = load_co2_series(missing="keep")
    assert len(values) == len(frame) == 2284 and values.dtype == np.float32
    np.testing.assert_array_equal(np.isnan(values), frame["co2"].isna().to_numpy())
    np.testing.assert_allclose(values, frame["co2"].to_numpy(), rtol=1e-6)
    assert str(dates[0]) == "1958-03-29" and str(dates[-1]) == "2001-12-29"


def test_missing_weeks():
    _, filled = load_co2_series()
    _, kept = load_co2_series(missing="keep")
    gaps = np.isnan(kept)
    assert gaps.sum() == 59 and np.isfinite(filled).all()
    np.testing.assert_array_equal(filled[~gaps], kept[~gaps])
    first = np.flatnonzero(gaps)[0]                       # a one-week gap: the mean of its sides
    assert filled[first] == pytest.approx((kept[first - 1] + kept[first + 1]) / 2, abs=0.01)
    with pytest.raises(ValueError, match=r"co2 series: 59 of 2284 values are not finite"):
        load_co2_series(missing="raise")
    with pytest.raises(ValueError, match=r"co2 series: 59 of 2284"):
        load_co2(missing="keep")
    with pytest.raises(ValueError, match="missing must be 'interpolate', 'keep' or 'raise'"):
        load_co2_series(missing="drop")


@pytest.mark.parametrize("horizon", [1, 4])
def test_windows_targets_and_split(horizon):
    _, series = load_co2_series()
    x_train, y_train, x_test, y_test = load_co2(window=10, horizon=horizon, test_fraction=0.25)
    n = len(series) - 10 - horizon + 1
    assert len(x_test) == round(n * 0.25) and len(x_train) == n - len(x_test) - (horizon - 1)
    np.testing.assert_array_equal(x_train[5], series[5:15])
    assert y_train[5] == series[15 + horizon - 1]
    start = n - len(x_test)
    np.testing.assert_array_equal(x_test[0], series[start:start + 10])
    # the last training target is no later than the last input of the first test window
    assert (len(x_train) - 1) + 10 + horizon - 1 <= start + 9
    assert x_train.dtype == np.float32 and split_of(y_test) == "test"
    folds = walk_forward(len(x_train), n_splits=3, test_size=0).folds
    assert folds[-1][1][-1] == len(x_train) - 1


def test_bad_arguments():
    with pytest.raises(ValueError, match="window and horizon must be >= 1"):
        load_co2(window=0)
    with pytest.raises(ValueError, match="test_fraction=0.0 gives 0 test samples"):
        load_co2(test_fraction=0.0)
