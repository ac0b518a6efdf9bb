"""Self-attention built up in the course's steps, each a line or two of glassgrad ops.

    1. basic:      Y = softmax(X Xᵀ) X          weights from the input itself; no parameters
    2. scaled:     Y = softmax(X Xᵀ / √k) X     dot products of k-vectors grow like √k
    3. projected:  Q, K, V = X W_q, X W_k, X W_v;  Y = softmax(Q Kᵀ / √k) V
    4. multi-head: split Q, K, V into h heads of k/h dims, attend in each, concatenate, W_o
    5. causal:     scores above the diagonal set to -inf, so step t sees steps ≤ t only

X is (..., t, k): t vectors of k dims, any leading (batch) dims. The softmax is over the last
axis, so row i of the weights says how much output i takes from each input. These are for
reading; nn.MultiheadAttention and nn.functional.scaled_dot_product_attention are the same
computation with torch's layout, masks and dropout.

- Paper: Vaswani et al., "Attention Is All You Need", NeurIPS 2017,
  https://arxiv.org/abs/1706.03762
"""
import math

import numpy as np

from ..ops.indexing import where


def basic_self_attention(x):
    """softmax(X Xᵀ) X: each output a weighted mean of the inputs, weighted by dot product."""
    return (x @ x.mT).softmax(-1) @ x


def scaled_self_attention(x):
    """softmax(X Xᵀ / √k) X: scaling keeps the softmax out of its flat, saturated region."""
    return (x @ x.mT / math.sqrt(x.shape[-1])).softmax(-1) @ x


def projected_self_attention(x, w_q, w_k, w_v):
    """Queries, keys and values as three learned projections (k, k) of the input."""
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    return (q @ k.mT / math.sqrt(k.shape[-1])).softmax(-1) @ v


def _split_heads(x, heads):
    """(..., t, k) → (..., heads, t, k / heads): the heads become a batch dim of one matmul."""
    *lead, t, k = x.shape
    return x.reshape(*lead, t, heads, k // heads).transpose(-3, -2)


def multi_head_self_attention(x, w_q, w_k, w_v, w_o, heads, causal=False):
    """Split into `heads` heads, attend in each (one batched product), concatenate, project."""
    if x.shape[-1] % heads:
        raise ValueError(f"multi_head_self_attention: k = {x.shape[-1]} is not divisible by "
                         f"heads = {heads}")
    q, k, v = (_split_heads(x @ w, heads) for w in (w_q, w_k, w_v))
    scores = q @ k.mT / math.sqrt(q.shape[-1])
    if causal:
        scores = causal_mask(scores)
    y = scores.softmax(-1) @ v                               # (..., heads, t, k / heads)
    return y.transpose(-3, -2).reshape(*x.shape) @ w_o


def causal_mask(scores):
    """Scores (..., t, t) with entries above the diagonal set to -inf (softmax weight 0)."""
    t = scores.shape[-1]
    return where(np.tril(np.ones((t, t), dtype=bool)), scores, float("-inf"))


def causal_self_attention(x, w_q, w_k, w_v):
    """Projected self-attention in which output t depends on inputs 0..t only."""
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    return causal_mask(q @ k.mT / math.sqrt(k.shape[-1])).softmax(-1) @ v


__all__ = ["basic_self_attention", "causal_mask", "causal_self_attention",
           "multi_head_self_attention", "projected_self_attention", "scaled_self_attention"]
