"""`glassgrad train --resume RUN_DIR`: a training process killed with SIGKILL mid-run, then
resumed, reaches exactly the result of the same run left alone (same seed, same threads)."""
import csv
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from glassgrad import cli
from glassgrad.train import checkpoint

from cli_harness import ROOT, one_error_line, read_json, train

EPOCHS = 20          # the CNN on MNIST-1D: about 0.1 s an epoch, time enough to kill it
RUN = ["-m", "glassgrad", "train", "--model", "cnn", "--epochs", str(EPOCHS),
       "--val-fraction", "0.2", "--threads", "1", "--no-progress"]


def environment():
    return dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


def rows(path):
    try:
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))
    except FileNotFoundError:
        return []


def without_time(history):
    return {k: v for k, v in history.items() if k != "time"}


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_killed_run_resumed_equals_the_uninterrupted_run(tmp_path):
    pytest.importorskip("threadpoolctl")
    env = environment()
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    done = subprocess.run([sys.executable, *RUN, "--out", str(whole)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr

    job = subprocess.Popen([sys.executable, *RUN, "--out", str(cut)], env=env, cwd=tmp_path,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while len(rows(cut / "log.csv")) < 3 and job.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(job.pid, signal.SIGKILL)         # no handler, no cleanup: as a crash or an OOM kill
    job.wait(timeout=60)
    assert job.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert not (cut / "metrics.json").exists()
    stopped_at = checkpoint.read(cut / "checkpoint.npz")["metadata"]["fit"]["epoch"]
    assert 3 <= stopped_at < EPOCHS

    resumed = subprocess.run([sys.executable, "-m", "glassgrad", "train", "--resume", str(cut),
                              "--threads", "1", "--no-progress"], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=300, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming from {cut}" not in resumed.stdout           # fit is silent in the CLI
    assert f"resume: {cut}{os.sep}" in resumed.stdout

    a, b = read_json(whole / "metrics.json"), read_json(cut / "metrics.json")
    assert b["resumed"] is True and a["resumed"] is False
    assert b["test"] == a["test"]                           # accuracy, F1, loss, intervals
    assert without_time(b["history"]) == without_time(a["history"])
    assert b["args"] == dict(a["args"], out=str(cut))
    assert b["machine"]["blas_threads"] == 1
    assert [r["val_loss"] for r in rows(cut / "log.csv")] == \
        [r["val_loss"] for r in rows(whole / "log.csv")]
    for name in ("checkpoint.npz", "best.npz"):
        x, y = checkpoint.read(whole / name), checkpoint.read(cut / name)
        assert x["metadata"].get("epoch") == y["metadata"].get("epoch")
        for key in x["model"]:
            assert np.array_equal(x["model"][key]._data, y["model"][key]._data), (name, key)
    print(f"killed after epoch {stopped_at}; test accuracy {a['test']['accuracy']['value']} "
          f"both ways")


def test_resume_usage_errors(tmp_path, capsys):
    assert cli.main(["train", "--resume", str(tmp_path / "nowhere")]) == 2
    assert "no such run folder" in one_error_line(capsys.readouterr().err, "glassgrad train")
    assert cli.main(["train", "--resume", str(tmp_path), "--epochs", "3", "--seed", "1"]) == 2
    line = one_error_line(capsys.readouterr().err, "glassgrad train")
    assert "takes the run's own settings from its checkpoint; leave out --epochs, --seed" in line
    assert cli.main(["train", "--resume", str(tmp_path)]) == 2
    assert "no checkpoint.npz there" in one_error_line(capsys.readouterr().err,
                                                         "glassgrad train")
    finished = tmp_path / "finished"
    assert train(finished, epochs="1") == 0
    capsys.readouterr()
    assert cli.main(["train", "--resume", str(finished)]) == 2
    line = one_error_line(capsys.readouterr().err, "glassgrad train")
    assert "that run has finished" in line and f"glassgrad evaluate {finished}" in line


def test_an_unfinished_run_folder_is_named_as_such(tmp_path, capsys):
    out = tmp_path / "run"
    assert train(out, epochs="1") == 0
    os.remove(out / "metrics.json")          # as if it had been killed before the end
    capsys.readouterr()
    assert train(out, epochs="1") == 2
    line = one_error_line(capsys.readouterr().err, "glassgrad train")
    assert "already holds an unfinished run" in line
    assert f"`glassgrad train --resume {out}` to carry it on" in line


def test_ctrl_c_says_where_the_run_is_and_how_to_resume(tmp_path, monkeypatch, capsys):
    from glassgrad.cli import run_folder
    real = run_folder.score

    def interrupted(*args, **kwargs):        # Ctrl-C while the test set is being scored
        raise KeyboardInterrupt
    monkeypatch.setattr(run_folder, "score", interrupted)
    out = tmp_path / "run"
    assert train(out, epochs="2") == 130
    line = one_error_line(capsys.readouterr().err, "glassgrad train")
    assert line == (f"glassgrad train: error: interrupted: the run so far (epoch 2) is in "
                    f"{out}{os.sep}; `glassgrad train --resume {out}` carries it on")
    monkeypatch.setattr(run_folder, "score", real)
    assert cli.main(["train", "--resume", str(out), "--no-progress"]) == 0
    assert (out / "metrics.json").exists()
