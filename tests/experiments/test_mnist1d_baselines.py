"""The MNIST-1D baselines: the paper's models by name (parameter counts as in the reference),
the table, the command line, the registered experiment, and (slow) a short training run that
ranks the models as the paper does. The architectures themselves: tests/models/."""
import os

import pytest

import glassgrad as gg
from glassgrad import experiments
from glassgrad.experiments import mnist1d_baselines
from glassgrad.train.metrics import Score


@pytest.mark.parametrize("name,count", [("logistic", 410), ("mlp", 15210), ("cnn", 5210)])
def test_parameter_counts_match_the_reference(name, count):
    model = mnist1d_baselines.build(name)
    assert sum(p.numel() for p in model.parameters()) == count
    assert model(gg.randn(3, 40)).shape == (3, 10)


def test_unknown_model():
    with pytest.raises(ValueError, match="unknown MNIST-1D model 'gru'; known: logistic, mlp, "
                                         "cnn"):
        mnist1d_baselines.build("gru")


def test_table_and_errors():
    rows = [{"model": "cnn", "paper": 0.94, "score": Score("accuracy", 0.931, 0.914, 0.945, 1000),
             "seconds": 61.2, "steps": 6000}]
    lines = mnist1d_baselines.table(rows).splitlines()
    assert lines[0].startswith("| model | paper | measured (95% CI, n=1000) |")
    assert lines[2] == "| CNN | 94% | 93.1% (91.4–94.5%) | -0.9 points | 6,000 | 61 s |"
    with pytest.raises(ValueError, match="size must be one of full, small, got 'tiny'"):
        mnist1d_baselines.reproduce("tiny")


def test_command_line_help(capsys):
    with pytest.raises(SystemExit) as info:
        mnist1d_baselines.main(["--help"])
    assert info.value.code == 0
    assert "--size {full,small}" in capsys.readouterr().out


def test_command_line_runs_and_prints_the_table(capsys):
    assert mnist1d_baselines.main(["--size", "small", "--models", "logistic"]) == 0
    out = capsys.readouterr().out
    assert "1,000 steps per model, seed 42" in out
    assert "| logistic regression | 32% |" in out


@pytest.mark.slow
def test_small_run_ranks_the_models_as_the_paper():
    """1,000 steps each (a sixth of the paper's): logistic regression is already at its
    plateau (~32%), the MLP and the CNN well on their way (paper: 68% and 94%)."""
    lines = []
    rows = mnist1d_baselines.reproduce("small", log=lines.append)
    scores = {row["model"]: row["score"] for row in rows}
    assert [row["steps"] for row in rows] == [1000] * 3
    assert all(score.n == 1000 and score.low < score.value < score.high
               for score in scores.values())
    assert abs(scores["logistic"].value - 0.32) < 0.04
    assert scores["logistic"].value < 0.40
    assert 0.55 < scores["mlp"].value < scores["cnn"].value
    assert scores["cnn"].value > 0.80
    assert lines[2].startswith("CNN: test accuracy 0.")


def test_registered_experiment_returns_the_scores_and_draws_the_figure(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.setitem(mnist1d_baselines.STEPS, "small", 40)      # one epoch each: seconds
    assert "mnist1d_baselines" in experiments.list_experiments()
    results = experiments.run("mnist1d_baselines", size="small", out_dir=str(tmp_path), seed=0)
    assert results["steps"] == 40 and list(results["models"]) == ["logistic", "mlp", "cnn"]
    for name, row in results["models"].items():
        assert row["paper"] == mnist1d_baselines.PAPER_ACCURACY[name]
        assert row["n"] == 1000 and row["low"] <= row["accuracy"] <= row["high"]
    assert results["table"].splitlines()[2].startswith("| logistic regression | 32% |")
    assert results["figures"] == [os.path.join(str(tmp_path), "mnist1d_baselines.png")]
    with open(results["figures"][0], "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    # the same scores as reproduce() with the same seed
    rows = mnist1d_baselines.reproduce("small", models=("logistic",), seed=0, log=lambda _: None)
    assert rows[0]["score"].value == results["models"]["logistic"]["accuracy"]
