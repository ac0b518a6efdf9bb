"""Callbacks for `fit`: early stopping on a validation metric, and keeping the best model.

A callback is any object with some of these methods, which `fit` calls with its `state`
(a `TrainingState`: model, optimizer, scheduler, history, epoch, and `stop`):

    on_train_begin(state)     before the first epoch
    on_epoch_end(state)       after each epoch's validation; set `state.stop = True` to end
    on_train_end(state)       after the last epoch (also after an early stop)

A metric is monitored by its history key: "val_loss", "val_accuracy", "loss", ...
"""
import math

import numpy as np

from . import checkpoint

# Keys whose smaller values are better; every other metric (accuracy, F1, ...) is maximised.
_MINIMISED = ("loss", "mse", "mae")


def resolve_mode(monitor, mode):
    """"min" or "max" for `monitor`; mode "auto" picks min for losses and errors."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    return "min" if monitor.split("_")[-1] in _MINIMISED or monitor.endswith("loss") else "max"


class _Monitor:
    """Tracks the best value of one history key and whether the latest one improved on it."""

    def __init__(self, monitor, mode, min_delta):
        if min_delta < 0:
            raise ValueError(f"min_delta must be >= 0, got {min_delta}")
        self.monitor = monitor
        self.mode = resolve_mode(monitor, mode)
        self.min_delta = min_delta
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = None

    def latest(self, state):
        values = state.history.get(self.monitor)
        if not values:
            known = ", ".join(k for k in state.history if k != "epoch")
            hint = " (pass val_loader to fit to get val_* keys)" if \
                self.monitor.startswith("val_") else ""
            raise KeyError(f"{type(self).__name__}: monitor {self.monitor!r} is not in the "
                           f"history; known keys: {known}{hint}")
        return float(values[-1])

    def state_dict(self):
        """What a resumed run needs to carry on watching (saved in fit's checkpoints)."""
        return {"best": self.best, "best_epoch": self.best_epoch}

    def load_state_dict(self, state):
        unknown = set(state) - set(self.state_dict())
        if unknown:
            raise KeyError(f"{type(self).__name__}.load_state_dict: unknown keys "
                           f"{sorted(unknown)}; expected {sorted(self.state_dict())}")
        for key, value in state.items():
            setattr(self, key, value)

    def improved(self, value):
        if math.isnan(value):
            return False
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta


class EarlyStopping(_Monitor):
    """Stop when `monitor` has not improved by more than `min_delta` for `patience` epochs
    in a row (Keras's rule: with patience 2, best at epoch 3, it stops after epoch 5).

    Args:
        monitor: the history key to watch, e.g. "val_loss" or "val_accuracy".
        patience: epochs without improvement to wait before stopping.
        mode: "min", "max", or "auto" (min for losses and errors, max for other metrics).
        min_delta: the smallest change that counts as an improvement.
    After training, `stopped_epoch` is the epoch it stopped at (None if it never did) and
    `best`/`best_epoch` the best value seen and its epoch.
    """

    def __init__(self, monitor="val_loss", patience=5, mode="auto", min_delta=0.0):
        super().__init__(monitor, mode, min_delta)
        if not isinstance(patience, int) or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be an integer >= 0, got {patience!r}")
        self.patience = patience
        self.wait = 0
        self.stopped_epoch = None

    def state_dict(self):
        return dict(super().state_dict(), wait=self.wait, stopped_epoch=self.stopped_epoch)

    def on_epoch_end(self, state):
        value = self.latest(state)
        if self.improved(value):
            self.best, self.best_epoch, self.wait = value, state.epoch, 0
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = state.epoch
            state.stop = True
            state.log(f"early stopping at epoch {state.epoch}: {self.monitor} has not improved "
                      f"for {self.wait} epochs (best {self.best:.4g} at epoch {self.best_epoch})")


class BestCheckpoint(_Monitor):
    """Keep the model's state from its best epoch by `monitor`, and restore it at the end.

    The best state is copied in memory; with `path` it is also saved there (a checkpoint
    holding the model, the optimiser, and metadata with the epoch, the monitored value and the
    history so far) each time it improves, by glassgrad.train.checkpoint's atomic save.

    Args:
        monitor, mode, min_delta: as for EarlyStopping.
        path: optional .npz file for the best checkpoint.
        restore: load the best state back into the model when training ends (default True).
    After training: `best`, `best_epoch`, `best_state` (the best weights, numpy copies).
    Its `state_dict()` (these three) is saved in fit's checkpoints, so a resumed run keeps them.
    """

    def __init__(self, monitor="val_loss", mode="auto", path=None, restore=True, min_delta=0.0):
        super().__init__(monitor, mode, min_delta)
        self.path = path
        self.restore = restore
        self.best_state = None

    def state_dict(self):
        return dict(super().state_dict(), best_state=self.best_state)

    def on_epoch_end(self, state):
        value = self.latest(state)
        if not self.improved(value):
            return
        self.best, self.best_epoch = value, state.epoch
        self.best_state = {k: np.array(v._data, copy=True)
                           for k, v in state.model.state_dict().items()}
        if self.path is not None:
            history = {k: list(v) for k, v in state.history.items()}
            checkpoint.save(self.path, model=state.model, optimizer=state.optimizer,
                            scheduler=state.scheduler,
                            metadata={"epoch": state.epoch, "monitor": self.monitor,
                                      "value": value, "history": history})

    def on_train_end(self, state):
        if self.restore and self.best_state is not None:
            state.model.load_state_dict(self.best_state)
            state.log(f"restored the best model: epoch {self.best_epoch}, {self.monitor} "
                      f"{self.best:.4g}")


__all__ = ["BestCheckpoint", "EarlyStopping", "resolve_mode"]
