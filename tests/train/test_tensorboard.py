"""TensorBoard event files from fit: written each epoch, read back record by record
(event_files.read_scalars)."""
import os
import sys
import time

import numpy as np
import pytest

from glassgrad import nn, optim
from glassgrad.data import DataLoader, TensorDataset
from glassgrad.train import TensorBoard, fit, tensorboard

from event_files import read_scalars
from test_loop import linear_model, loaders


def test_fit_writes_train_and_validation_scalars_each_epoch(tmp_path):
    pytest.importorskip("tensorboardX")
    train, val = loaders()
    model = linear_model()
    history = fit(model, train, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05),
                  epochs=3, val_loader=val, verbose=0, tensorboard=tmp_path / "tb")
    written = read_scalars(tmp_path / "tb" / "train")
    assert set(written) == {"epoch_loss", "epoch_accuracy", "epoch_lr", "epoch_time"}
    for key in ("loss", "accuracy", "lr", "time"):
        steps, values = zip(*written[f"epoch_{key}"])
        assert steps == (1, 2, 3)
        np.testing.assert_allclose(values, history[key], rtol=1e-6)   # stored as float32
    validation = read_scalars(tmp_path / "tb" / "validation")
    assert set(validation) == {"epoch_loss", "epoch_accuracy"}
    np.testing.assert_allclose([v for _, v in validation["epoch_loss"]], history["val_loss"],
                               rtol=1e-6)


def test_the_events_reach_the_disk_while_training_runs(tmp_path):
    """TensorBoard shows a run as it goes: each epoch's numbers are on disk within seconds
    (tensorboardX writes from its own thread, told to flush every second)."""
    pytest.importorskip("tensorboardX")
    seen = []

    class Look:
        def on_epoch_end(self, state):
            deadline = time.monotonic() + 10
            while True:
                losses = read_scalars(tmp_path / "train").get("epoch_loss", [])
                if len(losses) == state.epoch or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            seen.append(losses)

    train, _ = loaders()
    model = linear_model()
    writer = TensorBoard(tmp_path)
    fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), epochs=2,
        verbose=0, callbacks=[writer, Look()])
    assert [len(s) for s in seen] == [1, 2]
    assert not os.path.exists(tmp_path / "validation")       # no val_loader: no validation run


def test_without_tensorboardx_the_error_names_the_extra_before_training(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)    # as if not installed
    model = linear_model()
    x = np.zeros((4, 2), np.float32)
    loader = DataLoader(TensorDataset(x, np.zeros(4, np.int64)), batch_size=2)
    calls = []
    model.register_forward_hook(lambda *args: calls.append(1))
    with pytest.raises(ImportError, match=r"pip install 'glassgrad\[tensorboard\]'"):
        fit(model, loader, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
            epochs=1, verbose=0, tensorboard=tmp_path / "tb")
    assert calls == [] and not os.path.exists(tmp_path / "tb")
    assert tensorboard.INSTALL in str(pytest.raises(ImportError, TensorBoard, tmp_path).value)
