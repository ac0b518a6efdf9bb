"""fit and evaluate: history, modes and no_grad, clipping, schedulers, callbacks, progress bar
and its fallback, plots, and errors that say which batch and what was wrong."""
import io
import math
import sys

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn, optim
from glassgrad.data import DataLoader, TensorDataset
from glassgrad.train import (BestCheckpoint, EarlyStopping, checkpoint, evaluate, fit, metrics,
                             progress)


def blobs(n=200, seed=0):
    """Two Gaussian blobs in 2-D, labels 0/1: a linear model separates them."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(0.0, 0.7, (n, 2)) + np.where(y[:, None] == 1, 1.5, -1.5)
    return x.astype(np.float32), y.astype(np.int64)


def loaders(n=200, batch_size=32):
    x, y = blobs(n)
    train = DataLoader(TensorDataset(x[:150], y[:150]), batch_size=batch_size, shuffle=True,
                       generator=gg.Generator(0))
    val = DataLoader(TensorDataset(x[150:], y[150:]), batch_size=batch_size)
    return train, val


def linear_model(seed=0):
    gg.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))


class Recorder(nn.Module):
    """Wraps a model; records (training flag, grad enabled) at every forward."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.calls = []

    def forward(self, x):
        self.calls.append((self.training, gg.is_grad_enabled()))
        return self.inner(x)


def test_fit_learns_and_returns_the_history():
    train, val = loaders()
    model = linear_model()
    lines = []
    history = fit(model, train, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05),
                  epochs=5, val_loader=val, metrics=["accuracy", "f1"], log=lines.append,
                  verbose=2)
    assert list(history) == ["epoch", "loss", "accuracy", "f1", "val_loss", "val_accuracy",
                             "val_f1", "lr", "time"]
    assert history["epoch"] == [1, 2, 3, 4, 5]
    assert all(len(v) == 5 for v in history.values())
    assert history["loss"][-1] < history["loss"][0] / 2
    assert history["val_accuracy"][-1] > 0.95
    assert history["lr"] == [0.05] * 5
    assert len(lines) == 5 and lines[0].startswith("epoch 1/5  loss ")
    assert "val_accuracy" in lines[-1] and lines[-1].endswith(" s)")
    assert all(isinstance(v, float) for v in history["val_f1"])


def test_default_metrics_and_silence(capsys):
    train, _ = loaders()
    model = linear_model()
    history = fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                  epochs=1, verbose=0)
    assert "accuracy" in history                            # a classification loss: accuracy
    assert capsys.readouterr().out == ""
    regression = fit(nn.Linear(2, 1), DataLoader(TensorDataset(gg.randn(8, 2), gg.randn(8, 1)),
                                                 batch_size=4),
                     nn.MSELoss(), optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1), 1,
                     verbose=0)
    assert list(regression) == ["epoch", "loss", "lr", "time"]


def test_train_mode_for_training_eval_mode_and_no_grad_for_validation():
    train, val = loaders()
    model = Recorder(linear_model())
    fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), epochs=2,
        val_loader=val, verbose=0)
    batches, val_batches = len(train), len(val)
    per_epoch = [(True, True)] * batches + [(False, False)] * val_batches
    assert model.calls == per_epoch * 2
    model.calls.clear()
    model.train()
    evaluate(model, val, ["accuracy"])
    assert model.calls == [(False, False)] * val_batches
    assert model.training                                  # the caller's mode is restored
    model.eval()
    evaluate(model, val)
    assert not model.training


def test_gradient_clipping_bounds_the_step():
    x, y = blobs(32)
    loader = DataLoader(TensorDataset(x, y), batch_size=32)
    model = linear_model()
    before = [p._data.copy() for p in model.parameters()]
    history = fit(model, loader, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=1.0),
                  epochs=1, max_grad_norm=1e-3, verbose=0)
    step = math.sqrt(sum(float(((p._data - b) ** 2).sum())
                         for p, b in zip(model.parameters(), before)))
    assert step == pytest.approx(1e-3, rel=1e-3)            # lr · max_norm exactly
    assert history["grad_norm"][0] > 1e-2                   # the norm before clipping


def test_schedulers_are_stepped_per_epoch_and_plateau_gets_the_metric():
    train, val = loaders()
    model = linear_model()
    optimizer = optim.SGD(model.parameters(), lr=1.0)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    history = fit(model, train, nn.CrossEntropyLoss(), optimizer, epochs=3, scheduler=scheduler,
                  verbose=0)
    assert history["lr"] == [1.0, 0.5, 0.25]

    seen = []

    class Plateau(optim.lr_scheduler.ReduceLROnPlateau):
        def step(self, metrics, epoch=None):
            seen.append(metrics)
            super().step(metrics, epoch)

    optimizer = optim.SGD(model.parameters(), lr=1.0)
    plateau = Plateau(optimizer, patience=0)
    history = fit(model, train, nn.CrossEntropyLoss(), optimizer, epochs=3, val_loader=val,
                  scheduler=plateau, verbose=0)
    assert seen == history["val_loss"]
    plateau = Plateau(optimizer)
    seen.clear()
    history = fit(model, train, nn.CrossEntropyLoss(), optimizer, epochs=2, scheduler=plateau,
                  monitor="accuracy", verbose=0)
    assert seen == history["accuracy"]


def test_one_cycle_steps_per_batch():
    train, _ = loaders()
    model = linear_model()
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.5, total_steps=2 * len(train))
    fit(model, train, nn.CrossEntropyLoss(), optimizer, epochs=2, scheduler=scheduler,
        verbose=0)
    assert scheduler.last_epoch == 2 * len(train)


def test_early_stopping_stops_after_patience_epochs_without_improvement():
    train, val = loaders()
    model = linear_model()
    stopper = EarlyStopping("val_loss", patience=2)
    lines = []
    history = fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.0),
                  epochs=10, val_loader=val, callbacks=[stopper], log=lines.append,
                  verbose=2)
    assert history["epoch"] == [1, 2, 3]                   # lr 0: never improves after epoch 1
    assert stopper.best_epoch == 1 and stopper.stopped_epoch == 3
    assert lines[-1].startswith("early stopping at epoch 3: val_loss has not improved for 2 "
                                "epochs")


def test_early_stopping_modes_and_errors():
    assert EarlyStopping("val_accuracy").mode == "max"
    assert EarlyStopping("val_mse").mode == "min"
    assert EarlyStopping("val_accuracy", mode="min").mode == "min"
    with pytest.raises(ValueError, match="mode must be 'auto', 'min' or 'max', got 'up'"):
        EarlyStopping(mode="up")
    with pytest.raises(ValueError, match="patience must be an integer >= 0, got -1"):
        EarlyStopping(patience=-1)
    train, _ = loaders()
    model = linear_model()
    with pytest.raises(KeyError, match=r"monitor 'val_loss' is not in the history; known keys: "
                                       r"loss, accuracy, lr, time \(pass val_loader to fit"):
        fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), 2,
            callbacks=[EarlyStopping()], verbose=0)


def test_best_checkpoint_restores_the_best_epoch_and_saves_it(tmp_path):
    train, val = loaders()
    model = linear_model()
    optimizer = optim.SGD(model.parameters(), lr=3.0, momentum=0.9)     # noisy on purpose
    best = BestCheckpoint("val_loss", path=tmp_path / "best.npz")
    history = fit(model, train, nn.CrossEntropyLoss(), optimizer, epochs=6, val_loader=val,
                  callbacks=[best], verbose=0)
    best_epoch = int(np.argmin(history["val_loss"])) + 1
    assert best.best_epoch == best_epoch
    restored = evaluate(model, val, loss_fn=nn.CrossEntropyLoss())["loss"].value
    assert restored == pytest.approx(min(history["val_loss"]), rel=1e-6)
    info = checkpoint.read(tmp_path / "best.npz")
    assert info["metadata"]["epoch"] == best_epoch
    assert info["metadata"]["history"]["val_loss"] == history["val_loss"][:best_epoch]
    fresh = linear_model(seed=3)
    checkpoint.load(tmp_path / "best.npz", fresh)
    for a, b in zip(fresh.parameters(), model.parameters()):
        np.testing.assert_array_equal(a._data, b._data)


def test_evaluate_scores_with_intervals():
    train, val = loaders()
    model = linear_model()
    fit(model, train, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05), epochs=3,
        verbose=0)
    result = evaluate(model, val, ["accuracy", "f1", "precision_micro"],
                      loss_fn=nn.CrossEntropyLoss(), n_resamples=200)
    x, y = blobs()
    with gg.no_grad():
        expected = metrics.accuracy(model(gg.tensor(x[150:])), y[150:])
    assert result["accuracy"].value == expected.value
    assert (result["accuracy"].low, result["accuracy"].high) == (expected.low, expected.high)
    assert result["accuracy"].n == 50
    lines = str(result).splitlines()
    assert lines[0].startswith("test loss ") and lines[0].endswith("(n=50)")
    assert lines[1].startswith("test accuracy ") and "(95% CI " in lines[1]
    assert lines[2].startswith("test f1 (macro) ")
    assert result.to_dict()["accuracy"]["n"] == 50
    per_class = evaluate(model, val, [lambda o, t: metrics.f1_score(o, t, average=None)],
                         split="val")
    assert [s.name for s in per_class["<lambda>"]] == ["val f1 (class 0)", "val f1 (class 1)"]
    no_ci = evaluate(model, val, ["f1"], ci=False)
    assert no_ci["f1"].low is None


def test_evaluate_with_its_defaults_prints_and_returns_loss_and_accuracy(capsys):
    train, val = loaders()
    model = linear_model()
    fit(model, train, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05), epochs=3,
        verbose=0)
    result = evaluate(model, val)
    explicit = evaluate(model, val, ["accuracy"], loss_fn=nn.CrossEntropyLoss(), verbose=0)
    assert list(result) == ["loss", "accuracy"]
    assert result["loss"].value == pytest.approx(explicit["loss"].value, rel=1e-6)
    assert result["accuracy"].value == explicit["accuracy"].value
    assert capsys.readouterr().out == str(result) + "\n"       # printed once, as returned
    assert str(result).splitlines()[0].startswith("test loss ")
    # Regression outputs: the MSE as the loss, no accuracy.
    gg.manual_seed(0)
    regressor = nn.Linear(2, 1)
    x, _ = blobs(20)
    targets = x[:, :1] * 2.0
    scores = evaluate(regressor, DataLoader(TensorDataset(x, targets), batch_size=8), verbose=0)
    with gg.no_grad():
        mse = float(((regressor(gg.tensor(x)) - gg.tensor(targets)) ** 2).mean().item())
    assert list(scores) == ["loss"] and scores["loss"].value == pytest.approx(mse, rel=1e-5)
    with pytest.raises(ValueError, match="evaluate: loss_fn must be a loss, None or 'auto', got "
                                         "'mse'"):
        evaluate(model, val, loss_fn="mse")


def test_bad_batch_shape_names_the_batch_and_the_layer():
    x = gg.randn(10, 7)
    y = gg.tensor(np.zeros(10, dtype=np.int64))
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    model = linear_model()
    with pytest.raises(RuntimeError) as info:
        fit(model, loader, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), 1,
            verbose=0)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("fit: epoch 1, batch 0 (inputs of shape (4, 7)): Linear(")
    assert "expected input of shape (*, 2), got (4, 7)" in message
    with pytest.raises(RuntimeError, match=r"evaluate: batch 0 \(inputs of shape \(4, 7\)\)"):
        evaluate(model, loader)


def test_labels_out_of_range_are_a_clear_error():
    x, y = blobs(12)
    y[9] = 5
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    model = linear_model()
    with pytest.raises(IndexError, match=r"fit: epoch 1, batch 2 \(model output of shape \(4, 2\)"
                                         r", targets of shape \(4,\)\): cross_entropy: target "
                                         r"values must be class indices in \[0, 2\)"):
        fit(model, loader, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), 1,
            verbose=0)
    with pytest.raises(ValueError, match=r"evaluate: metric 'accuracy': accuracy: target labels "
                                         r"must lie in \[0, 2\) for 2 classes, got labels from 0 "
                                         r"to 5"):
        evaluate(model, loader, ["accuracy"], loss_fn=None)
    with pytest.raises(IndexError, match=r"evaluate: the default loss \(loss_fn='auto'; pass "
                                         r"loss_fn=None for none\): cross_entropy: target values"):
        evaluate(model, loader)


def test_other_bad_inputs():
    x, y = blobs(8)
    model = linear_model()
    sgd = optim.SGD(model.parameters(), lr=0.1)
    triples = DataLoader(TensorDataset(x, y, y), batch_size=4)
    with pytest.raises(TypeError, match=r"fit: epoch 1, batch 0: each batch must be a pair "
                                        r"\(inputs, targets\), got a tuple of length 3"):
        fit(model, triples, nn.CrossEntropyLoss(), sgd, 1, verbose=0)
    with pytest.raises(ValueError, match="epochs must be an integer >= 0, got 1.5"):
        fit(model, triples, nn.CrossEntropyLoss(), sgd, 1.5)
    with pytest.raises(ValueError, match="the training loader gave no batches"):
        fit(model, [], nn.CrossEntropyLoss(), sgd, 1, verbose=0)
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    with pytest.raises(FloatingPointError, match=r"fit: epoch 1, batch 0: the loss is nan; lower "
                                                 r"the learning rate"):
        fit(model, loader, lambda output, target: output.sum() * float("nan"), sgd, 1,
            metrics=[], verbose=0)
    with pytest.raises(ValueError, match="one score per class"):
        fit(model, loader, nn.CrossEntropyLoss(), sgd, 1, verbose=0,
            metrics=[lambda o, t: metrics.f1_score(o, t, average=None)])


class Terminal(io.StringIO):
    """A stream that says it is a terminal, to see what fit draws there."""

    def isatty(self):
        return True


def test_verbose_1_draws_a_bar_per_epoch_on_a_terminal_and_ends_it(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    train, _ = loaders()
    model = linear_model()
    lines = []
    fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), 2,
        verbose=1, log=lines.append)
    drawn = terminal.getvalue()
    assert f"epoch 1/2 [{'#' * 24}] {len(train)}/{len(train)} loss " in drawn
    assert "epoch 2/2 [" in drawn
    assert drawn.endswith("\r\x1b[K")          # the last bar erased: its line is clean
    assert [line[:9] for line in lines] == ["epoch 1/2", "epoch 2/2"]


@pytest.mark.parametrize("verbose", ["auto", 2])
def test_no_bar_when_not_a_terminal_one_line_per_epoch(verbose, capsys):
    train, _ = loaders()
    model = linear_model()
    fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), 3,
        verbose=verbose)
    captured = capsys.readouterr()
    assert captured.err == ""                    # pytest's capture is not a terminal
    assert [line[:9] for line in captured.out.splitlines()] == \
        ["epoch 1/3", "epoch 2/3", "epoch 3/3"]
    assert "\r" not in captured.out


def test_verbose_0_is_silent_and_bad_values_are_refused(capsys):
    train, _ = loaders()
    model = linear_model()
    sgd = optim.SGD(model.parameters(), lr=0.1)
    fit(model, train, nn.CrossEntropyLoss(), sgd, 1, verbose=0)
    assert capsys.readouterr() == ("", "")
    with pytest.raises(ValueError, match=r"verbose must be 0 \(silent\), 1 .* got 3"):
        fit(model, train, nn.CrossEntropyLoss(), sgd, 1, verbose=3)


def test_ctrl_c_mid_epoch_ends_the_bar_line(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(progress, "REDRAW_SECONDS", 0.0)        # draw every batch
    calls = []

    class Interrupted(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = linear_model()

        def forward(self, x):
            calls.append(1)
            if len(calls) == 3:
                raise KeyboardInterrupt
            return self.inner(x)

    model = Interrupted()
    train, _ = loaders()
    with pytest.raises(KeyboardInterrupt):
        fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), 2,
            verbose=1, log=lambda line: None)
    drawn = terminal.getvalue()
    assert "epoch 1/2 [" in drawn and f"2/{len(train)}" in drawn   # two batches were drawn
    assert drawn.endswith("\r\x1b[K")          # and the bar's line was ended on the way out


def test_progress_bar_alone():
    terminal = Terminal()
    bar = progress.ProgressBar(4, "train", stream=terminal)
    bar.update(postfix="loss 1.0")
    bar.write("a line above the bar", stream=terminal)
    bar.update(3)
    bar.close(keep=True)
    assert terminal.getvalue().endswith(f"\rtrain [{'#' * 24}] 4/4 loss 1.0\x1b[K\n")
    assert "a line above the bar\n" in terminal.getvalue()
    plain = io.StringIO()
    bar = progress.ProgressBar(4, "train", stream=plain)     # not a terminal: draws nothing
    bar.update(4)
    bar.close()
    assert plain.getvalue() == ""


def test_fit_saves_a_plot(tmp_path):
    pytest.importorskip("matplotlib")
    train, val = loaders()
    model = linear_model()
    optimizer = optim.SGD(model.parameters(), lr=0.5)
    fit(model, train, nn.CrossEntropyLoss(), optimizer, 3, val_loader=val,
        scheduler=optim.lr_scheduler.StepLR(optimizer, 1, 0.5), max_grad_norm=1.0,
        verbose=0, plot=tmp_path / "curves.png")
    data = (tmp_path / "curves.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_epoch_progress_draws_the_epochs_and_logs_a_tenth_of_them(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(progress, "REDRAW_SECONDS", 0.0)
    train, _ = loaders()
    model = linear_model()
    lines = []
    meter = progress.EpochProgress(20, lines.append)
    fit(model, train, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), 20,
        verbose=0, callbacks=[meter])
    assert [line[:11] for line in lines] == [f"epoch {e:>2}/20" for e in range(2, 21, 2)]
    assert lines[0].endswith(" s)") and "lr" not in lines[0] and "time" not in lines[0]
    drawn = terminal.getvalue()
    assert "train [#-----------------------] 1/20 loss " in drawn       # no "1/20" twice
    assert drawn.endswith("\r\x1b[K")


def test_curves_label_their_axes_count_whole_epochs_and_mark_the_test_score(tmp_path,
                                                                            monkeypatch):
    pytest.importorskip("matplotlib")
    from glassgrad.train import plots
    drawn = []
    real = plots.save_figure
    monkeypatch.setattr(plots, "save_figure",
                        lambda figure, path: drawn.append(figure) or real(figure, path))
    history = {"epoch": [1, 2, 3], "loss": [1.0, 0.6, 0.5], "accuracy": [0.5, 0.7, 0.8],
               "lr": [0.1, 0.1, 0.1], "time": [0.1, 0.1, 0.1]}
    plots.plot_history(history, tmp_path / "curves.png", "run",
                       test={"loss": 0.55, "accuracy": 0.75})
    loss_ax, accuracy_ax = [ax for ax in drawn[0].axes if ax.get_visible()]
    assert (loss_ax.get_ylabel(), accuracy_ax.get_ylabel()) == ("loss", "accuracy")
    assert loss_ax.get_xlabel() == "epoch"
    ticks = [t for t in loss_ax.get_xticks() if 1 <= t <= 3]
    assert ticks and all(float(t).is_integer() for t in ticks)
    labels = [text.get_text() for text in accuracy_ax.get_legend().get_texts()]
    assert labels == ["train", "test 0.750"]
    (x, y), = accuracy_ax.get_lines()[-1].get_xydata()
    assert (x, y) == (3, 0.75)
