"""Smoke test of the benchmark suite at a tiny size: it runs and reports every workload.

No timing is asserted (speed is measured by `python -m benchmarks`, never by the tests).
"""
import importlib.util

import pytest

benchmarks_main = pytest.importorskip("benchmarks.__main__")


def test_suite_runs_every_workload_at_tiny_size(capsys):
    results = benchmarks_main.main(["--scale", "0.05", "--repeats", "1", "--min-time", "0.005",
                                    "--no-memory"])
    names = [row[0] for row in results]
    assert names == ["overhead (grad)", "overhead (no grad)", "tiny", "mlp", "cnn2d", "cnn1d"]
    for name, ours, theirs, ratio, *_ in results:
        assert ours > 0, name
        if importlib.util.find_spec("torch") is not None:
            assert theirs > 0 and ratio > 0, name
    printed = capsys.readouterr().out
    assert "| workload |" in printed and "GFLOP/s" in printed


def test_memory_probe_reports_a_peak_for_both_frameworks(capsys):
    results = benchmarks_main.main(["--only", "tiny", "--scale", "0.5", "--repeats", "1",
                                    "--min-time", "0.005"])
    (name, _, _, _, mem_ours, mem_theirs, _), = results
    assert name == "tiny"
    assert mem_ours is not None and mem_ours >= 0
    if importlib.util.find_spec("torch") is not None:
        assert mem_theirs is not None and mem_theirs >= 0
