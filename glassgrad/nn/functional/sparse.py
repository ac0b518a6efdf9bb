"""Embedding lookup: row `i` of a weight matrix for each integer index `i`."""
import numpy as np

from ...autograd import grad_mode
from ...ops.indexing import where
from ...tensor import as_array


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """weight[input]: a (*, embedding_dim) tensor of rows picked by the integer `input`.

    The backward adds each output row's gradient into its weight row (the engine's getitem,
    whose backward is np.add.at: repeated indices accumulate, no Python loop). Rows at
    `padding_idx` get no gradient. `max_norm` renormalises, in place, each looked-up row whose
    `norm_type`-norm exceeds it (torch's behaviour).
    """
    indices = as_array(input)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"embedding: expected integer indices (int64 or int32), got dtype "
                        f"{indices.dtype}")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse gradients are not "
                                  "supported by glassgrad")
    num_embeddings = weight.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= num_embeddings):
        raise IndexError(f"embedding: index out of range: got values from {indices.min()} to "
                         f"{indices.max()}, expected indices in [0, {num_embeddings}) for a "
                         f"weight of shape {tuple(weight.shape)}")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += num_embeddings
    if max_norm is not None:
        _renorm_rows(weight, indices, max_norm, norm_type)
    out = weight[indices]
    if padding_idx is not None and weight.requires_grad and grad_mode.is_grad_enabled():
        is_pad = indices == padding_idx
        if is_pad.any():
            # Same values; the where sends padding positions' gradient to a constant branch,
            # so the padding row receives none.
            out = where(is_pad[..., None], weight._data[padding_idx], out)
    return out


def _renorm_rows(weight, indices, max_norm, norm_type):
    """Scale each used row with norm > max_norm down to norm max_norm (outside the graph)."""
    rows = np.unique(indices)
    norms = np.linalg.norm(weight._data[rows], ord=norm_type, axis=1)
    scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(weight.dtype)
    weight._data[rows] *= scale[:, None]


__all__ = ["embedding"]
