"""Weekly atmospheric CO2 at Mauna Loa, 1958-2001: a real time series for walk-forward
validation (trend plus a yearly cycle; the past predicts the next week well, the far future
less so).

Source: Keeling & Whorf (2004), "Atmospheric CO2 concentrations derived from flask air samples
at sites in the SIO network", CDIAC, Oak Ridge National Laboratory; as shipped inside
statsmodels (statsmodels/datasets/co2/co2.csv, an optional extra: pip install statsmodels);
nothing is downloaded. Licence: public domain (statsmodels: BSD-3-Clause).
Size: 2,284 weekly values in ppmv, 59 of them missing (NaN).
Split: chronological; the last `test_fraction` of the windows is the test stretch.
"""
import importlib.util
import os

import numpy as np

from ..checks import check_finite
from ._base import DataSplits


def _csv_path():
    spec = importlib.util.find_spec("statsmodels")
    if spec is None:
        raise ImportError("load_co2: the CO2 series ships inside statsmodels, which is not "
                          "installed; pip install statsmodels")
    path = os.path.join(spec.submodule_search_locations[0], "datasets", "co2", "co2.csv")
    if not os.path.exists(path):
        raise FileNotFoundError(f"load_co2: statsmodels is installed but {path} is missing")
    return path


def load_co2_series(missing="interpolate"):
    """The raw weekly series: (dates as datetime64[D], CO2 in ppmv as float32).

    Args:
        missing: what to do with the 59 missing weeks: "interpolate" (linearly in time),
            "keep" (leave NaN), or "raise".
    """
    if missing not in ("interpolate", "keep", "raise"):
        raise ValueError(f"load_co2_series: missing must be 'interpolate', 'keep' or 'raise', "
                         f"got {missing!r}")
    table = np.genfromtxt(_csv_path(), delimiter=",", skip_header=1)   # empty cells -> NaN
    stamps = [str(int(d)) for d in table[:, 0]]
    dates = np.array([f"{s[:4]}-{s[4:6]}-{s[6:]}" for s in stamps], dtype="datetime64[D]")
    values = table[:, 1]
    gaps = np.isnan(values)
    if missing == "raise":
        check_finite(values, "co2 series")
    elif missing == "interpolate" and gaps.any():
        days = dates.astype(np.int64)
        values = values.copy()
        values[gaps] = np.interp(days[gaps], days[~gaps], values[~gaps])
    return dates, values.astype(np.float32)


def load_co2(window=52, horizon=1, test_fraction=0.2, missing="interpolate", check=True):
    """The series as a supervised problem: predict the value `horizon` weeks after a window of
    `window` weeks. Inputs (N, window) float32, targets (N,) float32 (ppmv, unscaled).

    Samples are in time order. The test stretch is the last `test_fraction` of them; the
    last `horizon - 1` training windows are dropped, so no training target lies after the
    first test window ends. Use `walk_forward` on the training part for validation.

    Returns:
        DataSplits(x_train, y_train, x_test, y_test).
    """
    if window < 1 or horizon < 1:
        raise ValueError(f"load_co2: window and horizon must be >= 1, got window={window}, "
                         f"horizon={horizon}")
    _, series = load_co2_series(missing)
    if check:
        check_finite(series, "co2 series")
    n = len(series) - window - horizon + 1
    if n < 2:
        raise ValueError(f"load_co2: window={window} + horizon={horizon} leave {n} samples "
                         f"from {len(series)} weeks")
    starts = np.arange(n)
    x = series[starts[:, None] + np.arange(window)]
    y = series[starts + window + horizon - 1]
    n_test = int(round(n * test_fraction))
    if not 0 < n_test < n:
        raise ValueError(f"load_co2: test_fraction={test_fraction} gives {n_test} test "
                         f"samples out of {n}")
    n_train = n - n_test - (horizon - 1)
    return DataSplits(x[:n_train], y[:n_train], x[n - n_test:], y[n - n_test:]).flagged()
