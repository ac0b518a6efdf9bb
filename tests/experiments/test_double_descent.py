"""The double_descent experiment at its small size: registered, its table (JSON and Markdown) and
plot land in the run folder, and a second run reads every trial back from the cache."""
import json
import os

import pytest

from glassgrad import experiments

pytest.importorskip("matplotlib")


def test_double_descent_small_writes_its_figures_and_resumes(tmp_path):
    assert "double_descent" in experiments.list_experiments()
    out = experiments.run("double_descent", size="small", out_dir=str(tmp_path), seed=0)
    for suffix in (".png", ".json", ".md"):
        assert os.path.getsize(tmp_path / f"double_descent{suffix}") > 0
    assert out["figures"] == [str(tmp_path / "double_descent.png")]
    trials = os.listdir(tmp_path / "trials")
    assert trials and all(t.endswith(".json") for t in trials)
    rows = json.load(open(tmp_path / "double_descent.json"))
    assert rows and out["table"].startswith("|")
    again = experiments.run("double_descent", size="small", out_dir=str(tmp_path), seed=0)
    assert again["rows"] == out["rows"] or json.dumps(again["rows"], default=str) == \
        json.dumps(out["rows"], default=str)


def test_peak_check_finds_the_interpolation_peak():
    from glassgrad.experiments.double_descent import noisy_labels, peak_check
    import numpy as np
    test = [0.60, 0.48, 0.50, 0.56, 0.52, 0.46]
    train = [0.50, 0.30, 0.10, 0.0, 0.0, 0.0]
    rows = [{"width": w, "noisy_test": a, "noisy_train": b}
            for w, a, b in zip([4, 8, 16, 32, 64, 128], test, train)]
    check = peak_check(rows, "noisy")
    assert check["peak_width"] == 32 and check["first_zero_train_width"] == 32
    assert check["double_descent"] and abs(check["bump"] - 0.08) < 1e-9
    flat = [dict(row, noisy_test=t) for row, t in zip(rows, [0.6, 0.5, 0.45, 0.44, 0.43, 0.42])]
    assert not peak_check(flat, "noisy")["double_descent"]
    labels = np.arange(10000) % 10
    changed = (noisy_labels(labels, 0.15, 0) != labels).mean()
    assert 0.11 < changed < 0.16                     # 15% redrawn, a tenth land unchanged
