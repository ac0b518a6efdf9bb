"""Smoke test of the benchmark suite at a tiny size: it runs and reports every workload.

No timing is asserted (speed is measured by `python -m benchmarks`, never by the tests).
"""
import importlib.util

import numpy as np
import pytest

benchmarks_main = pytest.importorskip("benchmarks.__main__")


def test_suite_runs_every_workload_at_tiny_size(capsys):
    results = benchmarks_main.main(["--scale", "0.05", "--repeats", "1", "--min-time", "0.005",
                                    "--no-memory"])
    names = [row.name for row in results]
    from benchmarks.workloads import workloads
    assert names == [w.name for w in workloads(0.05)]       # every registered workload ran
    assert names[:8] == ["overhead (grad)", "overhead (no grad)", "tiny", "mlp", "cnn2d",
                         "cnn1d", "lstm", "gru"]
    for row in results:
        assert row.ours > 0, row.name
        if importlib.util.find_spec("torch") is not None:
            assert row.theirs > 0 and row.ratio > 0, row.name
        assert (row.hand is not None) == (row.name in ("tiny", "mlp")), row.name
        if row.hand is not None:
            assert row.hand > 0, row.name
    printed = capsys.readouterr().out
    assert "| workload |" in printed and "GFLOP/s" in printed


def test_memory_probe_reports_a_peak_for_both_frameworks(capsys):
    results = benchmarks_main.main(["--only", "tiny", "--scale", "0.5", "--repeats", "1",
                                    "--min-time", "0.005"])
    row, = results
    assert row.name == "tiny"
    assert row.mem_ours is not None and row.mem_ours >= 0
    if importlib.util.find_spec("torch") is not None:
        assert row.mem_theirs is not None and row.mem_theirs >= 0


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs the torch oracle")
def test_rounds_give_the_ratios_median_and_range(capsys):
    row, = benchmarks_main.main(["--only", "mlp", "--scale", "0.05", "--repeats", "1",
                                 "--min-time", "0.005", "--no-memory", "--rounds", "3"])
    assert row.ratio_low <= row.ratio <= row.ratio_high
    line = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("| mlp")][0]
    if row.ratio_low != row.ratio_high:
        assert f"({row.ratio_low:.2f}–{row.ratio_high:.2f})" in line


@pytest.mark.parametrize("sizes, loss, y", [
    ([3, 5, 4, 2], "mse_loss", np.linspace(-1, 1, 12).reshape(6, 2)),
    ([3, 5, 4, 3], "cross_entropy", np.array([0, 2, 1, 1, 0, 2])),
])
def test_hand_written_reference_computes_autograds_gradients(sizes, loss, y):
    """The numpy floor does the real work: its loss and gradients are glassgrad's."""
    import glassgrad as gg
    from benchmarks.reference import init_mlp, mlp_loss_and_grads
    x = np.random.default_rng(1).standard_normal((6, 3)).astype(np.float32)
    y = y.astype(np.float32 if loss == "mse_loss" else np.int64)
    params = init_mlp(sizes, seed=3)
    value, grads = mlp_loss_and_grads(params, x, y, loss)
    tensors = [(gg.tensor(w, requires_grad=True), gg.tensor(b, requires_grad=True))
               for w, b in params]
    h = gg.tensor(x)
    for i, (w, b) in enumerate(tensors):
        h = gg.nn.functional.linear(h, w, b)
        if i < len(tensors) - 1:
            h = gg.nn.functional.relu(h)
    expected = getattr(gg.nn.functional, loss)(h, gg.tensor(y))
    expected.backward()
    np.testing.assert_allclose(value, expected.item(), rtol=1e-5)
    for (dw, db), (w, b) in zip(grads, tensors):
        np.testing.assert_allclose(dw, w.grad.numpy(), rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(db, b.grad.numpy(), rtol=1e-4, atol=1e-6)
