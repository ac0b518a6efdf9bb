"""The lottery_ticket experiment at its small size: registered, its table (JSON and Markdown) and
plot land in the run folder, and a second run reads every trial back from the cache."""
import json
import os

import pytest

from glassgrad import experiments

pytest.importorskip("matplotlib")


def test_lottery_ticket_small_writes_its_figures_and_resumes(tmp_path):
    assert "lottery_ticket" in experiments.list_experiments()
    out = experiments.run("lottery_ticket", size="small", out_dir=str(tmp_path), seed=0)
    for suffix in (".png", ".json", ".md"):
        assert os.path.getsize(tmp_path / f"lottery_ticket{suffix}") > 0
    assert out["figures"] == [str(tmp_path / "lottery_ticket.png")]
    trials = os.listdir(tmp_path / "trials")
    assert trials and all(t.endswith(".json") for t in trials)
    rows = json.load(open(tmp_path / "lottery_ticket.json"))
    assert rows and out["table"].startswith("|")
    again = experiments.run("lottery_ticket", size="small", out_dir=str(tmp_path), seed=0)
    assert again["rows"] == out["rows"] or json.dumps(again["rows"], default=str) == \
        json.dumps(out["rows"], default=str)


def test_summary_check_needs_both_leads_at_high_sparsity():
    from glassgrad.experiments.lottery_ticket import summarise
    def trial(r, remaining, ticket, random):
        row = {"trial": {"round": r}, "remaining": remaining,
               "ticket": {"test_acc": ticket, "train_acc": 1.0}}
        if r:
            row["reinit"] = {"test_acc": 0.6, "train_acc": 1.0}
            row["random"] = {"test_acc": random, "train_acc": 1.0}
        return row
    results = [trial(0, 1.0, 0.64, None), trial(1, 0.3, 0.75, 0.6),
               trial(2, 0.12, 0.70, 0.66)]
    rows, check = summarise(results, {"rounds": 2})
    assert check["round"] == 2 and check["reproduced"]
    results[2]["random"]["test_acc"] = 0.69
    assert not summarise(results, {"rounds": 2})[1]["reproduced"]
