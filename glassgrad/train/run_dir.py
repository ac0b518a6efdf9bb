"""What `fit(..., run_dir=...)` writes while it trains, and reading it back to resume.

A run folder gets, as training goes:
- log.csv: one row per epoch (epoch, loss, metrics, val_loss, val_*, lr, grad_norm, time),
  appended and flushed at the end of each epoch, so `tail -f` shows a run as it goes;
- checkpoint.npz: the last epoch's state, replaced atomically each epoch (glassgrad.train.
  checkpoint: .npz + JSON, written to a temporary file and renamed): the model, the optimiser,
  the scheduler, and under metadata["fit"] the epoch, the history, both random generators'
  states and the callbacks' states (early stopping's patience count, ...): all `fit` needs to
  carry on as if it had never stopped;
- best.npz: when validating, the model of the best epoch by `monitor` (val_loss by default).

`resume_state(path)` reads a checkpoint.npz (or the folder holding it) back for
`fit(..., resume_from=path)`.
"""
import csv
import io
import os

from . import checkpoint
from .callbacks import _Monitor

LOG = "log.csv"
LAST = "checkpoint.npz"
BEST = "best.npz"
FIT_KEY = "fit"              # the checkpoint metadata entry that fit's own state lives under


def checkpoint_path(path):
    """A run folder's checkpoint.npz, or `path` itself when it is a file."""
    path = os.fspath(path)
    return os.path.join(path, LAST) if os.path.isdir(path) else path


def _loader_generator(loader):
    """The glassgrad.Generator a DataLoader shuffles with, or None (the default one)."""
    generator = getattr(loader, "generator", None)
    return generator if hasattr(generator, "get_state") else None


def stateful(callbacks):
    """The callbacks that have state to save (a state_dict method)."""
    return [c for c in callbacks if hasattr(c, "state_dict") and hasattr(c, "load_state_dict")]


class RunWriter:
    """Writes log.csv, checkpoint.npz and best.npz into `folder` at the end of each epoch.

    The folder is made at the first write, so a run that fails in its first epoch leaves
    nothing behind.
    """

    def __init__(self, folder, monitor=None, metadata=None):
        self.folder = os.fspath(folder)
        self.best = None if monitor is None else _Monitor(monitor, "auto", 0.0)
        self.metadata = dict(metadata or {})
        self.logged = 0                        # rows in log.csv

    def path(self, name):
        return os.path.join(self.folder, name)

    def start(self, history):
        """Make log.csv hold exactly the epochs of `history` (on resume, it may hold a row the
        checkpoint does not: the process was killed between the two writes)."""
        if not history["epoch"]:
            return                             # a new run: end_epoch starts the log
        os.makedirs(self.folder, exist_ok=True)
        keys = [k for k in history]
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(keys)
        for i in range(len(history["epoch"])):
            writer.writerow([_cell(history[k][i]) for k in keys])
        temporary = self.path(LOG + ".tmp")
        with open(temporary, "w", encoding="utf-8", newline="") as f:
            f.write(text.getvalue())
        os.replace(temporary, self.path(LOG))
        self.logged = len(history["epoch"])

    def end_epoch(self, state, fit_state):
        """After epoch `state.epoch`: best.npz if it improved, checkpoint.npz, a log row."""
        os.makedirs(self.folder, exist_ok=True)
        if self.logged == 0:
            # A new run's first epoch is done: an older run's log and best model in this
            # folder (overwrite) are replaced only now, so a run that fails at once keeps them.
            for name in (LOG, BEST):
                if os.path.exists(self.path(name)):
                    os.remove(self.path(name))
        history = state.history
        if self.best is not None:
            value = self.best.latest(state)
            if self.best.improved(value):
                self.best.best, self.best.best_epoch = value, state.epoch
                checkpoint.save(self.path(BEST), model=state.model, metadata=dict(
                    self.metadata, epoch=state.epoch, monitor=self.best.monitor, value=value))
        fit_state = dict(fit_state, best=None if self.best is None else {
            "monitor": self.best.monitor, "value": self.best.best,
            "epoch": self.best.best_epoch})
        checkpoint.save(self.path(LAST), model=state.model, optimizer=state.optimizer,
                        scheduler=state.scheduler, metadata=dict(self.metadata,
                                                                 **{FIT_KEY: fit_state}))
        keys = list(history)
        with open(self.path(LOG), "a", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            if self.logged == 0:
                writer.writerow(keys)
            writer.writerow([_cell(history[k][-1]) for k in keys])
            f.flush()
            os.fsync(f.fileno())
        self.logged += 1

    def restore_best(self, best):
        if self.best is not None and best is not None and best["epoch"] is not None:
            self.best.best, self.best.best_epoch = best["value"], best["epoch"]


def _cell(value):
    return "" if value is None else repr(value) if isinstance(value, float) else value


def fit_state(state, train_loader, callbacks):
    """Everything of fit's own that a resumed run needs, as checkpoint metadata."""
    from ..random import get_rng_state
    generator = _loader_generator(train_loader)
    return {"epoch": state.epoch, "epochs": state.epochs, "stopped": bool(state.stop),
            "history": {k: list(v) for k, v in state.history.items()},
            "rng": {"default": get_rng_state(),
                    "loader": None if generator is None else generator.get_state()},
            "callbacks": [{"class": type(c).__name__, "state": c.state_dict()}
                          for c in stateful(callbacks)]}


def resume_state(path, model, optimizer, scheduler, train_loader, callbacks):
    """Load the checkpoint at `path` (a file or a run folder) into the model, optimiser,
    scheduler, random generators and callbacks; returns fit's saved state (epoch, history,
    best)."""
    from ..random import set_rng_state
    file = checkpoint_path(path)
    if not os.path.exists(file):
        raise FileNotFoundError(f"fit: resume_from={os.fspath(path)!r}: no checkpoint there; "
                                f"give a run folder that fit(run_dir=...) or `glassgrad train` "
                                f"wrote, or its {LAST}")
    saved = checkpoint.read(file)
    state = (saved["metadata"] or {}).get(FIT_KEY)
    if not isinstance(state, dict):
        raise checkpoint.CheckpointError(
            f"fit: {file!r} is a checkpoint but not one fit(run_dir=...) wrote (no training "
            "state in its metadata), so training cannot resume from it; load its weights with "
            "glassgrad.train.checkpoint.load(path, model) and start a new run")
    if (saved["scheduler"] is None) != (scheduler is None):
        has = "holds a scheduler's state" if saved["scheduler"] is not None else \
            "holds no scheduler state"
        raise ValueError(f"fit: {file!r} {has}, but fit was given "
                         f"{'no scheduler' if scheduler is None else 'one'}; resume with the "
                         "same objects the run was started with")
    checkpoint.load(file, model, optimizer, scheduler)
    saved_callbacks = state.get("callbacks", [])
    mine = stateful(callbacks)
    if [s["class"] for s in saved_callbacks] != [type(c).__name__ for c in mine]:
        raise ValueError(f"fit: {file!r} was saved with the callbacks "
                         f"[{', '.join(s['class'] for s in saved_callbacks)}] but fit was "
                         f"given [{', '.join(type(c).__name__ for c in mine)}]; resume with "
                         "the same callbacks, in the same order")
    for callback, saved_callback in zip(mine, saved_callbacks):
        callback.load_state_dict(saved_callback["state"])
    set_rng_state(state["rng"]["default"])
    generator = _loader_generator(train_loader)
    if generator is not None and state["rng"]["loader"] is not None:
        generator.set_state(state["rng"]["loader"])
    return state


__all__ = ["BEST", "FIT_KEY", "LAST", "LOG", "RunWriter", "checkpoint_path", "fit_state",
           "resume_state"]
