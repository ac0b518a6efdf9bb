"""A training run as `glassgrad train` does it: train, score on the test set with confidence
intervals, and write the run's folder; and `glassgrad evaluate`'s re-scoring of a checkpoint.

    result = train_run("mnist1d", "cnn", out="runs/cnn")     # runs/cnn/metrics.json, ...
    again = evaluate_checkpoint("runs/cnn")                  # the same test accuracy
    resume_run("runs/cnn")                                   # an interrupted run, carried on

A run folder (default runs/<data>-<model>-<YYYYmmdd-HHMMSS>/) holds, written as training goes
(by fit's run_dir=, glassgrad.train.run_dir):
- log.csv: a row per epoch (losses, accuracy, lr, time), appended at the end of each epoch;
- checkpoint.npz: the last epoch's state, replaced atomically each epoch (glassgrad.train.
  checkpoint: .npz + JSON), with the metadata that rebuilds the model (its name, the data
  set, the input shape, the number of classes, the arguments): `glassgrad evaluate` scores
  it, `glassgrad train --resume` carries the run on from it;
- best.npz: with a validation split, the model of the epoch with the lowest val_loss;
and at the end:
- curves.png: loss and accuracy per epoch (skipped, with a note, without matplotlib);
- metrics.json: the arguments, seed, per-epoch history, test scores with their 95% intervals,
  versions, machine (CPU, BLAS and its threads) and durations; written last, it marks a
  finished run.
A run that fails in its first epoch leaves nothing; one that fails or is interrupted later
leaves its last checkpoint and says how to resume it. An existing run's files are only
replaced with overwrite=True.
"""
import datetime
import json
import os
import platform
import tempfile
import time

import numpy as np

from .. import __version__, _allocator, threads
from ..data import DataLoader, TensorDataset, train_val_test_split
from ..nn import CrossEntropyLoss
from ..random import Generator, manual_seed
from ..threads import set_num_threads
from ..train import checkpoint, evaluate, fit, run_dir
from ..train.loop import reraise
from ..train.progress import EpochProgress
from . import builders

FILES = ("metrics.json", "curves.png", "checkpoint.npz", "log.csv", "best.npz")
INSTALL_EXTRAS = "pip install 'glassgrad[cli]' installs what the command uses"
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
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
        unfinished = "metrics.json" not in present and run_dir.LAST in present
        resume = f", `glassgrad train --resume {out}` to carry it on," if unfinished else ""
        raise RunExistsError(f"{out!r} already holds {'an unfinished' if unfinished else 'a'} "
                             f"run ({', '.join(present)}); pass --overwrite to replace its "
                             f"files{resume} or choose another --out")
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


def write_curves(history, path, title, test=None):
    """curves.png (with the test scores marked, {key: value}), or None without matplotlib."""
    from ..train.plots import plot_history
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return None
    return _atomic(path, lambda temporary: plot_history(history, temporary, title, test))


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
              overwrite=False, progress=True, log=print, command=None, max_grad_norm=None,
              data_dir=None, threads=None, tune_malloc=True, warn=None, resume=False,
              started=None, tensorboard=None):
    """Train `model` on `data`, score it on the test split and write the run folder.

    Args:
        data: "mnist1d", "digits", "fashion-mnist", or a .npz file (builders.load_data).
        model: "logreg", "mlp" or "cnn" (shaped to the data by builders.build_model).
        optimizer, lr, epochs, batch_size: None takes the data set's defaults.
        seed: the initial weights, the batch order and the validation split.
        shuffle: a new batch order each epoch (False: in order, as the MNIST-1D paper).
        val_fraction: hold out this share of the training set (stratified) for validation
            curves and best.npz; 0 trains on all of it.
        out: the run folder (default_out() when None); overwrite: replace a run's files there.
        progress: a bar over the epochs on a terminal; log: where the lines go (print).
        max_grad_norm: clip the gradients' joint norm to this before each step.
        data_dir: the folder of Fashion-MNIST's IDX files (default: Debian's).
        threads: BLAS threads (glassgrad.set_num_threads); None leaves numpy's default.
        tune_malloc: glassgrad.tune_malloc() first (see glassgrad/_allocator.py).
        warn: told of data that looks like a mistake (builders.load_data).
        tensorboard: a folder for TensorBoard event files written each epoch ("" means
            out/tensorboard; None writes none; needs tensorboardX).
        resume: carry on the unfinished run in `out` from its checkpoint.npz (resume_run
            passes the run's own arguments); `started` is then the run's first start.
    Returns:
        {"out", "test" (an Evaluation), "history", "metrics" (what metrics.json holds),
         "files" (those written)}.
    """
    start = time.perf_counter()
    started = started or datetime.datetime.now(datetime.timezone.utc).isoformat()
    key = data if builders.is_file(data) else str(data).lower().replace("_", "-")
    config = settings(key, model, optimizer, lr, epochs, batch_size)
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    out = out or default_out(key, model)
    if not resume:
        check_out(out, overwrite)
    if tensorboard is not None:
        tensorboard = os.path.abspath(tensorboard or os.path.join(out, "tensorboard"))
    if threads is not None:
        set_num_threads(threads)
    if tune_malloc:
        _allocator.tune_malloc()

    dataset = builders.load_data(data, data_dir=data_dir, warn=warn)
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
    clip = "" if max_grad_norm is None else f", gradients clipped to norm {max_grad_norm:g}"
    log(f"model: {builders.describe_model(net)}, {n_params:,} parameters; "
        f"{builders.describe_optimizer(config['optimizer'], config['lr'])}, batch "
        f"{config['batch_size']}, {_plural(config['epochs'], 'epoch')}, "
        f"{'shuffled' if shuffle else 'in order'}, seed {seed}{clip}")

    run_info = {"model": model, "data": dataset.name, "input_shape": list(dataset.input_shape),
                "num_classes": dataset.num_classes, "parameters": n_params,
                "model_class": builders.describe_model(net)}
    args = dict(config, data=data, model=model, seed=seed, shuffle=shuffle,
                val_fraction=val_fraction, out=out, max_grad_norm=max_grad_norm,
                data_dir=None if data_dir is None else os.path.abspath(data_dir),
                tensorboard=tensorboard)
    run_meta = {RUN_KEY: dict(run_info, args=args, started=started)}
    fit_start = time.perf_counter()
    # fit's own bar runs over one epoch's batches: worth it only when an epoch is long (and it
    # is drawn only on a terminal); otherwise the bar is over the epochs.
    batch_bar = progress and len(loader) >= 200
    epoch_progress = EpochProgress(config["epochs"], log, progress and not batch_bar)
    try:
        try:
            history = fit(net, loader, CrossEntropyLoss(), opt, config["epochs"],
                          val_loader=val_loader, metrics=["accuracy"],
                          max_grad_norm=max_grad_norm, verbose=1 if batch_bar else 0,
                          log=_silent, callbacks=[epoch_progress], run_dir=out,
                          resume_from=out if resume else None, checkpoint_metadata=run_meta,
                          tune_malloc=False, tensorboard=tensorboard)
        finally:
            epoch_progress.close()            # the bar's line ends, also on Ctrl-C
        train_seconds = time.perf_counter() - fit_start
        test = score(net, dataset.x_test, dataset.y_test)
        for line in str(test).splitlines():
            log(line)
        metrics = {"glassgrad_version": __version__, "command": command, "args": args,
                   "seed": seed, "run": run_info,
                   "data": {"name": dataset.name, "train": len(y_train),
                            "validation": 0 if val_loader is None else len(split.val),
                            "test": len(dataset.y_test)},
                   "test": test.to_dict(), "history": history,
                   "duration_s": {"train": train_seconds,
                                  "epochs": float(sum(history["time"]))},
                   "started": started, "resumed": bool(resume), "machine": machine()}
        metrics["duration_s"]["total"] = time.perf_counter() - start   # before writing files
        files = _save(out, net, opt, history, metrics, test.to_dict(),
                      f"{model} on {os.path.basename(dataset.name)}", log)
    except KeyboardInterrupt:
        raise KeyboardInterrupt(_so_far(out, started, "interrupted")) from None
    except Exception as error:
        so_far = _so_far(out, started, None)
        if so_far is None:
            raise
        reraise(error, so_far, after=True)
    log(f"wrote {out}{os.sep} ({', '.join(os.path.basename(f) for f in files)}) in "
        f"{time.perf_counter() - start:.1f} s (training {train_seconds:.1f} s)")
    if tensorboard is not None:
        log(f"TensorBoard events in {tensorboard}{os.sep}: tensorboard --logdir {tensorboard}")
    return {"out": out, "test": test, "history": history, "metrics": metrics, "files": files}


def check_resumable(out):
    """The run metadata of the unfinished run in `out`, or an error saying why it cannot be
    resumed (no such folder, no checkpoint, already finished, not written by train_run)."""
    out = os.fspath(out)
    if not os.path.isdir(out):
        raise FileNotFoundError(f"--resume {out!r}: no such run folder; give the folder a "
                                "`glassgrad train` run was writing")
    if os.path.exists(os.path.join(out, "metrics.json")):
        raise RunExistsError(f"--resume {out!r}: that run has finished (it has its "
                             f"metrics.json); re-score it with `glassgrad evaluate {out}`, or "
                             "start a new run with more --epochs")
    path = os.path.join(out, run_dir.LAST)
    if not os.path.exists(path):
        raise FileNotFoundError(f"--resume {out!r}: no {run_dir.LAST} there (a run writes it "
                                "at the end of its first epoch), so there is nothing to resume; "
                                "start the run again")
    meta = checkpoint.read(path)["metadata"] or {}
    if not isinstance(meta.get(RUN_KEY), dict) or run_dir.FIT_KEY not in meta:
        raise checkpoint.CheckpointError(f"--resume {out!r}: its {run_dir.LAST} was not "
                                         "written by a `glassgrad train` run in progress")
    return meta[RUN_KEY]


def resume_run(out, progress=True, log=print, command=None, threads=None, tune_malloc=True,
               warn=None):
    """Carry on the unfinished run in `out` with its own arguments, from its last epoch's
    checkpoint, to the result it would have reached uninterrupted; returns what train_run
    does."""
    meta = check_resumable(out)
    args = dict(meta["args"], out=os.fspath(out))
    if builders.is_file(args["data"]):
        args["data"] = meta["data"]           # the file's absolute path: any working folder
    log(f"resume: {out}{os.sep} (started {meta['started']})")
    return train_run(**args, progress=progress, log=log, command=command, threads=threads,
                     tune_malloc=tune_malloc, warn=warn, resume=True, started=meta["started"])


def _silent(*args):
    pass


def _so_far(out, started, prefix):
    """Where an unfinished run's checkpoint is and how to carry on, if this run wrote one."""
    path = os.path.join(out, run_dir.LAST)
    try:
        meta = checkpoint.read(path)["metadata"]
    except (OSError, checkpoint.CheckpointError):
        return prefix
    if (meta.get(RUN_KEY) or {}).get("started") != started or run_dir.FIT_KEY not in meta:
        return prefix                       # an older run's checkpoint, or none of ours
    text = (f"the run so far (epoch {meta[run_dir.FIT_KEY]['epoch']}) is in {out}{os.sep}; "
            f"`glassgrad train --resume {out}` carries it on")
    return text if prefix is None else f"{prefix}: {text}"


def _save(out, model, optimizer, history, metrics, test, title, log):
    """At the end of a run: the test scores into checkpoint.npz's metadata, curves.png, and
    metrics.json last, as the mark of a finished run; returns the paths written."""
    files = []
    last = os.path.join(out, run_dir.LAST)
    metadata = checkpoint.read(last)["metadata"]
    files.append(checkpoint.save(last, model, optimizer, metadata=dict(metadata, test=test)))
    curves_path = os.path.join(out, "curves.png")
    try:
        curves = write_curves(history, curves_path, title,
                              {k: test[k]["value"] for k in ("loss", "accuracy") if k in test})
    except Exception as error:  # noqa: BLE001 -- a figure must not cost a finished run
        curves = None
        log(f"note: curves.png skipped: {type(error).__name__}: {error}")
    else:
        if curves is None:
            log(f"note: curves.png skipped: matplotlib is not installed ({INSTALL_EXTRAS})")
    if curves is None and os.path.exists(curves_path):      # an older run's curves
        os.remove(curves_path)
    elif curves is not None:
        files.append(curves)
    for name in (run_dir.LOG, run_dir.BEST):
        if os.path.exists(os.path.join(out, name)):
            files.append(os.path.join(out, name))
    files.append(write_json(os.path.join(out, "metrics.json"), metrics))
    return files


def _plural(n, word):
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def machine():
    """What the run was measured on: the CPU, the BLAS library, its version and the threads it
    used (which change a float32 result's last bits), numpy's and Python's versions."""
    try:
        used = threads.get_num_threads()
    except (ImportError, RuntimeError):
        used = None                                 # without threadpoolctl: unknown
    return {"python": platform.python_version(), "numpy": np.__version__,
            "platform": platform.platform(), "cpu": threads.cpu_name(), "cpus": os.cpu_count(),
            "blas_threads": used, "blas": threads.blas_info(),
            "malloc_tuned": _allocator.tuned,
            "environment": {k: os.environ.get(k) for k in THREAD_VARIABLES}}


# --- evaluating a saved run ------------------------------------------------------------------
def evaluate_checkpoint(path, data=None, log=print, data_dir=None):
    """Rebuild the model of a `train_run` checkpoint (a file, or a run folder holding
    checkpoint.npz) from its metadata, load its weights and score it on the test split of its
    data set (or of `data`), read from `data_dir` if given (Fashion-MNIST's IDX folder; by
    default the folder the run was trained from, if it named one). Returns {"test":
    Evaluation, "saved": the scores saved at training, "run": the metadata}."""
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
    _check_run_metadata(path, meta, saved["model"])
    net = builders.build_model(meta["model"], meta["input_shape"], meta["num_classes"])
    try:
        net.load_state_dict(saved["model"])
    except (KeyError, ValueError, RuntimeError, TypeError) as error:
        raise checkpoint.CheckpointError(f"{path!r}: its weights do not fit the {meta['model']} "
                                         f"its metadata describes ({error})") from None
    # its own data set from the folder it was read from (--data-dir), if it named one
    if data_dir is None and data is None:
        data_dir = meta.get("args", {}).get("data_dir")
    dataset = builders.load_data(data or meta["data"], data_dir=data_dir)
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


def _check_run_metadata(path, meta, state):
    """Refuse run metadata that is malformed, or that would build a model bigger than the
    weights the file holds, before anything is built: every model of `glassgrad train` has at
    least one weight per input feature or per class (its first or last layer), so an input
    shape (or class count) beyond the number of stored weights is a crafted or corrupt file
    (metadata declaring 100000 × 100000 inputs must not allocate a 10¹⁰-weight layer)."""
    def refuse(field, problem):
        raise checkpoint.CheckpointError(f"{path!r}: field '{RUN_KEY}.{field}' of its metadata "
                                         f"{problem}; the checkpoint cannot be evaluated")

    if not isinstance(meta["model"], str) or meta["model"] not in builders.MODELS:
        refuse("model", f"must be one of {', '.join(builders.MODELS)}, got {meta['model']!r}")
    shape = meta["input_shape"]
    if (not isinstance(shape, list) or not 1 <= len(shape) <= 3
            or not all(type(d) is int and d >= 1 for d in shape)):
        refuse("input_shape", f"must be a list of 1 to 3 positive ints, got {shape!r}")
    classes = meta["num_classes"]
    if type(classes) is not int or classes < 1:
        refuse("num_classes", f"must be a positive int, got {classes!r}")
    stored = 0
    for value in (state or {}).values():
        stored += int(np.size(value._data if hasattr(value, "_data") else value))
    features = int(np.prod(shape, dtype=object))
    if features > stored:
        refuse("input_shape", f"declares {features:,} input features, more than the "
                              f"{stored:,} weights the file holds")
    if classes > stored:
        refuse("num_classes", f"declares {classes:,} classes, more than the {stored:,} weights "
                              "the file holds")


__all__ = ["FILES", "RunExistsError", "check_out", "check_resumable", "default_out",
           "evaluate_checkpoint", "machine", "resume_run", "score", "settings", "train_run",
           "write_json"]
