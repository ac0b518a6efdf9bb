"""The quantization experiments (adaround, equalisation, bits) at their CI size: registered,
tables with intervals, figures written, and the patterns the full runs show (docs/quant.md)."""
import os

import pytest

from glassgrad import experiments


def test_registered():
    for name in ("adaround", "equalisation", "bits", "int8", "taylor_rounding"):
        assert name in experiments.list_experiments()


@pytest.mark.slow
def test_equalisation_small(tmp_path):
    pytest.importorskip("matplotlib")
    results = experiments.run("equalisation", size="small", out_dir=str(tmp_path))
    acc = {r["method"]: r["accuracy"] for r in results["rows"]}
    assert acc["8-bit per-tensor (rescaled)"] < 0.3
    assert abs(acc["8-bit per-tensor, equalised"] - acc["float32"]) <= 0.02
    assert results["max_output_change_equalised"] < 1e-3
    assert all(os.path.exists(f) for f in results["figures"])


@pytest.mark.slow
def test_adaround_small(tmp_path):
    pytest.importorskip("matplotlib")
    results = experiments.run("adaround", size="small", out_dir=str(tmp_path))
    methods = [r["method"].split(" (")[0] for r in results["rows"]]
    assert methods == ["float32", "nearest", "stochastic", "AdaRound", "QAT"]
    assert all(r["low"] <= r["accuracy"] <= r["high"] for r in results["rows"])
    assert all(r["accuracy"] > 0.3 for r in results["rows"])
    assert "| AdaRound |" in results["table"]


@pytest.mark.slow
def test_bits_small(tmp_path):
    pytest.importorskip("matplotlib")
    results = experiments.run("bits", size="small", out_dir=str(tmp_path))
    grid = results["grid"]
    assert grid["8/nearest (W)"]["accuracy"] > grid["2/nearest (W)"]["accuracy"]
    assert grid["2/AdaRound (W)"]["accuracy"] > grid["2/nearest (W)"]["accuracy"]
    assert os.path.exists(results["figures"][0])


def test_taylor_rounding_small(tmp_path):
    pytest.importorskip("matplotlib")
    results = experiments.run("taylor_rounding", size="small", out_dir=str(tmp_path))
    rows = {r["method"]: r for r in results["rows"]}
    p = results["predictors"]
    # the exact-Hessian Taylor objective predicts the true loss change; gᵀΔw alone does not
    assert p["taylor"]["spearman"] > 0.8 and p["taylor"]["spearman"] > p["first"]["spearman"]
    assert rows["exhaustive: true ΔL"]["rank"] == 1
    assert rows["exhaustive: Taylor (exact H)"]["true"] <= rows["nearest"]["true"]
    assert rows["AdaRound"]["true"] <= rows["stochastic (mean of draws)"]["true"]
    assert os.path.exists(results["figures"][0])


def test_int8_small_measures_size_time_and_agreement(tmp_path):
    results = experiments.run("int8", size="small", out_dir=str(tmp_path))
    for check in results["checks"]:
        assert check["agreement"] >= 0.98          # real int8 = the simulation, within rounding
        assert check["max_steps"] <= 2.0
        assert 3.0 < check["size_ratio"] < 4.0     # int8 weights; int32 biases, float scales
        assert check["time_ratio"] > 0             # measured, whichever way it goes
    methods = [r["method"] for r in results["rows"]]
    assert methods.count("int8 (quant.convert)") == 2
    assert os.path.getsize(tmp_path / "int8.md") > 0
