"""A training run as `glassgrad train` does it: train, score on the test set with confidence
intervals, and write the run's folder; and `glassgrad evaluate`'s re-scoring of a checkpoint.

    result = train_run("mnist1d", "cnn", out="runs/cnn")     # runs/cnn/metrics.json, ...
    again = evaluate_checkpoint("runs/cnn")                  # the same test accuracy

A run folder (default runs/<data>-<model>-<YYYYmmdd-HHMMSS>/) holds three files:
- checkpoint.npz: the model and optimiser state (glassgrad.train.checkpoint: .npz + JSON,
  written atomically), with the metadata that rebuilds the model: its name, the data set,
  the input shape and the number of classes;
- metrics.json: the arguments, seed, per-epoch history, test scores with their 95% intervals,
  versions, machine and durations;
- curves.png: loss and accuracy per epoch (skipped, with a note, without matplotlib).
Nothing is written until training and testing have succeeded, each file is written to a
temporary name and renamed, and an existing run's files are only replaced with overwrite=True.
"""
import datetime
import json
import math
import os
import platform
import sys
import tempfile
import time

import numpy as np

from .. import __version__
from ..data import DataLoader, TensorDataset, train_val_test_split
from ..nn import CrossEntropyLoss
from ..random import Generator, manual_seed
from ..train import checkpoint, evaluate, fit
from . import builders

FILES = ("metrics.json", "curves.png", "checkpoint.npz")
EVAL_BATCH = 1000        # test batches: the same in train_run and evaluate_checkpoint
RUN_KEY = "glassgrad_run"


class RunExistsError(FileExistsError):
    """The output folder already holds a run's files and overwrite was not asked for."""


# --- the run folder --------------------------------------------------------------------------
def default_out(data_name, model, root="runs", now=None):
    """runs/<data>-<model>-<YYYYmmdd-HHMMSS>, with -2, -3, ... if that folder exists."""
    stem = os.path.splitext(os.path.basename(data_name))[0] if builders.is_file(data_name) \
        else data_name
    now = now or datetime.datetime.now()
    base = os.path.join(root, f"{stem}-{model}-{now:%Y%m%d-%H%M%S}")
    path, n = base, 1
    while os.path.exists(path):
        n += 1
        path = f"{base}-{n}"
    return path


def check_out(out, overwrite):
    """Refuse an output folder that holds a run's files (unless overwrite) or cannot be
    written; called before training so that a mistake costs nothing."""
    if os.path.exists(out) and not os.path.isdir(out):
        raise RunExistsError(f"--out {out!r} is a file, not a folder; name a folder for the run")
    present = [f for f in FILES if os.path.exists(os.path.join(out, f))]
    if present and not overwrite:
        raise RunExistsError(f"{out!r} already holds a run ({', '.join(present)}); pass "
                             f"--overwrite to replace its files, or choose another --out")
    parent = os.path.abspath(out)
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.access(parent, os.W_OK):
        raise PermissionError(f"cannot write the run folder {out!r}: {parent!r} is not "
                              "writable; choose another --out")


def _atomic(path, write):
    """Call write(temporary path) beside `path`, then rename it over `path`."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".tmp",
                                         dir=folder)
    os.close(handle)
    try:
        mask = os.umask(0o022)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)       # mkstemp's 0600 -> what open() would give
        write(temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return path


def write_json(path, value):
    def write(temporary):
        with open(temporary, "w", encoding="utf-8") as f:
            json.dump(value, f, indent=2, allow_nan=True)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
    return _atomic(path, write)


def write_curves(history, path, title):
    """curves.png, or None when matplotlib is missing."""
    from ..train.plots import plot_history
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return None
    return _atomic(path, lambda temporary: plot_history(history, temporary, title))


# --- progress --------------------------------------------------------------------------------
class Progress:
    """A fit callback: a tqdm bar over the epochs (on stderr, when tqdm is installed and
    `bar`), and a line about every tenth of the run through `log`."""

    def __init__(self, epochs, log=print, bar=True):
        self.every = max(1, math.ceil(epochs / 10))
        self.log, self.want_bar, self.bar = log, bar, None

    def on_train_begin(self, state):
        if self.want_bar:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                return
            # disable=None: no bar when stderr is not a terminal (a log file, a pipe).
            self.bar = tqdm(total=state.epochs, desc="train", unit="epoch", file=sys.stderr,
                            dynamic_ncols=True, leave=False, disable=None)

    def on_epoch_end(self, state):
        history, epoch = state.history, state.epoch
        parts = [f"epoch {epoch:>{len(str(state.epochs))}}/{state.epochs}"]
        parts += [f"{key} {history[key][-1]:.4f}" for key in history
                  if key not in ("epoch", "lr", "time")]
        if self.bar is not None:
            self.bar.set_postfix_str("  ".join(parts[1:]), refresh=False)
            self.bar.update(1)
        if epoch % self.every == 0 or epoch == state.epochs or state.stop:
            line = "  ".join(parts) + f"  ({sum(history['time']):.1f} s)"
            if self.bar is not None:
                self.bar.write(line, file=sys.stdout)
            else:
                self.log(line)

    def on_train_end(self, state):
        if self.bar is not None:
            self.bar.close()


# --- training --------------------------------------------------------------------------------
def settings(data_name, model, optimizer=None, lr=None, epochs=None, batch_size=None):
    """The run's settings: those given, the data set's defaults (builders.SETTINGS) for the
    rest. A learning rate is only taken from the defaults with the default optimiser."""
    defaults = builders.SETTINGS[data_name if data_name in builders.SETTINGS else "file"]
    chosen = optimizer or defaults["optimizer"]
    if model not in builders.MODELS:
        raise ValueError(f"unknown model {model!r}; known: {', '.join(builders.MODELS)}")
    if chosen not in builders.OPTIMIZERS:
        raise ValueError(f"unknown optimizer {chosen!r}; known: "
                         f"{', '.join(builders.OPTIMIZERS)}")
    if lr is None:
        lr = defaults["lr"] if chosen == defaults["optimizer"] else builders.OPTIMIZERS[chosen][2]
    return {"optimizer": chosen, "lr": float(lr),
            "epochs": int(epochs or defaults["epochs"]),
            "batch_size": int(batch_size or defaults["batch_size"])}


def score(model, x, y, batch_size=EVAL_BATCH):
    """Test accuracy and macro F1, each with its 95% interval, and the mean loss."""
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size)
    return evaluate(model, loader, ["accuracy", "f1"], loss_fn=CrossEntropyLoss(), verbose=0)


def train_run(data="mnist1d", model="cnn", optimizer=None, lr=None, epochs=None,
              batch_size=None, seed=0, shuffle=True, val_fraction=0.0, out=None,
              overwrite=False, progress=True, log=print, command=None):
    """Train `model` on `data`, score it on the test split and write the run folder.

    Args:
        data: "mnist1d", "digits", "fashion-mnist", or a .npz file (builders.load_data).
        model: "logreg", "mlp" or "cnn" (shaped to the data by builders.build_model).
        optimizer, lr, epochs, batch_size: None takes the data set's defaults.
        seed: the initial weights, the batch order and the validation split.
        shuffle: a new batch order each epoch (False: in order, as the MNIST-1D paper).
        val_fraction: hold out this share of the training set (stratified) for validation
            curves; 0 trains on all of it.
        out: the run folder (default_out() when None); overwrite: replace a run's files there.
        progress: a tqdm bar over the epochs; log: where the lines go (print).
    Returns:
        {"out", "test" (an Evaluation), "history", "metrics" (what metrics.json holds),
         "files" (those written)}.
    """
    start = time.perf_counter()
    started = datetime.datetime.now(datetime.timezone.utc)
    key = data if builders.is_file(data) else str(data).lower().replace("_", "-")
    config = settings(key, model, optimizer, lr, epochs, batch_size)
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    out = out or default_out(key, model)
    check_out(out, overwrite)

    dataset = builders.load_data(data)
    x_train, y_train = dataset.x_train, dataset.y_train
    val_loader = None
    if val_fraction > 0:
        split = train_val_test_split(len(y_train), (1 - val_fraction, val_fraction, 0.0),
                                     stratify=y_train, seed=seed)
        val_loader = DataLoader(TensorDataset(x_train[split.val], y_train[split.val]),
                                batch_size=EVAL_BATCH)
        x_train, y_train = x_train[split.train], y_train[split.train]
    manual_seed(seed)
    net = builders.build_model(model, dataset.input_shape, dataset.num_classes)
    opt = builders.build_optimizer(config["optimizer"], net.parameters(), config["lr"])
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=config["batch_size"],
                        shuffle=shuffle, generator=Generator(seed))
    n_params = builders.count_parameters(net)
    validation = "" if val_loader is None else f" / {len(split.val):,} validation"
    log(f"train: {model} on {dataset.name}: {len(y_train):,} training{validation} / "
        f"{len(dataset.y_test):,} test samples of shape {dataset.input_shape}, "
        f"{dataset.num_classes} classes")
    log(f"model: {builders.describe_model(net)}, {n_params:,} parameters; "
        f"{builders.describe_optimizer(config['optimizer'], config['lr'])}, batch "
        f"{config['batch_size']}, {_plural(config['epochs'], 'epoch')}, "
        f"{'shuffled' if shuffle else 'in order'}, seed {seed}")

    fit_start = time.perf_counter()
    # fit's own bar runs over one epoch's batches: worth it only when an epoch is long, and
    # only on a terminal.
    batch_bar = progress and len(loader) >= 200 and sys.stderr.isatty()
    history = fit(net, loader, CrossEntropyLoss(), opt, config["epochs"], val_loader=val_loader,
                  metrics=["accuracy"], verbose=False, progress=batch_bar,
                  callbacks=[Progress(config["epochs"], log, progress)])
    train_seconds = time.perf_counter() - fit_start
    test = score(net, dataset.x_test, dataset.y_test)
    for line in str(test).splitlines():
        log(line)

    run_info = {"model": model, "data": dataset.name, "input_shape": list(dataset.input_shape),
                "num_classes": dataset.num_classes, "parameters": n_params,
                "model_class": builders.describe_model(net)}
    args = dict(config, data=data, model=model, seed=seed, shuffle=shuffle,
                val_fraction=val_fraction, out=out)
    metrics = {"glassgrad_version": __version__, "command": command, "args": args, "seed": seed,
               "run": run_info,
               "data": {"name": dataset.name, "train": len(y_train),
                        "validation": 0 if val_loader is None else len(split.val),
                        "test": len(dataset.y_test)},
               "test": test.to_dict(), "history": history,
               "duration_s": {"train": train_seconds},
               "started": started.isoformat(), "machine": machine()}
    metrics["duration_s"]["total"] = time.perf_counter() - start    # before writing the files
    files = _save(out, net, opt, history, metrics,
                  {RUN_KEY: dict(run_info, args=args), "test": test.to_dict()},
                  f"{model} on {os.path.basename(dataset.name)}", log)
    log(f"wrote {out}{os.sep} ({', '.join(os.path.basename(f) for f in files)}) in "
        f"{time.perf_counter() - start:.1f} s (training {train_seconds:.1f} s)")
    return {"out": out, "test": test, "history": history, "metrics": metrics, "files": files}


def _save(out, model, optimizer, history, metrics, checkpoint_metadata, title, log):
    """Write the run's files (metrics.json last, as the mark of a finished run); returns their
    paths. If anything fails in a folder made here, what was written is removed again."""
    created = not os.path.exists(out)
    files = []
    curves_path = os.path.join(out, "curves.png")
    try:
        os.makedirs(out, exist_ok=True)
        files.append(checkpoint.save(os.path.join(out, "checkpoint.npz"), model, optimizer,
                                     metadata=checkpoint_metadata))
        try:
            curves = write_curves(history, curves_path, title)
        except Exception as error:  # noqa: BLE001 -- a figure must not cost a finished run
            curves = None
            log(f"note: curves.png skipped: {type(error).__name__}: {error}")
        else:
            if curves is None:
                log("note: curves.png skipped: matplotlib is not installed (pip install "
                    "matplotlib)")
        if curves is None and os.path.exists(curves_path):      # an older run's curves
            os.remove(curves_path)
        elif curves is not None:
            files.append(curves)
        files.append(write_json(os.path.join(out, "metrics.json"), metrics))
    except BaseException:
        if created:                      # a new folder: leave nothing half-made behind
            for path in files:
                os.remove(path)
            if os.path.isdir(out) and not os.listdir(out):
                os.rmdir(out)
        raise
    return files


def _plural(n, word):
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def machine():
    """What the timings were measured on."""
    return {"python": platform.python_version(), "numpy": np.__version__,
            "platform": platform.platform(), "processor": platform.processor() or None,
            "cpus": os.cpu_count(),
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS")}


# --- evaluating a saved run ------------------------------------------------------------------
def evaluate_checkpoint(path, data=None, log=print):
    """Rebuild the model of a `train_run` checkpoint (a file, or a run folder holding
    checkpoint.npz) from its metadata, load its weights and score it on the test split of its
    data set (or of `data`). Returns {"test": Evaluation, "saved": the scores saved at
    training, "run": the metadata}."""
    path = os.fspath(path)
    if os.path.isdir(path):
        path = os.path.join(path, "checkpoint.npz")
    try:
        saved = checkpoint.read(path)         # or FileNotFoundError
    except checkpoint.CheckpointError as error:
        raise checkpoint.CheckpointError(f"{error}; it cannot be used: run `glassgrad train` "
                                         "again to write a new one") from None
    meta = (saved["metadata"] or {}).get(RUN_KEY)
    if not isinstance(meta, dict) or not {"model", "data", "input_shape",
                                          "num_classes"} <= set(meta):
        raise checkpoint.CheckpointError(
            f"{path!r} is a glassgrad checkpoint but not one written by `glassgrad train` (no "
            f"model name, data set and shapes in its metadata); load it in Python with "
            f"glassgrad.train.checkpoint.load(path, model)")
    net = builders.build_model(meta["model"], meta["input_shape"], meta["num_classes"])
    try:
        net.load_state_dict(saved["model"])
    except (KeyError, ValueError, RuntimeError, TypeError) as error:
        raise checkpoint.CheckpointError(f"{path!r}: its weights do not fit the {meta['model']} "
                                         f"its metadata describes ({error})") from None
    dataset = builders.load_data(data or meta["data"])
    builders.check_fits(dataset, meta["input_shape"], meta["num_classes"], meta["model"],
                        meta["data"])
    log(f"evaluate: {meta['model']} trained on {meta['data']} "
        f"({meta.get('args', {}).get('epochs', '?')} epochs, seed "
        f"{meta.get('args', {}).get('seed', '?')}), scored on {dataset.name} "
        f"({len(dataset.y_test):,} test samples), from {path}")
    test = score(net, dataset.x_test, dataset.y_test)
    for line in str(test).splitlines():
        log(line)
    return {"test": test, "saved": (saved["metadata"] or {}).get("test"), "run": meta}


__all__ = ["FILES", "Progress", "RunExistsError", "check_out", "default_out",
           "evaluate_checkpoint", "machine", "score", "settings", "train_run", "write_json"]
