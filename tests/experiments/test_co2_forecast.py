"""co2_forecast at size "small": the folds walk forward (validation stretches in time order,
after their training windows), the LSTM beats the naive last value on every stretch, the
intervals hold their values, and a forecast moves with the level of the series."""
import json

import numpy as np
import pytest

from glassgrad import experiments
from glassgrad.experiments import co2_forecast


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    pytest.importorskip("statsmodels")
    pytest.importorskip("matplotlib")
    out = tmp_path_factory.mktemp("co2")
    return experiments.run("co2_forecast", size="small", out_dir=str(out), seed=0)


def test_folds_walk_forward(results):
    rows = results["rows"]
    assert [r["name"] for r in rows] == ["fold 1", "fold 2", "fold 3", "test"]
    starts = [r["weeks"][0] for r in rows]
    assert starts == sorted(starts) and rows[0]["weeks"][0] > 0     # fold 1 trains on the past
    assert all(a["weeks"][1] < b["weeks"][0] for a, b in zip(rows, rows[1:]))


def test_lstm_beats_the_naive_forecast(results):
    for row in results["rows"]:
        for key in ("naive", "lstm"):
            assert row[key]["low"] <= row[key]["value"] <= row[key]["high"]
        assert row["ratio"] < 0.95, row
    assert 0.2 < results["rows"][-1]["naive"]["value"] < 0.6       # ppmv, week to week


def test_forecasts_follow_the_level():
    # The LSTM sees the window minus its last value: a series shifted up by 100 ppmv (the
    # trend decades later) gets the same forecast shifted by 100, with no extrapolation.
    x = np.cumsum(np.random.default_rng(0).normal(size=(30, 52)), axis=1)
    predict = co2_forecast.fit_forecaster(x, x[:, -1] + 0.5, steps=5, hidden_size=4)
    np.testing.assert_allclose(predict(x + 100.0), predict(x) + 100.0, atol=1e-4)


def test_table_figure_json(results):
    assert results["table"].count("\n") == 5
    (path,) = results["figures"]
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    json.dumps(results)
