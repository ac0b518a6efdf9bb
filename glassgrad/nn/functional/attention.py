"""Scaled dot-product attention and multi-head attention (torch.nn.functional's names).

    Attention(Q, K, V) = softmax(Q Kᵀ / √d + M) V

Each query row attends over all key rows: the weights are a softmax of its dot products with the
keys, and the output is the weighted sum of the values. M is the mask: a boolean mask keeps the
pairs where it is True (the others get -inf before the softmax), a float mask is added.

Both functions are compositions of glassgrad ops (batched matmul over every leading dim, so all
heads of all sequences in one product; log-softmax; where), hence differentiable to any order.
A query row with no key to attend to gets zero weights (torch's "safe softmax"), not NaN.

- Paper: Vaswani et al., "Attention Is All You Need", NeurIPS 2017,
  https://arxiv.org/abs/1706.03762 (scaled dot-product and multi-head attention).
"""
import math

import numpy as np

from ...ops.activation import log_softmax
from ...ops.elementwise import exp
from ...ops.indexing import where
from ...ops.linalg import linear, matmul
from ...ops.movement import cat, pad
from ...tensor import Tensor
from .dropout import dropout


def _array(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _check_mask(op, mask, expected, what="attn_mask"):
    """The mask's numpy array, after checking its dtype (bool or float) and that it broadcasts
    to `expected` (the scores' shape)."""
    array = _array(mask)
    if array.dtype != np.bool_ and array.dtype.kind != "f":
        raise TypeError(f"{op}: {what} must be a bool or floating-point tensor, got dtype "
                        f"{array.dtype}")
    try:
        fits = np.broadcast_shapes(array.shape, expected) == tuple(expected)
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"{op}: {what} of shape {tuple(array.shape)} does not broadcast to "
                           f"the attention scores' shape {tuple(expected)} (..., L, S)")
    return array


def _causal(length, source):
    """The lower-triangular "attend" mask (L, S): query i sees keys 0..i (top-left aligned)."""
    return np.tril(np.ones((length, source), dtype=np.bool_))


def _attend(query, key, value, mask, dropout_p, scale, generator=None):
    """softmax(scale · Q Kᵀ + mask) V and the weights; `mask` is None, a bool numpy array (True
    = attend) or a float array / Tensor to add. Returns (output, weights)."""
    # Scaling Q (.., L, E) rather than the scores (.., L, S) is the same product, less work.
    scores = matmul(query * scale, key.mT)
    dead = None
    if mask is not None:
        array = _array(mask)
        is_bool = array.dtype == np.bool_
        dead = ~array.any(-1, keepdims=True) if is_bool else \
            np.isneginf(array).all(-1, keepdims=True)
        dead = dead if dead.any() else None
        if is_bool:
            if dead is not None:            # a row with no key: attend to all, zeroed below
                array = array | dead
            scores = where(array, scores, float("-inf"))
        else:
            scores = scores + (mask if isinstance(mask, Tensor) else array.astype(scores.dtype))
            if dead is not None:
                scores = where(dead, 0.0, scores)
    weights = exp(log_softmax(scores, -1))
    if dead is not None:
        weights = where(dead, 0.0, weights)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True, generator=generator)
    return matmul(weights, value), weights


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, generator=None):
    """softmax(Q Kᵀ · scale + mask) V, batched over any leading dims (torch's semantics).

    Args:
        query: (..., L, E); key: (..., S, E); value: (..., S, Ev); leading dims broadcast.
        attn_mask: broadcastable to (..., L, S): bool (True = may attend) or float (added to
            the scores, e.g. -inf to block).
        dropout_p: dropout on the attention weights (applied whenever > 0, as torch does; pass
            0.0 in evaluation).
        is_causal: query i attends to keys 0..i only (may not be combined with attn_mask).
        scale: default 1/√E.
        generator: a glassgrad.Generator for the dropout mask.

    Returns: (..., L, Ev).

    - Paper: Vaswani et al. 2017, "Attention Is All You Need", §3.2.1.
    """
    op = "scaled_dot_product_attention"
    for name, t in (("query", query), ("key", key), ("value", value)):
        if t.ndim < 2:
            raise RuntimeError(f"{op}: {name} must have at least 2 dimensions (..., L, E), got "
                               f"shape {tuple(t.shape)}")
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(f"{op}: query of shape {tuple(query.shape)} and key of shape "
                           f"{tuple(key.shape)} must have the same last dimension E")
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"{op}: key of shape {tuple(key.shape)} and value of shape "
                           f"{tuple(value.shape)} must have the same sequence length S")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{op}: dropout_p must be in [0, 1], got {dropout_p}")
    length, source = query.shape[-2], key.shape[-2]
    try:
        lead = np.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    except ValueError:
        raise RuntimeError(f"{op}: the leading dims of query {tuple(query.shape)}, key "
                           f"{tuple(key.shape)} and value {tuple(value.shape)} do not "
                           f"broadcast") from None
    mask = None
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError(f"{op}: give attn_mask or is_causal=True, not both")
        mask = _causal(length, source)
    elif attn_mask is not None:
        array = _check_mask(op, attn_mask, tuple(lead) + (length, source))
        mask = attn_mask if isinstance(attn_mask, Tensor) and attn_mask.requires_grad else array
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    return _attend(query, key, value, mask, dropout_p, scale, generator)[0]


def _as_additive(mask, dtype):
    """An MHA mask (bool: True = ignore; float: added) as a float array or Tensor to add."""
    if _array(mask).dtype == np.bool_:
        return np.where(_array(mask), np.asarray(-np.inf, dtype), np.asarray(0, dtype))
    return mask if isinstance(mask, Tensor) and mask.requires_grad else \
        _array(mask).astype(dtype, copy=False)


def _merge_masks(op, attn_mask, key_padding_mask, batch, heads, length, source, dtype):
    """One SDPA-convention mask for the scores (N, H, L, S): a bool "attend" array when both
    masks are bool, else the sum of their additive forms. None when neither is given."""
    masks = []
    if attn_mask is not None:
        array = _array(attn_mask)
        if array.ndim == 2:
            expected = (length, source)
        elif array.ndim == 3:
            expected = (batch * heads, length, source)
        else:
            expected = None
        if expected is None or tuple(array.shape) != expected:
            raise RuntimeError(f"{op}: attn_mask of shape {tuple(array.shape)}; expected "
                               f"({length}, {source}) or ({batch * heads}, {length}, {source}) "
                               f"(L, S or N·num_heads, L, S)")
        _check_mask(op, attn_mask, array.shape)
        shaped = (lambda m: m.reshape(batch, heads, length, source)) if array.ndim == 3 else \
            (lambda m: m)
        masks.append((attn_mask, shaped))
    if key_padding_mask is not None:
        array = _array(key_padding_mask)
        if tuple(array.shape) != (batch, source):
            raise RuntimeError(f"{op}: key_padding_mask of shape {tuple(array.shape)}; expected "
                               f"({batch}, {source}) (N, S)")
        _check_mask(op, key_padding_mask, array.shape, "key_padding_mask")
        masks.append((key_padding_mask, lambda m: m.reshape(batch, 1, 1, source)))
    if not masks:
        return None
    if all(_array(m).dtype == np.bool_ for m, _ in masks):
        allowed = np.ones((1,) * 4, dtype=np.bool_)
        for m, shaped in masks:
            allowed = allowed & ~shaped(_array(m))
        return allowed
    total = None
    for m, shaped in masks:
        part = shaped(_as_additive(m, dtype))
        total = part if total is None else total + part
    return total


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False,
                                 batch_first=False, generator=None):
    """torch.nn.functional.multi_head_attention_forward: project, split into heads, attend,
    concatenate, project; returns (output, weights or None).

    Inputs are (L, N, E) (or (N, L, E) with `batch_first`, glassgrad's addition that lets the
    module skip two transposes) or unbatched (L, E). Masks follow nn.MultiheadAttention: a bool
    mask is True where attending is NOT allowed; a float mask is added. `is_causal` is a hint
    that attn_mask is the causal mask (which must then be given, as in torch).

    - Paper: Vaswani et al. 2017, §3.2.2: MultiHead(Q, K, V) = Concat(head_1..head_h) W^O,
      head_i = Attention(Q W_i^Q, K W_i^K, V W_i^V).
    """
    op = "multi_head_attention_forward"
    unbatched = query.ndim == 2
    if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
        raise RuntimeError(f"{op}: query, key and value must all be 3-D (batched) or 2-D "
                           f"(unbatched), got shapes {tuple(query.shape)}, {tuple(key.shape)}, "
                           f"{tuple(value.shape)}")
    if unbatched:       # (L, E) → (L, 1, E) (or (1, L, E)); masks get the batch dim too
        bdim = 0 if batch_first else 1
        query, key, value = query.unsqueeze(bdim), key.unsqueeze(bdim), value.unsqueeze(bdim)
        if key_padding_mask is not None:
            key_padding_mask = _array(key_padding_mask)[None]
    if batch_first:
        batch, length, embed = query.shape
        source = key.shape[1]
    else:
        length, batch, embed = query.shape
        source = key.shape[0]
    if embed != embed_dim_to_check:
        raise RuntimeError(f"{op}: expected query of embedding dim {embed_dim_to_check}, got "
                           f"shape {tuple(query.shape)}")
    if embed % num_heads:
        raise RuntimeError(f"{op}: embed_dim {embed} is not divisible by num_heads {num_heads}")
    kb, vb = (key.shape[0], value.shape[0]) if batch_first else (key.shape[1], value.shape[1])
    ks, vs = (key.shape[1], value.shape[1]) if batch_first else (key.shape[0], value.shape[0])
    if kb != batch or vb != batch or ks != vs:
        raise RuntimeError(f"{op}: key of shape {tuple(key.shape)} and value of shape "
                           f"{tuple(value.shape)} must have the same length and batch as each "
                           f"other and the batch of query {tuple(query.shape)}")
    if is_causal and attn_mask is None:
        raise RuntimeError(f"{op}: need attn_mask if specifying the is_causal hint")
    head_dim = embed // num_heads

    # In-projection: one product for self-attention (the packed (3E, E) weight), two when key
    # is value, else three.
    if use_separate_proj_weight:
        bq = bk = bv = None
        if in_proj_bias is not None:
            bq, bk, bv = in_proj_bias[:embed], in_proj_bias[embed:2 * embed], \
                in_proj_bias[2 * embed:]
        q, k, v = (linear(query, q_proj_weight, bq), linear(key, k_proj_weight, bk),
                   linear(value, v_proj_weight, bv))
    elif query is key and key is value:
        q, k, v = linear(query, in_proj_weight, in_proj_bias).chunk(3, -1)
    else:
        w_q, w_kv = in_proj_weight[:embed], in_proj_weight[embed:]
        b_q = b_kv = None
        if in_proj_bias is not None:
            b_q, b_kv = in_proj_bias[:embed], in_proj_bias[embed:]
        q = linear(query, w_q, b_q)
        if key is value:
            k, v = linear(key, w_kv, b_kv).chunk(2, -1)
        else:
            k = linear(key, w_kv[:embed], None if b_kv is None else b_kv[:embed])
            v = linear(value, w_kv[embed:], None if b_kv is None else b_kv[embed:])

    seq_axis = 1 if batch_first else 0
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise RuntimeError(f"{op}: bias_k/bias_v cannot be combined with static_k/static_v")
        rows = (batch, 1, embed) if batch_first else (1, batch, embed)
        k = cat([k, bias_k.reshape(1, 1, embed).expand(*rows)], seq_axis)
        v = cat([v, bias_v.reshape(1, 1, embed).expand(*rows)], seq_axis)
        attn_mask = _pad_column(attn_mask)
        key_padding_mask = _pad_column(key_padding_mask)
    elif bias_k is not None or bias_v is not None:
        raise RuntimeError(f"{op}: give both bias_k and bias_v or neither")

    # (L, N, E) or (N, L, E) → (N, H, L, head_dim): heads become a batch dim of one matmul.
    order = (0, 2, 1, 3) if batch_first else (1, 2, 0, 3)
    q = q.reshape(*q.shape[:2], num_heads, head_dim).permute(*order)
    k = _heads(k, static_k, batch, num_heads, head_dim, order, "static_k", op)
    v = _heads(v, static_v, batch, num_heads, head_dim, order, "static_v", op)
    if add_zero_attn:
        k = pad(k, (0, 0, 0, 1))
        v = pad(v, (0, 0, 0, 1))
        attn_mask = _pad_column(attn_mask)
        key_padding_mask = _pad_column(key_padding_mask)
    source = k.shape[2]

    mask = _merge_masks(op, attn_mask, key_padding_mask, batch, num_heads, length, source,
                        q.dtype)
    output, weights = _attend(q, k, v, mask, dropout_p if training else 0.0,
                              1.0 / math.sqrt(head_dim), generator)
    # (N, H, L, head_dim) → (L, N, E) or (N, L, E): concatenate the heads, then project.
    output = output.permute(*((0, 2, 1, 3) if batch_first else (2, 0, 1, 3)))
    output = linear(output.reshape(*output.shape[:2], embed), out_proj_weight, out_proj_bias)
    if unbatched:
        output = output.squeeze(0 if batch_first else 1)
    if not need_weights:
        return output, None
    if average_attn_weights:
        weights = weights.mean(1)
    return output, (weights.squeeze(0) if unbatched else weights)


def _heads(x, static, batch, heads, head_dim, order, name, op):
    """Keys or values (S, N, E) / (N, S, E) as (N, H, S, head_dim), or the given static ones
    of shape (N·H, S, head_dim)."""
    if static is None:
        return x.reshape(*x.shape[:2], heads, head_dim).permute(*order)
    if static.ndim != 3 or static.shape[0] != batch * heads or static.shape[2] != head_dim:
        raise RuntimeError(f"{op}: {name} of shape {tuple(static.shape)}; expected "
                           f"({batch * heads}, S, {head_dim}) (N·num_heads, S, head_dim)")
    return static.reshape(batch, heads, static.shape[1], head_dim)


def _pad_column(mask):
    """A mask with one more key column that blocks nothing (False / 0), for an appended key."""
    if mask is None:
        return None
    if isinstance(mask, Tensor) and mask.requires_grad:
        return pad(mask, (0, 1))
    array = _array(mask)
    return np.concatenate([array, np.zeros(array.shape[:-1] + (1,), array.dtype)], -1)


__all__ = ["multi_head_attention_forward", "scaled_dot_product_attention"]
