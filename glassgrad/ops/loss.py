"""The fused losses: mean squared error and cross-entropy of class indices, each one op; and
binary cross-entropy of probabilities, a primitive for its clamped gradient.

nn.functional's losses compose ops; the first two common cases are primitives because a
benchmark favours them (the figures are in each docstring), BCE because torch's gradient at
p = 0 or 1 is not the derivative of any composite of the clamped logs. Every backward rule is
written in glassgrad ops from the inputs, so they are differentiable again.
"""
import math

import numpy as np

from ..autograd.function import Function
from ..tensor import as_array
from . import elementwise as ew
from .activation import log_softmax, log_softmax_array
from .indexing import where


class MSELoss(Function):
    """Σ(input - target)², divided by the element count for the mean, as one primitive.

    Why a primitive (measured): the composite records three ops (sub, mul, mean); fused, the
    `tiny` benchmark's step (an MLP 2-16-16-1 on MSE) takes 162 µs instead of 187. Backward, with
    d = input - target and n the element count (1 for the sum):
        d input = 2·d·g / n,   d target = -2·d·g / n
    (the engine sums each over the axes it was broadcast along).
    """

    @staticmethod
    def forward(ctx, input, target, mean):
        squares = np.square(np.subtract(input, target))
        if mean and squares.size == 0:            # the mean of nothing is NaN, as in torch
            ctx.scale = math.nan
            return np.full((), np.nan, dtype=squares.dtype)
        ctx.scale = 2.0 / squares.size if mean else 2.0
        # numpy's pairwise sum: np.vdot (BLAS) was 2,000× less accurate on 10⁷ float32 values.
        total = squares.sum()
        return total / squares.size if mean else total      # np.mean's own Python layer: +4 µs

    @staticmethod
    def backward(ctx, grad):
        input, target = ctx.inputs[:2]
        scaled = (input - target) * (grad * ctx.scale)
        needs = ctx.needs_input_grad
        return scaled if needs[0] else None, -scaled if needs[1] else None

    @staticmethod
    def backward_array(ctx, grad):
        """The rule on numpy arrays, in place, for a backward that records no graph: three
        ops of the rule become two numpy calls (measured: the `tiny` step 80 → 74 µs; see
        Linear.backward_array). The op table checks it against `backward`."""
        input, target = ctx.inputs[:2]
        scaled = np.subtract(as_array(input), as_array(target))
        scaled *= grad * ctx.scale
        needs = ctx.needs_input_grad
        return scaled if needs[0] else None, -scaled if needs[1] else None


class CrossEntropy(Function):
    """-Σ_i log softmax(x_i)[t_i] over a batch of logits (N, C) and class indices (N,), divided
    by N for the mean: log-softmax and NLL as one primitive.

    Why a primitive (measured): the composite records four ops (log_softmax, index, neg,
    mean); fused, cross_entropy's forward + backward on the benchmark's (128, 10) logits drops
    from 114 to 75 µs. Backward: dx = (softmax(x) - onehot(t)) · g / N, with softmax(x) taken
    as exp(log_softmax(x)) of the input, so second derivatives flow through it.
    """

    @staticmethod
    def forward(ctx, x, labels, mean):
        log_probs = log_softmax_array(x, 1)
        ctx.labels = labels
        ctx.scale = 1.0 / len(labels) if mean else 1.0
        total = -log_probs[np.arange(len(labels)), labels].sum()
        return total * ctx.scale if mean else total

    @staticmethod
    def backward(ctx, grad):
        x = ctx.inputs[0]
        onehot = np.zeros(x.shape, dtype=x.dtype)
        onehot[np.arange(len(ctx.labels)), ctx.labels] = 1
        return (ew.exp(log_softmax(x, 1)) - onehot) * (grad * ctx.scale), None


LOG_FLOOR = -100.0     # torch's BCE clamps each log here: p = 0 costs 100, not inf
# torch's floor for p(1 - p) in the gradient's denominator: 1e-12 as a C float (float32), so
# 9.9999999600e-13, which float64 gradients at p = 0 or 1 show (1/ε = 1.000000004e12).
BCE_EPSILON = float(np.float32(1e-12))


def clamped_log(x):
    """max(log x, -100) for x >= 0, differentiable to any order (gradient 0 where clamped).

    At x = 0 the log is taken of 1 (a branch `where` discards), so no 0·inf appears in backward.
    """
    positive = x._data > 0
    log_x = ew.clamp(ew.log(where(positive, x, 1.0)), min=LOG_FLOOR)
    return where(positive, log_x, LOG_FLOOR)


class BinaryCrossEntropy(Function):
    """-[t·max(log p, -100) + (1 - t)·max(log(1 - p), -100)], element by element (torch's BCE).

    Why a primitive (correctness, not speed): torch's gradient in p is not the derivative of the
    clamped forward. It is the unclamped one with its denominator floored,
        d p = g·(p - t) / max(p(1 - p), 1e-12),
    so a prediction stuck at p = 0 with target 1 still gets a large push the right way
    (-1e12·g), where the clamped composite's derivative is 0. In t it is the derivative of the
    forward, d t = g·(max(log(1 - p), -100) - max(log p, -100)) (torch's -logit(p) is ±inf at
    p = 0 or 1; here it stays finite). Both are glassgrad ops, so second derivatives flow; in
    the interior the second derivative in p, (p² - 2pt + t)/(p(1 - p))², is torch's (torch's
    double backward puts its ε elsewhere, so at p exactly 0 or 1 the two differ in size, not
    sign).
    """

    @staticmethod
    def forward(ctx, p, t):
        with np.errstate(divide="ignore"):        # log 0 = -inf, then clamped
            log_p = np.maximum(np.log(p), LOG_FLOOR)
            log_q = np.maximum(np.log1p(-p), LOG_FLOOR)
        return -(t * log_p + (1 - t) * log_q).astype(np.result_type(p, t), copy=False)

    @staticmethod
    def backward(ctx, grad):
        p, t = ctx.inputs[:2]
        needs = ctx.needs_input_grad
        d_p = d_t = None
        if needs[0]:
            d_p = grad * (p - t) / ew.clamp(p * (1.0 - p), min=BCE_EPSILON)
        if needs[1]:
            d_t = grad * (clamped_log(1.0 - p) - clamped_log(p))
        return d_p, d_t


def binary_cross_entropy(input, target):
    """Element-wise BCE of probabilities with torch's clamped logs and gradient: one op."""
    return BinaryCrossEntropy.apply(input, target)


def mse_loss(input, target, mean=True):
    """mean (or sum) of (input - target)², broadcast as numpy does: one op."""
    return MSELoss.apply(input, target, mean)


def cross_entropy_of_indices(logits, labels, mean=True):
    """cross-entropy of (N, C) logits and N valid class indices (an int array): one op."""
    return CrossEntropy.apply(logits, labels, mean)
