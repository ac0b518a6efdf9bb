"""`fit` and `evaluate`: the training loop every example would otherwise write by hand.

    history = fit(model, train_loader, nn.CrossEntropyLoss(), optimizer, epochs=20,
                  val_loader=val_loader, callbacks=[EarlyStopping("val_loss", patience=3)])
    evaluate(model, test_loader)                 # prints, and returns, the loss and accuracy
    # test loss 0.274 (n=1000)
    # test accuracy 0.912 (95% CI 0.894–0.927, n=1000)

One epoch of `fit`: model.train(); for each batch zero the gradients, forward, loss, backward,
clip the gradient norm (if asked), step; then validate under no_grad in eval mode, step the
scheduler, record everything in the history (a dict of lists) and run the callbacks.
"""
import math
import os
import time

import numpy as np

from .. import _allocator
from ..autograd import grad_mode
from ..tensor import as_array
from . import metrics as metrics_module
from .progress import ProgressBar, epoch_line, resolve_verbose


class TrainingState:
    """What callbacks see: the objects being trained, the history so far, the epoch (from 1),
    and `stop`, which a callback sets to end training after this epoch."""

    def __init__(self, model, optimizer, scheduler, history, epochs, log):
        self.model, self.optimizer, self.scheduler = model, optimizer, scheduler
        self.history, self.epochs, self.log = history, epochs, log
        self.epoch = 0
        self.stop = False


class Evaluation(dict):
    """{metric name: Score} from `evaluate`; prints one line per score, e.g.
    `test accuracy 0.912 (95% CI 0.894–0.927, n=1000)`."""

    def __str__(self):
        lines = []
        for score in self.values():
            lines += [str(s) for s in (score if isinstance(score, list) else [score])]
        return "\n".join(lines)

    def to_dict(self):
        """Plain numbers, for JSON."""
        return {k: ([s.to_dict() for s in v] if isinstance(v, list) else v.to_dict())
                for k, v in self.items()}


# --- one batch -------------------------------------------------------------------------------
def _unpack(batch, where):
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return batch
    kind = f"a {type(batch).__name__} of length {len(batch)}" if isinstance(batch, (tuple, list)) \
        else f"a {type(batch).__name__}"
    raise TypeError(f"{where}: each batch must be a pair (inputs, targets), got {kind}")


def _shape(x):
    return tuple(x.shape) if hasattr(x, "shape") else type(x).__name__


def reraise(error, message, after=False):
    """Raise `error` again with `message` in front (or after its text), keeping its type where
    possible."""
    text = f"{error}; {message}" if after else f"{message}: {error}"
    try:
        new = type(error)(text)
    except Exception:                          # an exception type with another constructor
        new = RuntimeError(text)
    raise new.with_traceback(error.__traceback__) from error


def _forward(model, loss_fn, x, y, where):
    try:
        output = model(x)
    except Exception as error:
        reraise(error, f"{where} (inputs of shape {_shape(x)})")
    if loss_fn is None:
        return output, None
    try:
        loss = loss_fn(output, y)
    except Exception as error:
        reraise(error, f"{where} (model output of shape {_shape(output)}, targets of shape "
                        f"{_shape(y)})")
    return output, loss


# --- evaluation ------------------------------------------------------------------------------
def _collect(model, loader, loss_fn, where):
    """Outputs and targets of a whole loader (eval mode, no graph), and the mean loss."""
    outputs, targets = [], []
    total, count = 0.0, 0
    was_training = model.training
    model.eval()
    try:
        with grad_mode.no_grad():
            for i, batch in enumerate(loader):
                x, y = _unpack(batch, f"{where}: batch {i}")
                output, loss = _forward(model, loss_fn, x, y, f"{where}: batch {i}")
                n = len(as_array(y))
                if loss is not None:
                    total += float(loss.item()) * n
                outputs.append(np.array(as_array(output)))
                targets.append(np.array(as_array(y)))
                count += n
    finally:
        model.train(was_training)
    if count == 0:
        raise ValueError(f"{where}: the loader gave no batches")
    return np.concatenate(outputs), np.concatenate(targets), total / count, count


def _default_metrics(loss_fn):
    """accuracy for a classification loss, nothing otherwise (when metrics=None)."""
    return ["accuracy"] if type(loss_fn).__name__ in ("CrossEntropyLoss", "NLLLoss") else []


def _is_classification(output, target):
    """Outputs (N, C) of scores and targets (N,) of class indices."""
    return output.ndim == 2 and target.ndim == 1 and target.dtype.kind in "iu"


def _auto_loss(output, target):
    """The loss evaluate uses by default: cross-entropy for class scores, else the MSE."""
    from ..creation import tensor
    from ..nn.functional import cross_entropy, mse_loss
    with grad_mode.no_grad():
        if _is_classification(output, target):
            return float(cross_entropy(tensor(output), tensor(target)).item())
        if output.shape == target.shape and target.dtype.kind == "f":
            return float(mse_loss(tensor(output), tensor(target)).item())
    return None


def evaluate(model, loader, metrics=None, loss_fn="auto", ci=True, confidence=0.95,
             split="test", n_resamples=1000, seed=0, verbose=1, log=print):
    """Scores of `model` on every batch of `loader`, each with a confidence interval.

    Runs in eval mode under no_grad (the model's mode is restored afterwards), collects the
    outputs, then computes each metric on all of them at once.

        evaluate(model, test_loader)      # prints and returns the test loss and accuracy

    Args:
        metrics: names from glassgrad.train.metrics.METRICS ("accuracy", "f1", "mse", ...)
            or functions(output, target); None means accuracy for a classifier (a
            CrossEntropyLoss/NLLLoss `loss_fn`, or with loss_fn "auto" outputs (N, C) and
            integer targets (N,)), else none.
        loss_fn: also report the mean loss (without an interval); "auto" (the default) takes
            cross-entropy for a classifier's outputs and the MSE for outputs of the targets'
            shape; None reports no loss.
        ci: compute intervals (Wilson for accuracy, seeded bootstrap for the rest).
        split: the word in front of each score's name when printed ("test", "val").
        verbose: 1 prints the scores through `log`, one line each; 0 prints nothing.
    Returns:
        An `Evaluation`: {name: Score} ({name: [Score per class]} for per-class metrics).
    """
    auto = isinstance(loss_fn, str) and loss_fn == "auto"
    if isinstance(loss_fn, str) and not auto:
        raise ValueError(f"evaluate: loss_fn must be a loss, None or 'auto', got {loss_fn!r}")
    if verbose not in (0, 1, True, False):
        raise ValueError(f"evaluate: verbose must be 0 or 1, got {verbose!r}")
    output, target, mean_loss, n = _collect(model, loader, None if auto else loss_fn,
                                            "evaluate")
    if auto:
        try:
            mean_loss = _auto_loss(output, target)
        except (ValueError, TypeError, IndexError) as error:
            reraise(error, "evaluate: the default loss (loss_fn='auto'; pass loss_fn=None for "
                            "none)")
        if metrics is None:
            metrics = ["accuracy"] if _is_classification(output, target) else []
    metrics = _default_metrics(loss_fn) if metrics is None else list(metrics)
    result = Evaluation()
    prefix = f"{split} " if split else ""
    if mean_loss is not None and (auto or loss_fn is not None):
        result["loss"] = metrics_module.Score(prefix + "loss", mean_loss, n=n)
    for metric in metrics:
        name = metrics_module.get_metric(metric)[0]
        try:
            score = metrics_module.compute(metric, output, target, ci=ci, confidence=confidence,
                                           n_resamples=n_resamples, seed=seed)
        except (ValueError, TypeError) as error:
            reraise(error, f"evaluate: metric {name!r}")
        if isinstance(score, list):
            result[name] = [s.renamed(prefix + s.name) for s in score]
        else:
            result[name] = score.renamed(prefix + score.name)
    if verbose:
        for line in str(result).splitlines():
            log(line)
    return result


# --- training --------------------------------------------------------------------------------
def _is_plateau(scheduler):
    from ..optim.lr_scheduler import ReduceLROnPlateau
    return isinstance(scheduler, ReduceLROnPlateau)


def _per_batch(scheduler):
    from ..optim.lr_scheduler import OneCycleLR
    return isinstance(scheduler, OneCycleLR)


def _new_history(names, validating, clipping):
    history = {"epoch": [], "loss": []}
    for name in names:
        history[name] = []
    if validating:
        history["val_loss"] = []
        for name in names:
            history["val_" + name] = []
    history["lr"] = []
    if clipping:
        history["grad_norm"] = []
    history["time"] = []
    return history


def fit(model, train_loader, loss_fn, optimizer, epochs, val_loader=None, metrics=None,
        scheduler=None, callbacks=(), max_grad_norm=None, monitor=None, scheduler_interval=None,
        verbose="auto", log=print, plot=None, run_dir=None, resume_from=None,
        checkpoint_metadata=None, tune_malloc=True, tensorboard=None):
    """Train `model` for `epochs` passes over `train_loader`; returns the history.

    Args:
        loss_fn: loss(output, target) -> scalar Tensor (mean over the batch).
        optimizer: a glassgrad.optim optimiser over the model's parameters.
        val_loader: scored after each epoch in eval mode under no_grad (val_loss, val_*).
        metrics: metric names or functions (see `evaluate`), computed on the training batches'
            outputs (as the model was during the epoch) and on the validation set.
        scheduler: stepped once per epoch (per batch for OneCycleLR, or with
            scheduler_interval="batch"); ReduceLROnPlateau is given the `monitor` value.
        callbacks: e.g. EarlyStopping, BestCheckpoint (glassgrad.train.callbacks).
        max_grad_norm: clip the gradients' joint norm to this before each step; the norms
            before clipping are averaged into history["grad_norm"].
        monitor: the history key ReduceLROnPlateau and best.npz watch (default "val_loss", or
            "loss" without a validation loader).
        verbose: Keras's: 0 silent, 1 a progress bar over each epoch's batches (on stderr,
            only when it is a terminal) and a line per epoch, 2 a line per epoch, "auto" (the
            default) 1 on a terminal and 2 otherwise. The lines go through `log`.
        plot: a .png path: the loss and metric curves are saved there at the end
            (needs matplotlib).
        run_dir: a folder to write as training goes (glassgrad.train.run_dir): log.csv (a
            row per epoch), checkpoint.npz (the last epoch's full state, replaced atomically)
            and, with a val_loader, best.npz (the best model by `monitor`).
        resume_from: a run folder (or its checkpoint.npz) that fit(run_dir=...) wrote: load
            the model, optimiser, scheduler, random generators, callbacks' states and history
            from it and carry on from the epoch after its last one, to the same result as a
            run that was never stopped. Give the same objects and arguments as the first time.
        checkpoint_metadata: a dict of your own saved in every checkpoint run_dir gets.
        tune_malloc: raise glibc's allocator thresholds first (glassgrad.tune_malloc: the
            same process keeps large temporaries for reuse; ~2x faster convolutions); pass
            False to leave the C library's allocator as it is.
        tensorboard: a folder for TensorBoard event files, written each epoch (the same as
            callbacks=[glassgrad.train.TensorBoard(folder)]; needs tensorboardX).
    Returns:
        The history, a dict of lists, one entry per epoch: "epoch", "loss", each metric,
        "val_loss" and "val_<metric>" with a val_loader, "lr", "grad_norm" with
        max_grad_norm, and "time" (seconds). A resumed run's history covers every epoch.
    """
    from . import run_dir as run_files
    if not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be an integer >= 0, got {epochs!r}")
    verbose = resolve_verbose(verbose)
    if tune_malloc:
        _allocator.tune_malloc()
    metrics = _default_metrics(loss_fn) if metrics is None else list(metrics)
    names = [metrics_module.get_metric(m)[0] for m in metrics]
    monitor = monitor or ("val_loss" if val_loader is not None else "loss")
    if scheduler_interval is None:
        scheduler_interval = "batch" if _per_batch(scheduler) else "epoch"
    if scheduler_interval not in ("epoch", "batch"):
        raise ValueError(f"fit: scheduler_interval must be 'epoch' or 'batch', got "
                         f"{scheduler_interval!r}")
    if verbose == 0:
        log = _silent
    history = _new_history(names, val_loader is not None, max_grad_norm is not None)
    state = TrainingState(model, optimizer, scheduler, history, epochs, log)
    callbacks = list(callbacks)
    if tensorboard is not None:
        from .tensorboard import TensorBoard
        callbacks.append(TensorBoard(tensorboard))
    writer = None if run_dir is None else run_files.RunWriter(
        run_dir, monitor if val_loader is not None else None, checkpoint_metadata)
    first = 1
    if resume_from is not None:
        saved = run_files.resume_state(resume_from, model, optimizer, scheduler, train_loader,
                                       callbacks)
        if list(saved["history"]) != list(history):
            raise ValueError(f"fit: the run in {os.fspath(resume_from)!r} recorded "
                             f"{', '.join(saved['history'])}, this call would record "
                             f"{', '.join(history)}; resume with the same metrics, val_loader "
                             "and max_grad_norm as the first time")
        history.update(saved["history"])
        state.epoch = saved["epoch"]
        first = saved["epoch"] + 1
        if writer is not None:
            writer.restore_best(saved.get("best"))
        log(f"resuming from {run_files.checkpoint_path(resume_from)} after epoch "
            f"{saved['epoch']} of {saved['epochs']}")
        if saved["stopped"]:
            first = epochs + 1                   # it had stopped early: nothing more to do
    if writer is not None:
        writer.start(history)
    _call(callbacks, "on_train_begin", state)

    for epoch in range(first, epochs + 1):
        state.epoch = epoch
        start = time.perf_counter()
        lr = optimizer.param_groups[0]["lr"]
        train = _train_epoch(model, train_loader, loss_fn, optimizer, scheduler,
                             scheduler_interval, max_grad_norm, metrics, epoch, epochs,
                             verbose == 1)
        history["epoch"].append(epoch)
        history["loss"].append(train["loss"])
        for name, value in zip(names, train["metrics"]):
            history[name].append(value)
        if val_loader is not None:
            output, target, val_loss, _ = _collect(model, val_loader, loss_fn,
                                                   f"fit: epoch {epoch}, validation")
            history["val_loss"].append(val_loss)
            for name, metric in zip(names, metrics):
                history["val_" + name].append(_value(metric, output, target))
        history["lr"].append(lr)
        if max_grad_norm is not None:
            history["grad_norm"].append(train["grad_norm"])
        if scheduler is not None and scheduler_interval == "epoch":
            if _is_plateau(scheduler):
                if monitor not in history:
                    raise KeyError(f"fit: ReduceLROnPlateau monitors {monitor!r}, which is not "
                                   f"in the history (keys: {', '.join(history)})")
                scheduler.step(history[monitor][-1])
            else:
                scheduler.step()
        history["time"].append(time.perf_counter() - start)
        log(epoch_line(history, epoch, epochs))
        _call(callbacks, "on_epoch_end", state)
        if writer is not None:
            writer.end_epoch(state, run_files.fit_state(state, train_loader, callbacks))
        if state.stop:
            break
    _call(callbacks, "on_train_end", state)
    if plot is not None:
        from .plots import plot_history
        plot_history(history, plot)
    return history


def _train_epoch(model, loader, loss_fn, optimizer, scheduler, scheduler_interval,
                 max_grad_norm, metrics, epoch, epochs, show_bar):
    model.train()
    total, count, norms = 0.0, 0, []
    outputs, targets = [], []
    bar = None
    if show_bar:
        try:
            bar = ProgressBar(len(loader), f"epoch {epoch}/{epochs}")
        except TypeError:                    # a loader without len(): no bar
            bar = None
    try:
        for i, batch in enumerate(loader):
            where = f"fit: epoch {epoch}, batch {i}"
            x, y = _unpack(batch, where)
            output, loss = _forward(model, loss_fn, x, y, where)
            value = float(loss.item())
            if not math.isfinite(value):
                raise FloatingPointError(
                    f"{where}: the loss is {value}; lower the learning rate, clip the "
                    "gradients (fit's max_grad_norm=..., or --max-grad-norm on the glassgrad "
                    "command line), or find the op with glassgrad.debug.detect_anomaly()")
            optimizer.zero_grad()
            loss.backward()
            if max_grad_norm is not None:
                norms.append(float(_clip(model, max_grad_norm)))
            optimizer.step()
            if scheduler is not None and scheduler_interval == "batch":
                scheduler.step()
            n = len(as_array(y))
            total += value * n
            count += n
            if metrics:
                outputs.append(np.array(as_array(output)))
                targets.append(np.array(as_array(y)))
            if bar is not None:
                bar.update(postfix=f"loss {value:.4f}")
    finally:
        if bar is not None:
            bar.close()          # also on Ctrl-C or an error: the terminal line is ended
    if count == 0:
        raise ValueError(f"fit: epoch {epoch}: the training loader gave no batches")
    result = {"loss": total / count, "metrics": [], "grad_norm": None}
    if metrics:
        output, target = np.concatenate(outputs), np.concatenate(targets)
        result["metrics"] = [_value(m, output, target) for m in metrics]
    if norms:
        result["grad_norm"] = float(np.mean(norms))
    return result


def _clip(model, max_norm):
    from ..nn.utils import clip_grad_norm_
    return clip_grad_norm_(model.parameters(), max_norm)


def _value(metric, output, target):
    """A metric's value alone (no interval), for the history."""
    score = metrics_module.compute(metric, output, target, ci=False)
    if isinstance(score, list):
        raise ValueError(f"fit: metric {metrics_module.get_metric(metric)[0]!r} gives one score "
                         "per class; the history needs one number (use average='macro')")
    return score.value


def _call(callbacks, method, state):
    for callback in callbacks:
        function = getattr(callback, method, None)
        if function is not None:
            function(state)


def _silent(*args, **kwargs):
    pass


__all__ = ["Evaluation", "TrainingState", "evaluate", "fit"]
