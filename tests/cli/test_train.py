"""`glassgrad train`: it writes a run folder and prints test scores with CIs (and `glassgrad
evaluate` re-scores it); every bad input is one line on stderr with the right exit status, and
leaves an existing run folder as it was."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from glassgrad import cli
from glassgrad.cli import builders, run_folder
from glassgrad.models import LogisticRegression
from glassgrad.train import checkpoint

from cli_harness import CI_LINE, HAS_MATPLOTLIB, ROOT, one_error_line, read_json, snapshot, train


# --- train and evaluate ----------------------------------------------------------------------
@pytest.mark.parametrize("data", ["mnist1d", "digits"])
@pytest.mark.parametrize("model", builders.MODELS)
def test_train_writes_the_run_and_evaluate_rescores_it(data, model, tmp_path, capsys):
    out = tmp_path / "run"
    assert train(out, data=data, model=model) == 0
    printed = capsys.readouterr().out
    value, low, high, n = CI_LINE.search(printed).groups()
    assert float(low) <= float(value) <= float(high)
    assert int(n) == {"mnist1d": 1000, "digits": 359}[data]
    assert f"wrote {out}" in printed
    assert re.search(r"^epoch 2/2  loss \d\.\d{4}  accuracy \d\.\d{4}", printed, re.MULTILINE)

    if HAS_MATPLOTLIB:
        assert set(os.listdir(out)) == {"metrics.json", "curves.png", "checkpoint.npz",
                                        "log.csv"}
        with open(out / "curves.png", "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    else:
        assert set(os.listdir(out)) == {"metrics.json", "checkpoint.npz", "log.csv"}
    metrics = read_json(out / "metrics.json")
    assert metrics["args"]["model"] == model and metrics["args"]["data"] == data
    assert metrics["args"]["epochs"] == 2 and metrics["seed"] == 0
    assert metrics["glassgrad_version"] and metrics["duration_s"]["train"] > 0
    assert metrics["history"]["epoch"] == [1, 2] and len(metrics["history"]["accuracy"]) == 2
    accuracy = metrics["test"]["accuracy"]
    assert accuracy["value"] == pytest.approx(float(value), abs=5e-4)
    assert accuracy["low"] < accuracy["value"] < accuracy["high"]
    assert "f1" in metrics["test"]

    saved = checkpoint.read(out / "checkpoint.npz")
    meta = saved["metadata"][run_folder.RUN_KEY]
    assert meta["model"] == model and meta["num_classes"] == 10
    assert all(array._data.dtype == np.float32 for array in saved["model"].values())

    assert cli.main(["evaluate", str(out)]) == 0
    again = capsys.readouterr().out
    assert CI_LINE.search(again).group(1) == value
    assert "the same as the test accuracy saved at training" in again


def test_default_out_folder_and_validation_curves(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "--model", "mlp", "--epochs", "1", "--val-fraction", "0.2",
                     "--no-progress"]) == 0
    (folder,) = os.listdir(tmp_path / "runs")
    assert re.fullmatch(r"mnist1d-mlp-\d{8}-\d{6}", folder)
    metrics = read_json(tmp_path / "runs" / folder / "metrics.json")
    assert metrics["data"] == {"name": "mnist1d", "train": 3200, "validation": 800,
                               "test": 1000}
    assert len(metrics["history"]["val_accuracy"]) == 1
    assert "3,200 training / 800 validation" in capsys.readouterr().out


def test_defaults_are_the_mnist1d_papers_settings_and_batches_in_order_match_reproduce(
        tmp_path, capsys):
    from glassgrad.data.datasets import load_mnist1d
    from glassgrad.experiments import mnist1d_baselines
    mnist1d = builders.SETTINGS["mnist1d"]
    assert (mnist1d["optimizer"], mnist1d["lr"], mnist1d["batch_size"]) == \
        ("adam", mnist1d_baselines.TRAINING["lr"], mnist1d_baselines.TRAINING["batch_size"])
    assert mnist1d["epochs"] * 4000 // mnist1d["batch_size"] == \
        mnist1d_baselines.TRAINING["steps"]
    assert cli.main(["train", "--model", "logreg", "--epochs", "2", "--no-shuffle", "--seed",
                     "42", "--no-progress", "--out", str(tmp_path / "r")]) == 0
    ours = read_json(tmp_path / "r" / "metrics.json")["test"]["accuracy"]["value"]
    _, score, _ = mnist1d_baselines.train_one("logistic", load_mnist1d(), steps=80, seed=42)
    assert ours == score.value


def test_train_on_a_npz_file_and_other_optimizer(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 6)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    path = tmp_path / "mine.npz"
    np.savez(path, x_train=x[:200], y_train=y[:200], x_test=x[200:], y_test=y[200:])
    out = tmp_path / "r"
    assert train(out, "--optimizer", "sgd", "--lr", "0.05", "--batch-size", "20",
                 data=str(path), model="mlp", epochs="5") == 0
    printed = capsys.readouterr().out
    assert "2 classes" in printed and "sgd lr 0.05, momentum 0.9, batch 20" in printed
    assert float(CI_LINE.search(printed).group(1)) > 0.9       # a linear rule, easy
    assert cli.main(["evaluate", str(out / "checkpoint.npz")]) == 0


def test_without_matplotlib_the_png_is_skipped_with_a_note(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)        # import matplotlib fails
    assert train(tmp_path / "r", epochs="1") == 0
    assert "note: curves.png skipped: matplotlib is not installed (pip install " \
        "'glassgrad[cli]' installs what the command uses)" in capsys.readouterr().out
    assert set(os.listdir(tmp_path / "r")) == {"metrics.json", "checkpoint.npz", "log.csv"}


def test_existing_run_is_kept_unless_overwrite(existing_run, capsys):
    before = snapshot(existing_run)
    capsys.readouterr()
    assert train(existing_run) == 2
    line = one_error_line(capsys.readouterr().err, "glassgrad train")
    assert "already holds a run" in line and "--overwrite" in line
    assert snapshot(existing_run) == before


def test_overwrite_replaces_the_files(tmp_path, capsys):
    out = tmp_path / "r"
    assert train(out, epochs="1") == 0
    first = read_json(out / "metrics.json")
    assert train(out, "--overwrite", "--seed", "3", epochs="1") == 0
    assert read_json(out / "metrics.json")["seed"] == 3 != first["seed"]
    assert not [f for f in os.listdir(out) if f.endswith(".tmp")]


# --- bad input: one line, exit status, nothing lost --------------------------------------------
def _npz(path, x_train=None, y_train=None, x_test=None, y_test=None, **extra):
    rng = np.random.default_rng(1)
    arrays = {"x_train": rng.normal(size=(50, 40)).astype(np.float32),
              "y_train": rng.integers(0, 10, 50), "x_test": rng.normal(size=(20, 40)),
              "y_test": rng.integers(0, 10, 20)}
    given = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    arrays.update({k: v for k, v in given.items() if v is not None}, **extra)
    np.savez(path, **arrays)
    return str(path)


def _nan(tmp_path):
    x = np.ones((50, 40), np.float32)
    x[7, 3] = np.nan
    return _npz(tmp_path / "nan.npz", x_train=x)


BAD_DATA = {   # name -> (make the .npz, words the message must hold)
    "nan": (_nan, ["not finite", "index (7, 3)", "Clean or impute"]),
    "labels out of range": (
        lambda p: _npz(p / "labels.npz", y_test=np.full(20, 12), num_classes=10),
        ["labels must lie in [0, 10)", "class indices"]),
    "negative labels": (lambda p: _npz(p / "negative.npz", y_train=np.full(50, -1)),
                        ["labels must lie in"]),
    "train and test shapes differ": (
        lambda p: _npz(p / "shapes.npz", x_test=np.zeros((20, 30), np.float32)),
        ["(40,)", "(30,)", "same sample shape"]),
    "missing arrays": (lambda p: np.savez(p / "few.npz", x_train=np.zeros((3, 2))) or
                       str(p / "few.npz"), ["lacks y_train, x_test, y_test"]),
    "diverging loss": (lambda p: _npz(p / "huge.npz", x_train=np.full((50, 40), 3e38,
                                                                         np.float32)),
                       ["the loss is", "lower the learning rate"]),
}


@pytest.mark.parametrize("case", list(BAD_DATA))
def test_bad_data_is_one_line_exit_1_and_the_run_folder_is_intact(case, existing_run, tmp_path,
                                                                   capsys, recwarn):
    make, words = BAD_DATA[case]
    path = make(tmp_path)
    before = snapshot(existing_run)
    capsys.readouterr()
    # --overwrite: even allowed to replace them, a failed run leaves the old files alone.
    assert train(existing_run, "--overwrite", data=path, model="mlp", epochs="1") == 1
    line = one_error_line(capsys.readouterr().err, "glassgrad train")
    for word in words:
        assert word in line
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]   # no more lines
    assert snapshot(existing_run) == before


def test_failed_run_leaves_no_new_folder(tmp_path, capsys):
    out = tmp_path / "new"
    assert train(out, data=_nan(tmp_path)) == 1
    assert not out.exists()


def test_a_failure_after_training_keeps_the_checkpoint_and_says_how_to_resume(
        tmp_path, monkeypatch, capsys):
    real = run_folder.write_json

    def disk_full(path, value):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(run_folder, "write_json", disk_full)
    out = tmp_path / "new"
    assert train(out, epochs="2") == 1
    line = one_error_line(capsys.readouterr().err, "glassgrad train")
    assert "No space left on device" in line
    assert f"the run so far (epoch 2) is in {out}{os.sep}; `glassgrad train --resume {out}` " \
           "carries it on" in line
    assert {"checkpoint.npz", "log.csv"} <= set(os.listdir(out))
    assert "metrics.json" not in os.listdir(out)
    monkeypatch.setattr(run_folder, "write_json", real)         # the disk has room again
    assert cli.main(["train", "--resume", str(out), "--no-progress"]) == 0
    assert read_json(out / "metrics.json")["history"]["epoch"] == [1, 2]


def test_a_batch_that_does_not_fit_the_model(existing_run, tmp_path, monkeypatch, capsys):
    before = snapshot(existing_run)
    monkeypatch.setattr(builders, "build_model",                  # a model built for 30 inputs
                        lambda name, shape, classes: LogisticRegression(30, classes))
    assert train(existing_run, "--overwrite", epochs="1") == 1
    line = one_error_line(capsys.readouterr().err, "glassgrad train")
    assert "inputs of shape (100, 40)" in line and "expected" in line
    assert snapshot(existing_run) == before


@pytest.mark.parametrize("argv, words", [
    (["--data", "cifar10"], ["unknown data set 'cifar10'", "mnist1d, digits, fashion-mnist"]),
    (["--model", "vgg"], ["invalid choice: 'vgg'", "--help"]),
    (["--optimizer", "adagrad"], ["invalid choice: 'adagrad'"]),
    (["--epochs", "0"], ["--epochs must be greater than 0"]),
    (["--lr", "fast"], ["--lr expects a number"]),
    (["--val-fraction", "1.5"], ["--val-fraction must be in [0, 1)"]),
    (["--data", "missing.npz"], ["'missing.npz': no such file"]),
    (["--colour", "red"], ["unrecognized arguments: --colour red"]),
])
def test_usage_errors_exit_2_in_one_line(argv, words, existing_run, capsys):
    before = snapshot(existing_run)
    assert cli.main(["train", "--out", str(existing_run), "--overwrite", *argv]) == 2
    line = one_error_line(capsys.readouterr().err, "glassgrad train")
    for word in words:
        assert word in line
    assert snapshot(existing_run) == before


def test_fashion_mnist_absent(existing_run, tmp_path, monkeypatch, capsys):
    from glassgrad.data.datasets import idx
    monkeypatch.setattr(idx, "FASHION_MNIST_DIR", str(tmp_path / "nowhere"))
    before = snapshot(existing_run)
    assert train(existing_run, "--overwrite", data="fashion-mnist") == 1
    line = one_error_line(capsys.readouterr().err, "glassgrad train")
    assert "no train-images-idx3-ubyte" in line and "apt-get install dataset-fashion-mnist" in line
    assert snapshot(existing_run) == before


def test_python_m_glassgrad_train_subprocess(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-m", "glassgrad", "train", "--epochs", "1",
                           "--model", "logreg", "--out", str(tmp_path / "r")],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert CI_LINE.search(done.stdout)
    assert "Traceback" not in done.stderr and (tmp_path / "r" / "checkpoint.npz").exists()
    bad = subprocess.run([sys.executable, "-m", "glassgrad", "train", "--model", "vgg"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
                         check=False)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
