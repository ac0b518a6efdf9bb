"""The sweep helper: results cached per trial as JSON, an interrupted sweep resumes."""
import json
import os

import pytest

from glassgrad.experiments.sweep import run_trials, trial_key, write_table


def test_results_are_cached_and_an_interrupted_sweep_resumes(tmp_path):
    calls = []

    def square(trial):
        calls.append(trial["x"])
        if trial["x"] == 3 and calls.count(3) == 1:
            raise KeyboardInterrupt                      # the sweep is interrupted here
        return {"y": trial["x"] ** 2}
    trials = [{"x": x} for x in range(5)]
    with pytest.raises(KeyboardInterrupt):
        run_trials(trials, square, tmp_path)
    assert calls == [0, 1, 2, 3]
    assert len(os.listdir(tmp_path / "trials")) == 3
    results = run_trials(trials, square, tmp_path)
    assert calls == [0, 1, 2, 3, 3, 4]                   # only the unfinished trials ran
    assert [r["y"] for r in results] == [0, 1, 4, 9, 16]
    assert [r["cached"] for r in results] == [True, True, True, False, False]
    with open(tmp_path / "trials" / f"{trial_key({'x': 4})}.json") as file:
        assert json.load(file)["trial"] == {"x": 4}


def test_keys_tables_and_errors(tmp_path):
    assert trial_key({"width": 16, "seed": 0}).startswith("width=16,seed=0-")
    assert trial_key({"a": 1}) != trial_key({"a": 2})
    with pytest.raises(ValueError, match="two trials are the same dict"):
        run_trials([{"a": 1}, {"a": 1}], dict, None)
    with pytest.raises(TypeError, match="a trial must be a non-empty dict"):
        run_trials([[1]], dict, None)
    text = write_table(tmp_path, "t", [("x", "x", None), ("y", "y", "{:.1%}")],
                       [{"x": 1, "y": 0.5}], note="n")
    assert text.splitlines()[2] == "| 1 | 50.0% |"
    assert open(tmp_path / "t.md").read().endswith("n\n")
    assert json.load(open(tmp_path / "t.json")) == [{"x": 1, "y": 0.5}]
