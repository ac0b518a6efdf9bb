"""fit(run_dir=...) writes log.csv, checkpoint.npz and best.npz as it trains, and
fit(resume_from=...) carries on from the last checkpoint to the same result as a run that never
stopped (the SIGKILL test of the command is tests/cli/test_resume.py)."""
import csv

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn, optim
from glassgrad.data import DataLoader, TensorDataset
from glassgrad.train import EarlyStopping, checkpoint, fit
from glassgrad.train.checkpoint import CheckpointError


def blobs(n=240, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.normal(0.0, 1.0, (n, 4)) + y[:, None] * 0.8
    return x.astype(np.float32), y.astype(np.int64)


class Crash(Exception):
    pass


class CrashAfter:
    """A callback that fails at the end of one epoch, as a killed process would stop."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, state):
        if state.epoch == self.epoch:
            raise Crash(f"stopped at epoch {state.epoch}")


def setup(seed):
    """Fresh objects for one run; `seed` only sets the initial weights (resume replaces them)."""
    gg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 3))
    optimizer = optim.Adam(model.parameters(), lr=0.02)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    x, y = blobs()
    train = DataLoader(TensorDataset(x[:180], y[:180]), batch_size=32, shuffle=True,
                       generator=gg.Generator(7))
    val = DataLoader(TensorDataset(x[180:], y[180:]), batch_size=60)
    # Improvements under min_delta do not count: it keeps counting from epoch 1, so a resumed
    # run that forgot its count (or its best) would end with another state.
    stopper = EarlyStopping("val_loss", patience=50, min_delta=10.0)
    return model, optimizer, scheduler, train, val, stopper


def run(folder, seed=0, crash=None, resume=False, epochs=6):
    model, optimizer, scheduler, train, val, stopper = setup(seed)
    callbacks = [stopper] + ([CrashAfter(crash)] if crash else [])
    history = fit(model, train, nn.CrossEntropyLoss(), optimizer, epochs, val_loader=val,
                  scheduler=scheduler, callbacks=callbacks, max_grad_norm=5.0, verbose=0,
                  run_dir=folder, resume_from=folder if resume else None)
    return history, model, stopper


def without_time(history):
    return {k: v for k, v in history.items() if k != "time"}


def read_log(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_run_dir_gets_a_log_row_and_checkpoints_each_epoch(tmp_path):
    history, model, _ = run(tmp_path / "run")
    rows = read_log(tmp_path / "run" / "log.csv")
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3, 4, 5, 6]
    assert list(rows[0]) == list(history)
    assert [float(r["val_loss"]) for r in rows] == history["val_loss"]   # repr: bit for bit
    last = checkpoint.read(tmp_path / "run" / "checkpoint.npz")
    assert last["metadata"]["fit"]["epoch"] == 6
    assert last["scheduler"] is not None and last["optimizer"]["state"]
    best = checkpoint.read(tmp_path / "run" / "best.npz")
    best_epoch = int(np.argmin(history["val_loss"])) + 1
    assert best["metadata"]["epoch"] == best_epoch
    assert best["metadata"]["value"] == min(history["val_loss"])


def test_nothing_is_written_when_the_first_epoch_fails(tmp_path):
    with pytest.raises(Crash):
        run(tmp_path / "run", crash=1)
    assert not (tmp_path / "run").exists()


def test_resume_reaches_the_uninterrupted_result(tmp_path):
    whole, whole_model, whole_stopper = run(tmp_path / "whole")
    with pytest.raises(Crash):
        run(tmp_path / "cut", crash=4)            # epochs 1-3 saved, epoch 4 lost
    assert len(read_log(tmp_path / "cut" / "log.csv")) == 3
    # Different initial weights: resuming must replace everything with the saved state.
    resumed, resumed_model, resumed_stopper = run(tmp_path / "cut", seed=123, resume=True)
    assert without_time(resumed) == without_time(whole)          # exactly, every epoch
    for (name, a), (_, b) in zip(whole_model.state_dict().items(),
                                 resumed_model.state_dict().items()):
        assert np.array_equal(a._data, b._data), name
    assert resumed_stopper.state_dict() == whole_stopper.state_dict()
    assert whole_stopper.best_epoch == 1 and whole_stopper.wait == 5
    assert [r["loss"] for r in read_log(tmp_path / "cut" / "log.csv")] == \
        [r["loss"] for r in read_log(tmp_path / "whole" / "log.csv")]
    assert checkpoint.read(tmp_path / "cut" / "best.npz")["metadata"]["epoch"] == \
        checkpoint.read(tmp_path / "whole" / "best.npz")["metadata"]["epoch"]


def test_resume_after_early_stopping_trains_no_more(tmp_path):
    gg.manual_seed(0)
    model, optimizer, _, train, val, _ = setup(0)
    stopper = EarlyStopping("val_loss", patience=0)   # stops at the first epoch that is no better
    history = fit(model, train, nn.CrossEntropyLoss(), optimizer, 30, val_loader=val,
                  callbacks=[stopper], verbose=0, run_dir=tmp_path)
    assert len(history["epoch"]) < 30
    model, optimizer, _, train, val, _ = setup(0)
    again = fit(model, train, nn.CrossEntropyLoss(), optimizer, 30, val_loader=val,
                callbacks=[EarlyStopping("val_loss", patience=0)], verbose=0,
                resume_from=tmp_path)
    assert again["epoch"] == history["epoch"]


def test_resume_errors_say_what_differs(tmp_path):
    run(tmp_path / "run", epochs=1)
    model, optimizer, scheduler, train, val, stopper = setup(0)
    loss = nn.CrossEntropyLoss()
    with pytest.raises(ValueError, match="holds a scheduler's state, but fit was given no "
                                         "scheduler; resume with the same objects"):
        fit(model, train, loss, optimizer, 2, val_loader=val, callbacks=[stopper],
            verbose=0, resume_from=tmp_path / "run")
    with pytest.raises(ValueError, match=r"saved with the callbacks \[EarlyStopping\] but fit "
                                         r"was given \[\]"):
        fit(model, train, loss, optimizer, 2, val_loader=val, scheduler=scheduler, verbose=0,
            resume_from=tmp_path / "run")
    with pytest.raises(ValueError, match="recorded epoch, loss, accuracy, val_loss, "
                                         "val_accuracy, lr, grad_norm, time, this call would "
                                         "record epoch, loss, accuracy, val_loss, val_accuracy, "
                                         "lr, time"):
        fit(model, train, loss, optimizer, 2, val_loader=val, scheduler=scheduler,
            callbacks=[stopper], verbose=0, resume_from=tmp_path / "run")
    with pytest.raises(FileNotFoundError, match="no checkpoint there"):
        fit(model, train, loss, optimizer, 2, verbose=0, resume_from=tmp_path / "nothing")
    checkpoint.save(tmp_path / "plain.npz", model)
    with pytest.raises(CheckpointError, match="not one fit\\(run_dir=...\\) wrote"):
        fit(model, train, loss, optimizer, 2, verbose=0, resume_from=tmp_path / "plain.npz")
