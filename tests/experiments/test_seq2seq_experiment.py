"""seq2seq at size "small": the encoder-decoder reverses strings exactly, the causal tagger
gets the running maximum right, and the label-to-seq generator's samples have their own label's
property far more often than another label's; the figure and JSON are written."""
import json

import numpy as np
import pytest

from glassgrad import experiments


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    pytest.importorskip("matplotlib")
    out = tmp_path_factory.mktemp("seq2seq")
    return experiments.run("seq2seq", size="small", out_dir=str(out), seed=0)


def test_reversal_exact_match(results):
    s2s = results["seq2seq"]
    assert s2s["exact_match"]["value"] >= 0.95 and s2s["exact_match"]["n"] == 500
    assert s2s["exact_match"]["low"] <= s2s["exact_match"]["value"] <= s2s["exact_match"]["high"]
    assert s2s["losses"][-1] < 0.1 * s2s["losses"][0]


def test_causal_tagging(results):
    assert results["tagger"]["step_accuracy"]["value"] >= 0.98
    assert results["tagger"]["sequence_accuracy"]["value"] >= 0.8


def test_samples_differ_by_class(results):
    rates = np.asarray(results["generator"]["rates"])     # [label, property]
    own = np.diag(rates)
    assert own.min() >= 0.8                                # each label writes its own style
    off = rates[~np.eye(len(rates), dtype=bool)]
    assert off.max() <= 0.1                                # and rarely another's
    assert all(score["low"] > 10 * chance for score, chance in
               zip(results["generator"]["own"], results["generator"]["chance"]))


def test_table_figure_json(results):
    assert results["table"].count("\n") == 7              # header, rule, 1 + 1 + 4 rows
    (path,) = results["figures"]
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    json.dumps(results)
