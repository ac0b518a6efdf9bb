"""`glassgrad train --tensorboard [DIR]`: event files each epoch, read back; without
tensorboardX, one line naming the extra before anything is trained or written."""
import os
import sys

import pytest

from glassgrad import cli

from cli_harness import one_error_line, read_json, train

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "train"))
from event_files import read_scalars  # noqa: E402


def test_tensorboard_events_in_the_run_folder(tmp_path, capsys):
    pytest.importorskip("tensorboardX")
    out = tmp_path / "run"
    assert train(out, "--tensorboard", "--val-fraction", "0.2", epochs="3") == 0
    printed = capsys.readouterr().out
    folder = out / "tensorboard"
    assert f"TensorBoard events in {folder}{os.sep}: tensorboard --logdir {folder}" in printed
    history = read_json(out / "metrics.json")["history"]
    scalars = read_scalars(folder / "train")
    assert [step for step, _ in scalars["epoch_loss"]] == [1, 2, 3]
    assert scalars["epoch_accuracy"][-1][1] == pytest.approx(history["accuracy"][-1], rel=1e-6)
    validation = read_scalars(folder / "validation")
    assert validation["epoch_loss"][-1][1] == pytest.approx(history["val_loss"][-1], rel=1e-6)
    # recorded with the run's arguments, so `--resume` carries on writing there
    assert read_json(out / "metrics.json")["args"]["tensorboard"] == str(folder)


def test_tensorboard_into_a_folder_of_ones_own(tmp_path, capsys):
    pytest.importorskip("tensorboardX")
    assert train(tmp_path / "run", "--tensorboard", str(tmp_path / "tb"), epochs="1") == 0
    assert [s for s, _ in read_scalars(tmp_path / "tb" / "train")["epoch_loss"]] == [1]
    assert not (tmp_path / "run" / "tensorboard").exists()


def test_without_tensorboardx_one_line_and_nothing_written(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)      # as if not installed
    assert train(tmp_path / "run", "--tensorboard", epochs="1") == 2
    line = one_error_line(capsys.readouterr().err, "glassgrad train")
    assert "--tensorboard" in line and "pip install 'glassgrad[tensorboard]'" in line
    assert not (tmp_path / "run").exists()


def test_resume_takes_the_tensorboard_folder_from_the_run(tmp_path, capsys):
    assert cli.main(["train", "--resume", str(tmp_path), "--tensorboard"]) == 2
    assert "leave out --tensorboard" in one_error_line(capsys.readouterr().err,
                                                       "glassgrad train")
