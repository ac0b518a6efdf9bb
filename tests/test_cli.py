"""The `glassgrad` command: `train` fits the demo and the loss falls; arguments are checked."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from glassgrad import cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _losses(text):
    return [float(v) for v in re.findall(r"^epoch\s+\d+/\d+\s+loss ([0-9.]+)", text, flags=re.M)]


def test_train_in_process_loss_falls_and_accuracy_is_high(capsys):
    assert cli.main(["train", "--epochs", "60", "--seed", "0"]) == 0
    out = capsys.readouterr().out
    losses = _losses(out)
    assert len(losses) == 60
    assert losses[-1] < 0.25 * losses[0]
    assert np.mean(losses[-5:]) < np.mean(losses[:5])
    accuracy = float(re.search(r"test accuracy ([0-9.]+)% on 120 held-out points", out).group(1))
    assert accuracy >= 95.0


def test_train_moons_sgd_and_options(capsys):
    assert cli.main(["train", "--dataset", "moons", "--epochs", "8", "--optimizer", "sgd",
                     "--lr", "0.05", "--momentum", "0.8", "--batch-size", "16", "--hidden", "8",
                     "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "MLP 2-8-8-2 (114 parameters)" in out and "batch 16" in out
    assert "SGD lr=0.05 momentum=0.8" in out
    losses = _losses(out)
    assert len(losses) == 8 and losses[-1] < losses[0]


def test_train_default_optimizer_is_adam(capsys):
    assert cli.main(["train", "--epochs", "1"]) == 0
    assert "Adam lr=0.01," in capsys.readouterr().out


def test_fit_demo_is_deterministic_per_seed_and_float32():
    quiet = lambda line: None  # noqa: E731
    a = cli.fit_demo(epochs=3, seed=1, log=quiet)
    b = cli.fit_demo(epochs=3, seed=1, log=quiet)
    c = cli.fit_demo(epochs=3, seed=2, log=quiet)
    assert a["losses"] == b["losses"]
    assert a["losses"] != c["losses"]
    for name, p in a["model"].named_parameters():
        assert p.dtype == np.float32, name
        assert p.grad.dtype == np.float32, name


def test_generated_data_sets():
    import glassgrad as gg
    for make in (cli.two_spirals, cli.two_moons):
        x, y = make(200, generator=gg.Generator(0))
        assert x.shape == (200, 2) and x.dtype == np.float32
        assert y.shape == (200,) and y.dtype == np.int64 and set(y.tolist()) == {0, 1}
        assert np.abs(x).max() < 2.0
        x2, _ = make(200, generator=gg.Generator(0))
        assert np.array_equal(x, x2)
    # without noise each point lies on its arm: angle = 3π r + π label (mod 2π)
    x, y = cli.two_spirals(400, noise=0.0, generator=gg.Generator(0))
    r = np.hypot(x[:, 0], x[:, 1])
    assert r.max() <= 1.0 + 1e-6
    expected = 3 * np.pi * r + np.pi * y
    difference = np.angle(np.exp(1j * (np.arctan2(x[:, 1], x[:, 0]) - expected)))
    assert np.abs(difference).max() < 1e-3


@pytest.mark.parametrize("argv, message", [
    (["train", "--epochs", "0"], r"--epochs must be greater than 0, got 0"),
    (["train", "--lr", "abc"], r"--lr expects a number \(float\), got 'abc'"),
    (["train", "--dataset", "mnist"], r"invalid choice: 'mnist'"),
    (["train", "--optimizer", "lbfgs"], r"invalid choice: 'lbfgs'"),
    ([], r"the following arguments are required: command"),
    (["nonsense"], r"invalid choice: 'nonsense'"),
])
def test_bad_arguments_exit_2_with_a_message(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    assert re.search(message, capsys.readouterr().err)


def test_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for name in cli.COMMANDS:
        assert name in out
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    out = capsys.readouterr().out
    for option in ("--epochs", "--seed", "--lr"):
        assert option in out


def test_fit_demo_rejects_unknown_dataset_and_optimizer():
    with pytest.raises(ValueError, match=r"train: dataset must be one of spirals, moons, got 'x'"):
        cli.fit_demo(epochs=1, dataset="x", log=lambda line: None)
    with pytest.raises(ValueError, match=r"train: optimizer must be one of adam, sgd, got 'y'"):
        cli.fit_demo(epochs=1, optimizer="y", log=lambda line: None)


def test_python_dash_m_glassgrad_train():
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run([sys.executable, "-m", "glassgrad", "train", "--epochs", "2"],
                            capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    losses = _losses(result.stdout)
    assert len(losses) == 2 and losses[1] < losses[0]
    assert "test accuracy" in result.stdout
