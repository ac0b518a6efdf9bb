"""The MNIST-1D baselines: the paper's architectures (parameter counts as in the reference),
the table, the command line, and (slow) a short training run that ranks the models as the
paper does."""
import pytest

import glassgrad as gg
from glassgrad.train import reproduce_mnist1d, zoo
from glassgrad.train.metrics import Score


@pytest.mark.parametrize("name,count", [("logistic", 410), ("mlp", 15210), ("cnn", 5210)])
def test_parameter_counts_match_the_reference(name, count):
    model = zoo.build(name)
    assert sum(p.numel() for p in model.parameters()) == count
    assert model(gg.randn(3, 40)).shape == (3, 10)


def test_cnn_shapes_and_mlp_residual():
    cnn = zoo.MNIST1DCNN()
    assert cnn.linear.in_features == 125                   # 25 channels x length 5
    assert cnn(gg.randn(2, 1, 40)).shape == (2, 10)
    assert zoo.MNIST1DCNN(length=50).linear.in_features == 25 * 6
    mlp = zoo.MNIST1DMLP()
    x = gg.randn(4, 40)
    with gg.no_grad():
        mlp.linear2.weight.fill_(0.0)
        mlp.linear2.bias.fill_(0.0)
        h = mlp.linear1(x).relu()
        assert gg.allclose(mlp(x), mlp.linear3(h))         # relu(0) = 0: the skip path alone
    with pytest.raises(ValueError, match="unknown MNIST-1D model 'gru'; known: logistic, mlp, "
                                         "cnn"):
        zoo.build("gru")


def test_table_and_errors():
    rows = [{"model": "cnn", "paper": 0.94, "score": Score("accuracy", 0.931, 0.914, 0.945, 1000),
             "seconds": 61.2, "steps": 6000}]
    lines = reproduce_mnist1d.table(rows).splitlines()
    assert lines[0].startswith("| model | paper | measured (95% CI, n=1000) |")
    assert lines[2] == "| CNN | 94% | 93.1% (91.4–94.5%) | -0.9 points | 6,000 | 61 s |"
    with pytest.raises(ValueError, match="size must be one of full, small, got 'tiny'"):
        reproduce_mnist1d.reproduce("tiny")


def test_command_line_help(capsys):
    with pytest.raises(SystemExit) as info:
        reproduce_mnist1d.main(["--help"])
    assert info.value.code == 0
    assert "--size {full,small}" in capsys.readouterr().out


def test_command_line_runs_and_prints_the_table(capsys):
    assert reproduce_mnist1d.main(["--size", "small", "--models", "logistic"]) == 0
    out = capsys.readouterr().out
    assert "1,000 steps per model, seed 42" in out
    assert "| logistic regression | 32% |" in out


@pytest.mark.slow
def test_small_run_ranks_the_models_as_the_paper():
    """1,000 steps each (a sixth of the paper's): logistic regression is already at its
    plateau (~32%), the MLP and the CNN well on their way (paper: 68% and 94%)."""
    lines = []
    rows = reproduce_mnist1d.reproduce("small", log=lines.append)
    scores = {row["model"]: row["score"] for row in rows}
    assert [row["steps"] for row in rows] == [1000] * 3
    assert all(score.n == 1000 and score.low < score.value < score.high
               for score in scores.values())
    assert abs(scores["logistic"].value - 0.32) < 0.04
    assert scores["logistic"].value < 0.40
    assert 0.55 < scores["mlp"].value < scores["cnn"].value
    assert scores["cnn"].value > 0.80
    assert lines[2].startswith("CNN: test accuracy 0.")
