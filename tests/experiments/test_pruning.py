"""The pruning experiment at its small size: registered, its table (JSON and Markdown) and
plot land in the run folder, and a second run reads every trial back from the cache."""
import json
import os

import pytest

from glassgrad import experiments

pytest.importorskip("matplotlib")


def test_pruning_small_writes_its_figures_and_resumes(tmp_path):
    assert "pruning" in experiments.list_experiments()
    out = experiments.run("pruning", size="small", out_dir=str(tmp_path), seed=0)
    for suffix in (".png", ".json", ".md"):
        assert os.path.getsize(tmp_path / f"pruning{suffix}") > 0
    assert out["figures"] == [str(tmp_path / "pruning.png")]
    trials = os.listdir(tmp_path / "trials")
    assert trials and all(t.endswith(".json") for t in trials)
    rows = json.load(open(tmp_path / "pruning.json"))
    assert rows and out["table"].startswith("|")
    again = experiments.run("pruning", size="small", out_dir=str(tmp_path), seed=0)
    assert again["rows"] == out["rows"] or json.dumps(again["rows"], default=str) == \
        json.dumps(out["rows"], default=str)
