"""Loss functions (torch.nn.functional's names and arguments), composites of glassgrad ops.

Each returns the mean over elements by default; `reduction='sum'` sums, `'none'` keeps one loss
per element. All are stable for extreme inputs: the classification losses work from logits
through log-softmax / softplus, never through log(softmax(x)), so logits of ±1e4 give finite
losses and gradients.
"""
import math
import warnings

import numpy as np

from ...ops import elementwise as ew
from ...ops import loss as ops_loss
from ...ops.activation import log_softmax, softplus
from ...ops.indexing import GetItem, where
from ...tensor import as_array

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(name, reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _mean_of(total, count):
    """total / count, but for count = 0 (every target ignored) a NaN loss whose gradient is 0,
    as torch's: adding NaN as a constant leaves the gradient of `total` (zero weights) alone,
    where dividing by 0 would make it inf · 0 = NaN."""
    return total + math.nan if count == 0 else total / count


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _same_shape(name, input, target):
    """Regression losses broadcast like torch, but warn: (N, 1) vs (N,) is a classic bug."""
    if tuple(input.shape) != tuple(np.shape(as_array(target))):
        warnings.warn(f"{name}: using a target size {tuple(np.shape(as_array(target)))} that is "
                      f"different to the input size {tuple(input.shape)}. This will likely "
                      "lead to incorrect results due to broadcasting. Please ensure they have "
                      "the same size.", stacklevel=3)



# --- regression --------------------------------------------------------------------------------
def mse_loss(input, target, reduction="mean"):
    """Mean squared error: mean((input - target)²)."""
    _check_reduction("mse_loss", reduction)
    _same_shape("mse_loss", input, target)
    if reduction == "none":
        diff = input - target
        return diff * diff
    return ops_loss.mse_loss(input, target, reduction == "mean")


def l1_loss(input, target, reduction="mean"):
    """Mean absolute error: mean(|input - target|)."""
    _check_reduction("l1_loss", reduction)
    _same_shape("l1_loss", input, target)
    return _reduce(ew.abs(input - target), reduction)


# --- binary classification ---------------------------------------------------------------------
def _check_binary(name, input, target):
    if tuple(input.shape) != tuple(np.shape(as_array(target))):
        raise ValueError(f"{name}: target of shape {tuple(np.shape(as_array(target)))} must have "
                         f"the input's shape {tuple(input.shape)}")


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """-w·[t·log(p) + (1 - t)·log(1 - p)] for probabilities p in [0, 1].

    The logs are clamped at -100 (torch's choice), so p = 0 or 1 gives a large finite loss, and
    the gradient is torch's (p - t)/max(p(1 - p), 1e-12), which still points the right way at
    p = 0 or 1 (ops/loss.py's BinaryCrossEntropy says why that is a primitive).
    Prefer `binary_cross_entropy_with_logits`: it is exact where this has to clamp.
    """
    name = "binary_cross_entropy"
    _check_reduction(name, reduction)
    _check_binary(name, input, target)
    p = input._data
    if p.size and (p.min() < 0 or p.max() > 1 or np.isnan(p).any()):
        raise ValueError(f"{name}: all elements of input should be between 0 and 1 "
                         f"(probabilities; use binary_cross_entropy_with_logits for logits), got "
                         f"values from {p.min()} to {p.max()}")
    loss = ops_loss.binary_cross_entropy(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                     pos_weight=None):
    """BCE of σ(x) computed from the logit x:  (1 - t)·x + (1 + (w⁺ - 1)·t)·softplus(-x).

    softplus(-x) = -log σ(x) is evaluated without overflow, so logits of ±1e4 are fine.
    `pos_weight` (w⁺, broadcast over the last dimension, one per class) weighs the positive
    examples: w⁺ > 1 raises recall, as for rare positives.
    """
    name = "binary_cross_entropy_with_logits"
    _check_reduction(name, reduction)
    _check_binary(name, input, target)
    neg_log_sigmoid = softplus(-input)               # -log σ(x)
    if pos_weight is None:
        loss = (1.0 - target) * input + neg_log_sigmoid
    else:
        loss = (1.0 - target) * input + (1.0 + (pos_weight - 1.0) * target) * neg_log_sigmoid
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


# --- multi-class classification ----------------------------------------------------------------
def _class_layout(name, input, target):
    """Check shapes; return (logits as (M, C), flat targets (M,), target shape).

    Input (N, C) with target (N,), (C,) with (), or (N, C, d1, ...) with (N, d1, ...); the class
    dimension is 1 (0 for unbatched input) and is moved last so every row is one prediction.
    """
    if input.ndim == 0:
        raise ValueError(f"{name}: input must have a class dimension, got a 0-d tensor")
    class_dim = 0 if input.ndim == 1 else 1
    num_classes = input.shape[class_dim]
    expected = input.shape[:class_dim] + input.shape[class_dim + 1:]
    if tuple(target.shape) != tuple(expected):
        raise ValueError(f"{name}: expected target of shape {tuple(expected)} for input of shape "
                         f"{tuple(input.shape)} (class dimension {class_dim} removed), got "
                         f"{tuple(target.shape)}")
    if input.ndim == 2:                         # the common case: nothing to move
        return input, as_array(target), num_classes
    if input.ndim > 2:
        order = (0,) + tuple(range(2, input.ndim)) + (1,)
        input = input.permute(*order)
    return input.reshape(-1, num_classes), as_array(target).reshape(-1), num_classes


def _check_targets(name, target, num_classes, ignore_index):
    """Class indices must be integers in [0, C) (ignore_index aside); say what was found."""
    if target.dtype.kind not in "iu":
        raise TypeError(f"{name}: expected integer class indices (int64) or, for cross_entropy, "
                        f"class probabilities of the input's shape; got dtype {target.dtype}")
    if target.size == 0:
        return np.ones(0, dtype=bool)
    low, high = target.min(), target.max()
    if low >= 0 and high < num_classes and not low <= ignore_index <= high:
        return None                             # all valid (the common case, two passes)
    valid = target != ignore_index
    used = target[valid]
    if used.size and (used.min() < 0 or used.max() >= num_classes):
        raise IndexError(f"{name}: target values must be class indices in [0, {num_classes}) "
                         f"for {num_classes} classes (or ignore_index={ignore_index}); found "
                         f"values from {used.min()} to {used.max()}")
    return valid


def _nll(name, log_probs, target, weight, ignore_index, reduction):
    """-log p[target], weighted and reduced as torch's nll_loss."""
    flat, labels, num_classes = _class_layout(name, log_probs, target)
    valid = _check_targets(name, labels, num_classes, ignore_index)   # None: all valid
    rows = np.arange(labels.shape[0])
    all_valid = valid is None or bool(valid.all())
    if valid is None:
        valid = True
    safe = labels if all_valid else np.where(valid, labels, 0)
    # Each row picks one element, so no element is picked twice: the backward may assign the
    # gradient instead of accumulating it with np.add.at (repeats_possible=False).
    picked = -GetItem.apply(flat, (rows, safe), False)
    if not all_valid:       # zero the ignored rows before weighing: NaN · 0 would still be NaN
        picked = where(valid, picked, 0.0)
    if weight is None and all_valid:
        if reduction == "none":
            return picked.reshape(target.shape)
        return picked.mean() if reduction == "mean" else picked.sum()
    w = np.ones(num_classes, dtype=flat.dtype) if weight is None else as_array(weight)
    if w.shape != (num_classes,):
        raise ValueError(f"{name}: weight must have one entry per class, shape ({num_classes},); "
                         f"got {w.shape}")
    row_weight = (w[safe] * valid).astype(flat.dtype)
    loss = picked * row_weight
    if reduction == "none":
        return loss.reshape(target.shape)
    if reduction == "sum":
        return loss.sum()
    return _mean_of(loss.sum(), float(row_weight.sum()))


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of class indices, given log-probabilities (e.g. log_softmax).

    loss_i = -w[t_i]·input[i, t_i]; the mean divides by Σ w[t_i] over targets that are not
    `ignore_index`.
    """
    _check_reduction("nll_loss", reduction)
    return _nll("nll_loss", input, target, weight, ignore_index, reduction)


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """Cross-entropy between logits and a target: nll_loss(log_softmax(input), target).

    `target` holds class indices (integers, shape of input without the class dimension) or
    class probabilities (floats, the input's shape). `label_smoothing` ε mixes the target with
    the uniform distribution: (1 - ε)·target + ε/C (Szegedy et al. 2016).
    """
    name = "cross_entropy"
    _check_reduction(name, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be between 0.0 and 1.0, got "
                         f"{label_smoothing}")
    if input.dtype.kind != "f":
        raise TypeError(f"{name}: expected floating-point logits (float32 or float64), got input "
                        f"of dtype {input.dtype} and shape {tuple(input.shape)}; convert them "
                        "with .float()")
    class_dim = 0 if input.ndim == 1 else 1
    target_data = as_array(target)
    if (input.ndim == 2 and target_data.ndim == 1 and target_data.dtype.kind in "iu"
            and weight is None and label_smoothing == 0.0 and reduction != "none"
            and len(target_data) == input.shape[0] > 0
            and _check_targets(name, target_data, input.shape[1], ignore_index) is None):
        return ops_loss.cross_entropy_of_indices(input, target_data, reduction == "mean")
    if target_data.dtype.kind in "iu" and input.ndim:
        ignored = target_data == ignore_index
        if ignored.any() and ignored.shape == input.shape[:class_dim] + input.shape[class_dim + 1:]:
            # Mask the ignored rows' logits *before* log-softmax: NaN or inf there must reach
            # neither the loss nor any gradient (masking after would still give NaN · 0).
            input = where(np.expand_dims(ignored, class_dim), 0.0, input)
    log_probs = log_softmax(input, class_dim)
    if target_data.dtype.kind == "f":
        return _soft_cross_entropy(name, log_probs, target, weight, reduction, label_smoothing,
                                   class_dim)
    loss = _nll(name, log_probs, target, weight, ignore_index, reduction)
    if label_smoothing == 0.0:
        return loss
    # Smoothing term: -Σ_c w_c log p_c per element, over C and reduced like the nll term.
    num_classes = input.shape[class_dim]
    w_shape = [1] * input.ndim
    w_shape[class_dim] = num_classes
    weighted = log_probs if weight is None else log_probs * as_array(weight).reshape(w_shape)
    ignored = target_data == ignore_index
    smooth = -weighted.sum(class_dim)
    if ignored.any():
        smooth = where(ignored, 0.0, smooth)
    if reduction == "mean":
        if weight is None:
            smooth = _mean_of(smooth.sum(), float((~ignored).sum()))
        else:
            kept = target_data[~ignored]
            smooth = _mean_of(smooth.sum(), float(as_array(weight)[kept].sum()))
    elif reduction == "sum":
        smooth = smooth.sum()
    return (1.0 - label_smoothing) * loss + smooth * (label_smoothing / num_classes)


def _soft_cross_entropy(name, log_probs, target, weight, reduction, label_smoothing, class_dim):
    """-Σ_c w_c·t_c·log p_c for class-probability targets; the mean is over elements."""
    if tuple(np.shape(as_array(target))) != tuple(log_probs.shape):
        raise ValueError(f"{name}: class-probability targets (floating point) must have the "
                         f"input's shape {tuple(log_probs.shape)}, got "
                         f"{tuple(np.shape(as_array(target)))}; class indices must be integers")
    num_classes = log_probs.shape[class_dim]
    if label_smoothing > 0:
        target = target * (1.0 - label_smoothing) + label_smoothing / num_classes
    terms = log_probs * target
    if weight is not None:
        w_shape = [1] * log_probs.ndim
        w_shape[class_dim] = num_classes
        terms = terms * as_array(weight).reshape(w_shape)
    return _reduce(-terms.sum(class_dim), reduction)


__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy",
           "l1_loss", "mse_loss", "nll_loss"]
