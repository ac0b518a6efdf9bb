"""Masking: computing only over the valid steps of a padded batch of sequences.

A padded batch (B, T, *) holds, for a sequence of length L, L real steps followed by T − L
steps of padding. A recurrent layer run on it computes outputs at the padding steps too; a
loss, a mean over time or a pooled summary must leave them out. The tools here take a boolean
mask (True on real steps), made from the lengths by `lengths_to_mask`:

    lengths [3, 1]   →   mask [[T, T, T],
                               [T, F, F]]

Every reduction selects with `where(mask, values, neutral)`, not `values * mask`: the
gradient of the unselected branch of a `where` is exactly zero, so a padding step gets no
gradient even when its value is NaN or infinite (0 · NaN would be NaN).

Global pooling over time (`pool_over_time`: mean, max or sum of a recurrent layer's outputs,
counting only valid steps) turns a sequence into one vector for a sequence-to-label model
(e.g. Conneau et al., 2017, "Supervised Learning of Universal Sentence Representations from
Natural Language Inference Data", max-pooled BiLSTM).
"""
import numpy as np

from ... import creation
from ...ops.indexing import where
from ...tensor import Tensor, as_array
from .rnn import PackedSequence, pad_packed_sequence


def lengths_to_mask(lengths, max_len=None, batch_first=True):
    """Boolean mask, True at step t of sequence b when t < lengths[b].

    Args:
        lengths: (B,) non-negative integers (a list, numpy array or integer Tensor).
        max_len: the number of steps T (default: the longest length); must be >= every length.
        batch_first: the mask is (B, T) when True (the default), (T, B) when False, so that it
            lines up with a recurrent layer's output in either layout.

    Example:
        >>> lengths_to_mask([3, 1]).tolist()
        [[True, True, True], [True, False, False]]
    """
    array = np.asarray(as_array(lengths) if isinstance(lengths, Tensor) else lengths)
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
        raise ValueError(f"lengths_to_mask: lengths must be a 1-D sequence of integers, got "
                         f"dtype {array.dtype} of shape {array.shape}")
    array = array.astype(np.int64)
    if array.size and array.min() < 0:
        raise ValueError(f"lengths_to_mask: lengths must be >= 0, got {array.min()} at "
                         f"position {int(np.argmin(array))}")
    longest = int(array.max()) if array.size else 0
    if max_len is None:
        max_len = longest
    elif int(max_len) < longest:
        raise ValueError(f"lengths_to_mask: max_len {max_len} is shorter than the longest "
                         f"length {longest}")
    mask = np.arange(int(max_len))[None, :] < array[:, None]          # (B, T)
    return creation.tensor(mask if batch_first else np.ascontiguousarray(mask.T))


def _aligned(values, mask, op):
    """The mask as a bool array with values' number of dims: trailing axes of size 1 are
    added, so a (B, T) mask selects whole feature vectors of (B, T, H) values."""
    if isinstance(mask, PackedSequence) or isinstance(values, PackedSequence):
        raise TypeError(f"{op}: expected padded tensors and a mask, got a PackedSequence; "
                        f"unpack it with pad_packed_sequence or use pool_over_time")
    array = np.asarray(as_array(mask) if isinstance(mask, Tensor) else mask)
    if array.dtype != np.bool_:
        raise TypeError(f"{op}: mask must be boolean (True on valid steps), got dtype "
                        f"{array.dtype}")
    shape = tuple(values.shape)
    if array.ndim > len(shape) or tuple(array.shape) != shape[:array.ndim]:
        raise ValueError(f"{op}: mask of shape {tuple(array.shape)} does not match values of "
                         f"shape {shape}; expected the mask's shape to be the leading "
                         f"dimensions of the values' shape")
    return array.reshape(array.shape + (1,) * (len(shape) - array.ndim))


def masked_sum(values, mask, dim=None, keepdim=False):
    """Sum of `values` over `dim` (all dims when None), counting only where `mask` is True.

    `mask` has the shape of `values` or of its leading dimensions ((B, T) for (B, T, H)).
    """
    aligned = _aligned(values, mask, "masked_sum")
    return where(aligned, values, 0.0).sum(dim, keepdim)


def masked_mean(values, mask, dim=None, keepdim=False):
    """Mean of `values` over `dim` (all dims when None) over the entries where `mask` is True:
    sum over valid entries / number of valid entries. The mean of per-step losses of a padded
    batch: `masked_mean(per_step_loss, lengths_to_mask(lengths))`. NaN where a reduced slice
    has no valid entry (the mean of nothing), as numpy's mean of an empty array.

    `mask` has the shape of `values` or of its leading dimensions ((B, T) for (B, T, H)).
    """
    aligned = _aligned(values, mask, "masked_mean")
    counts = np.broadcast_to(aligned, tuple(values.shape)).sum(
        axis=None if dim is None else dim, keepdims=keepdim)
    total = where(aligned, values, 0.0).sum(dim, keepdim)
    with np.errstate(divide="ignore", invalid="ignore"):
        return total / creation.tensor(np.asarray(counts, dtype=values.dtype))


def masked_max(values, mask, dim, keepdim=False):
    """Largest of `values` along `dim` among the entries where `mask` is True; the gradient
    goes to the selected entry only. Raises when a slice along `dim` has no valid entry."""
    aligned = _aligned(values, mask, "masked_max")
    full = np.broadcast_to(aligned, tuple(values.shape))
    if not full.any(axis=dim).all():
        raise ValueError(f"masked_max: a slice along dim {dim} of values of shape "
                         f"{tuple(values.shape)} has no valid entry (a sequence of length 0?)")
    return where(aligned, values, float("-inf")).amax(dim, keepdim)


_POOLS = {"mean": masked_mean, "sum": masked_sum, "max": masked_max}


def pool_over_time(output, lengths=None, mode="mean", batch_first=False):
    """Global pooling over time of a recurrent layer's output, over the valid steps only.

    Args:
        output: (T, B, H) (or (B, T, H) with batch_first), or a PackedSequence (then the
            lengths come from it and `batch_first` is ignored).
        lengths: (B,) the sequences' lengths; required unless `output` is packed.
        mode: 'mean', 'max' or 'sum'.

    Returns: (B, H), one vector per sequence, whatever the padding.
    """
    if mode not in _POOLS:
        raise ValueError(f"pool_over_time: mode must be one of {sorted(_POOLS)}, got {mode!r}")
    if isinstance(output, PackedSequence):
        output, lengths = pad_packed_sequence(output, batch_first=True)
        batch_first = True
    elif lengths is None:
        raise ValueError("pool_over_time: lengths are required for a padded output (or give "
                         "a PackedSequence)")
    if output.ndim != 3:
        raise ValueError(f"pool_over_time: expected a 3-D output (T, B, H) or (B, T, H), got "
                         f"shape {tuple(output.shape)}")
    steps = output.shape[1] if batch_first else output.shape[0]
    batch = output.shape[0] if batch_first else output.shape[1]
    count = len(as_array(lengths) if isinstance(lengths, Tensor) else lengths)
    if count != batch:
        raise ValueError(f"pool_over_time: {count} lengths for a batch of {batch} "
                         f"(output of shape {tuple(output.shape)}, batch_first={batch_first})")
    mask = lengths_to_mask(lengths, max_len=steps, batch_first=batch_first)
    return _POOLS[mode](output, mask, dim=1 if batch_first else 0)


__all__ = ["lengths_to_mask", "masked_max", "masked_mean", "masked_sum", "pool_over_time"]
