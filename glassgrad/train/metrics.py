"""Evaluation metrics, each with a 95% confidence interval: a test score without one says little.

Every metric returns a `Score`: the value, the interval [low, high] and the number of test
samples n, printed as `accuracy 0.912 (95% CI 0.894–0.927, n=1000)`.

- Accuracy gets the Wilson score interval (a binomial proportion: k of n right).
  - Paper: Wilson, "Probable inference, the law of succession, and statistical inference",
    JASA 1927.
- Everything else (precision, recall, F1, MSE, MAE) gets a seeded percentile bootstrap:
  resample the n test samples with replacement, recompute the metric, take the 2.5% and 97.5%
  quantiles of the resampled values.
  - Paper: Efron, "Bootstrap methods: another look at the jackknife", Annals of Statistics
    1979; Efron & Tibshirani, "An Introduction to the Bootstrap", 1993 (the percentile
    interval).

Inputs are Tensors or numpy arrays. Classification metrics take the model's output, either
scores of shape (N, C) (logits or probabilities: the predicted class is the argmax) or class
indices of shape (N,), and integer targets of shape (N,). Pass `ci=False` for the value alone
(what a training loop logs each epoch).
"""
import inspect
import math
import statistics

import numpy as np

from ..tensor import as_array

CONFIDENCE = 0.95
N_RESAMPLES = 1000


class Score:
    """A metric's value with its confidence interval: `value`, `low`, `high`, `n`.

    Behaves as the float `value` in arithmetic comparisons (`float(score)`, `score > 0.9`),
    so a training loop can monitor it. `low`/`high` are None when no interval was computed.
    """

    __slots__ = ("confidence", "high", "low", "method", "n", "name", "value")

    def __init__(self, name, value, low=None, high=None, n=None, confidence=CONFIDENCE,
                 method=None):
        self.name = name
        self.value = float(value)
        self.low = None if low is None else float(low)
        self.high = None if high is None else float(high)
        self.n = None if n is None else int(n)
        self.confidence = confidence
        self.method = method

    def __str__(self):
        extras = []
        if self.low is not None:
            extras.append(f"{100 * self.confidence:g}% CI {self.low:.3f}–{self.high:.3f}")
        if self.n is not None:
            extras.append(f"n={self.n}")
        inside = f" ({', '.join(extras)})" if extras else ""
        return f"{self.name} {self.value:.3f}{inside}"

    def __repr__(self):
        return (f"Score(name={self.name!r}, value={self.value!r}, low={self.low!r}, "
                f"high={self.high!r}, n={self.n!r}, method={self.method!r})")

    def __float__(self):
        return self.value

    def __lt__(self, other):
        return self.value < float(other)

    def __le__(self, other):
        return self.value <= float(other)

    def __gt__(self, other):
        return self.value > float(other)

    def __ge__(self, other):
        return self.value >= float(other)

    def renamed(self, name):
        """The same score under another name (e.g. "test accuracy")."""
        return Score(name, self.value, self.low, self.high, self.n, self.confidence, self.method)

    def to_dict(self):
        """Plain numbers and strings, for JSON (a checkpoint's metadata, a results file)."""
        return {"name": self.name, "value": self.value, "low": self.low, "high": self.high,
                "n": self.n, "confidence": self.confidence, "method": self.method}


# --- the intervals ---------------------------------------------------------------------------
def _z(confidence):
    """The two-sided normal quantile z_{1-α/2} (1.95996... for 95%)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    return statistics.NormalDist().inv_cdf(0.5 + confidence / 2.0)


def wilson_interval(successes, n, confidence=CONFIDENCE):
    """The Wilson score interval for a proportion p̂ = k/n:

        (p̂ + z²/2n ± z·sqrt(p̂(1-p̂)/n + z²/4n²)) / (1 + z²/n)

    Unlike p̂ ± z·sqrt(p̂(1-p̂)/n) it stays inside [0, 1] and is not empty at p̂ = 0 or 1.
    Returns (low, high).
    """
    if n <= 0:
        raise ValueError(f"wilson_interval: needs at least one trial, got n={n}")
    if not 0 <= successes <= n:
        raise ValueError(f"wilson_interval: successes must lie in [0, n={n}], got {successes}")
    z = _z(confidence)
    p = successes / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # At k = 0 (k = n) the lower (upper) end is exactly 0 (1); round-off would leave ~1e-17.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def bootstrap_interval(statistic, arrays, confidence=CONFIDENCE, n_resamples=N_RESAMPLES,
                       seed=0):
    """Percentile bootstrap interval of `statistic(*arrays)` over the samples (first axis).

    Draws `n_resamples` index sets of size n with replacement from a numpy Generator seeded
    with `seed` (the same seed gives the same interval), evaluates the statistic on each and
    returns the (1-confidence)/2 and (1+confidence)/2 quantiles: (low, high), each a float, or
    an array when the statistic returns one (per-class scores).
    """
    _z(confidence)                                      # checks the confidence level
    n = len(arrays[0])
    if n == 0:
        raise ValueError("bootstrap_interval: needs at least one sample, got 0")
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, n, size=(n_resamples, n))
    values = np.array([statistic(*(a[i] for a in arrays)) for i in indices], dtype=np.float64)
    tail = (1.0 - confidence) / 2.0
    low, high = np.nanquantile(values, [tail, 1.0 - tail], axis=0)
    if np.ndim(low) == 0:
        return float(low), float(high)
    return low, high


def bootstrap_mean_interval(values, confidence=CONFIDENCE, n_resamples=N_RESAMPLES, seed=0):
    """`bootstrap_interval` of the mean of per-sample `values`, vectorised (MSE, MAE)."""
    _z(confidence)
    values = np.asarray(values, dtype=np.float64).reshape(len(values), -1).mean(1)
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, len(values), size=(n_resamples, len(values)))
    means = values[indices].mean(1)
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return float(low), float(high)


# --- turning outputs into predictions --------------------------------------------------------
def _classes(output, target, name, num_classes=None):
    """(predicted labels, true labels, number of classes) as int64 arrays, with checks."""
    output, target = as_array(output), as_array(target)
    if target.dtype.kind not in "iub":
        raise TypeError(f"{name}: targets must be integer class labels, got dtype "
                        f"{target.dtype} (shape {target.shape})")
    target = target.astype(np.int64).reshape(-1)
    if output.ndim == 2 and output.dtype.kind == "f":
        if num_classes is None:
            num_classes = output.shape[1]
        elif num_classes != output.shape[1]:
            raise ValueError(f"{name}: the output has {output.shape[1]} class scores per "
                             f"sample, but num_classes={num_classes}")
        predicted = output.argmax(1)
    elif output.ndim == 1 and output.dtype.kind in "iub":
        predicted = output.astype(np.int64)
    else:
        raise ValueError(f"{name}: expected scores of shape (N, C) (floating point) or class "
                         f"indices of shape (N,) (integers), got dtype {output.dtype}, shape "
                         f"{output.shape}; for one binary score per sample pass "
                         f"(output > threshold).long()")
    if len(predicted) != len(target):
        raise ValueError(f"{name}: {len(predicted)} predictions but {len(target)} targets "
                         f"(output shape {output.shape}, target shape {as_array(target).shape})")
    if len(target) == 0:
        raise ValueError(f"{name}: no samples to score (empty output and target)")
    if num_classes is None:
        num_classes = int(max(predicted.max(), target.max())) + 1
    low, high = int(target.min()), int(target.max())
    if low < 0 or high >= num_classes:
        raise ValueError(f"{name}: target labels must lie in [0, {num_classes}) for "
                         f"{num_classes} classes, got labels from {low} to {high}")
    return predicted, target, num_classes


def confusion_matrix(output, target, num_classes=None):
    """C[i, j] = number of samples of true class i predicted as class j (int64, (C, C))."""
    predicted, target, num_classes = _classes(output, target, "confusion_matrix", num_classes)
    return _confusion(predicted, target, num_classes)


def _confusion(predicted, target, num_classes):
    counts = np.bincount(target * num_classes + predicted, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)


# --- classification --------------------------------------------------------------------------
def accuracy(output, target, ci=True, confidence=CONFIDENCE, num_classes=None):
    """Fraction of samples whose predicted class is the target, with a Wilson interval."""
    predicted, target, _ = _classes(output, target, "accuracy", num_classes)
    n = len(target)
    correct = int((predicted == target).sum())
    low, high = wilson_interval(correct, n, confidence) if ci else (None, None)
    return Score("accuracy", correct / n, low, high, n, confidence, "wilson" if ci else None)


_AVERAGES = ("macro", "micro", "weighted", None)


def _precision_recall_f1(predicted, target, num_classes, average):
    """(precision, recall, f1) from a confusion matrix; arrays per class when average=None.

    precision_c = TP/(TP+FP), recall_c = TP/(TP+FN), F1_c = 2·P·R/(P+R); a class with no
    predictions (or no samples) scores 0 there, as scikit-learn's zero_division=0. Macro is
    the plain mean over classes, weighted the mean weighted by each class's support, micro
    pools the counts (for single-label data all three micro scores equal accuracy).
    """
    matrix = _confusion(predicted, target, num_classes)
    tp = np.diag(matrix).astype(np.float64)
    predicted_count = matrix.sum(0)
    support = matrix.sum(1)
    if average == "micro":
        p = r = tp.sum() / max(matrix.sum(), 1)
        return p, r, (2 * p * r / (p + r) if p + r > 0 else 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted_count > 0, tp / predicted_count, 0.0)
        recall = np.where(support > 0, tp / support, 0.0)
        f1 = np.where(precision + recall > 0,
                      2 * precision * recall / (precision + recall), 0.0)
    if average is None:
        return precision, recall, f1
    weights = support / support.sum() if average == "weighted" else None
    return tuple(float(np.average(v, weights=weights)) for v in (precision, recall, f1))


def _class_score(which, output, target, average, ci, confidence, num_classes, n_resamples,
                 seed):
    name = {0: "precision", 1: "recall", 2: "f1"}[which]
    if average not in _AVERAGES:
        raise ValueError(f"{name}: average must be one of 'macro', 'micro', 'weighted' or None "
                         f"(one score per class), got {average!r}")
    predicted, target, num_classes = _classes(output, target, name, num_classes)
    value = _precision_recall_f1(predicted, target, num_classes, average)[which]
    low = high = None
    if ci:
        low, high = bootstrap_interval(
            lambda p, t: _precision_recall_f1(p, t, num_classes, average)[which],
            (predicted, target), confidence, n_resamples, seed)
    n = len(target)
    method = "bootstrap" if ci else None
    if average is not None:
        return Score(f"{name} ({average})", value, low, high, n, confidence, method)
    support = np.bincount(target, minlength=num_classes)
    return [Score(f"{name} (class {c})", value[c], None if low is None else low[c],
                  None if high is None else high[c], int(support[c]), confidence, method)
            for c in range(num_classes)]


def precision(output, target, average="macro", ci=True, confidence=CONFIDENCE,
              num_classes=None, n_resamples=N_RESAMPLES, seed=0):
    """TP/(TP+FP): of the samples predicted as a class, the fraction that are that class.

    average: "macro" (mean over classes), "micro" (pooled counts), "weighted" (by support) or
    None (a list of Scores, one per class, each with n = that class's support).
    """
    return _class_score(0, output, target, average, ci, confidence, num_classes, n_resamples,
                        seed)


def recall(output, target, average="macro", ci=True, confidence=CONFIDENCE, num_classes=None,
           n_resamples=N_RESAMPLES, seed=0):
    """TP/(TP+FN): of the samples of a class, the fraction predicted as that class."""
    return _class_score(1, output, target, average, ci, confidence, num_classes, n_resamples,
                        seed)


def f1_score(output, target, average="macro", ci=True, confidence=CONFIDENCE, num_classes=None,
             n_resamples=N_RESAMPLES, seed=0):
    """The harmonic mean of precision and recall, 2·P·R/(P+R), per class then averaged."""
    return _class_score(2, output, target, average, ci, confidence, num_classes, n_resamples,
                        seed)


# --- regression ------------------------------------------------------------------------------
def _errors(output, target, name):
    output, target = as_array(output), as_array(target)
    if output.shape != target.shape:
        if output.size == target.size and output.ndim <= 2 and target.ndim <= 2:
            output = output.reshape(target.shape)             # (N, 1) against (N,)
        else:
            raise ValueError(f"{name}: output of shape {output.shape} does not match the "
                             f"target of shape {target.shape}")
    if output.ndim == 0 or len(output) == 0:
        raise ValueError(f"{name}: no samples to score (shape {output.shape})")
    return output.astype(np.float64) - target.astype(np.float64)


def mean_squared_error(output, target, ci=True, confidence=CONFIDENCE,
                       n_resamples=N_RESAMPLES, seed=0):
    """mean((output - target)²) over every element, with a bootstrap interval over samples."""
    squared = _errors(output, target, "mean_squared_error") ** 2
    return _mean_score("mse", squared, ci, confidence, n_resamples, seed)


def mean_absolute_error(output, target, ci=True, confidence=CONFIDENCE,
                        n_resamples=N_RESAMPLES, seed=0):
    """mean(|output - target|) over every element, with a bootstrap interval over samples."""
    absolute = np.abs(_errors(output, target, "mean_absolute_error"))
    return _mean_score("mae", absolute, ci, confidence, n_resamples, seed)


def _mean_score(name, per_element, ci, confidence, n_resamples, seed):
    low, high = (bootstrap_mean_interval(per_element, confidence, n_resamples, seed) if ci
                 else (None, None))
    return Score(name, per_element.mean(), low, high, len(per_element), confidence,
                 "bootstrap" if ci else None)


# --- by name, for fit/evaluate ----------------------------------------------------------------
def _averaged(function, average):
    def metric(output, target, **options):
        return function(output, target, average=average, **options)
    metric.__name__ = f"{function.__name__}_{average}"
    return metric


METRICS = {
    "accuracy": accuracy,
    "precision": precision, "recall": recall, "f1": f1_score,
    "precision_micro": _averaged(precision, "micro"),
    "recall_micro": _averaged(recall, "micro"),
    "f1_micro": _averaged(f1_score, "micro"),
    "f1_weighted": _averaged(f1_score, "weighted"),
    "mse": mean_squared_error, "mae": mean_absolute_error,
}


def get_metric(metric):
    """(name, function) for a metric name in METRICS or a callable(output, target, ci=...)."""
    if callable(metric):
        return getattr(metric, "__name__", type(metric).__name__), metric
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; known: {', '.join(sorted(METRICS))}, or "
                         "pass a function(output, target, ci=True) returning a Score or float")
    return metric, METRICS[metric]


def compute(metric, output, target, ci=True, **options):
    """Run one metric (a name or a function) and return its Score (a list for per-class).

    A user's function may return a plain float (no interval) or a Score, and need not accept
    `ci` (it is only passed to the built-in metrics).
    """
    name, function = get_metric(metric)
    if function in METRICS.values():
        accepted = inspect.signature(function).parameters
        if "options" not in accepted:          # accuracy has no bootstrap options
            options = {k: v for k, v in options.items() if k in accepted}
        return function(output, target, ci=ci, **options)     # named by itself: "f1 (macro)"
    result = function(output, target)
    if isinstance(result, list):
        return result
    if not isinstance(result, Score):
        result = Score(name, float(result), n=len(as_array(target)))
    return result


__all__ = ["METRICS", "Score", "accuracy", "bootstrap_interval", "bootstrap_mean_interval",
           "compute", "confusion_matrix", "f1_score", "get_metric", "mean_absolute_error",
           "mean_squared_error", "precision", "recall", "wilson_interval"]
