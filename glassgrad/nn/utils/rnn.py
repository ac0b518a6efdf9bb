"""Batches of sequences of different lengths: padding and packing (torch.nn.utils.rnn's names).

Padding puts the sequences side by side in one (T, B, *) tensor, filling the short ones; a
recurrent layer then runs the padding steps too. Packing keeps only the valid steps, time-major:
sequences sorted by decreasing length, and at step t the `batch_sizes[t]` sequences still
running. Three sequences of lengths 3, 2, 1 (a, b, c), packed:

    step    0        1      2
    rows    a0 b0 c0 a1 b1  a2         data (6, *),  batch_sizes [3, 2, 1]

nn.RNN / LSTM / GRU take a PackedSequence and stop each sequence at its own last step, so h_n
holds each sequence's state there. Every function here is one or two glassgrad ops (a gather
with an index array, a pad), so gradients flow through packing and unpacking.
"""
from collections import namedtuple

import numpy as np

from ... import creation
from ...ops.movement import cat, pad, stack
from ...tensor import Tensor, as_array


class PackedSequence(namedtuple("PackedSequence",
                                "data batch_sizes sorted_indices unsorted_indices")):
    """A packed batch: `data` (N, *) the valid steps, time-major; `batch_sizes` (T,) int64, how
    many sequences run at each step; `sorted_indices` (B,) the original index of each packed
    sequence (None when the batch came sorted) and `unsorted_indices` its inverse. Make one
    with `pack_padded_sequence` or `pack_sequence`, not by hand."""

    def __new__(cls, data, batch_sizes, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _invert(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    @property
    def is_sorted(self):
        return self.sorted_indices is None


def _invert(permutation):
    array = as_array(permutation)
    inverse = np.empty_like(array)
    inverse[array] = np.arange(array.size, dtype=array.dtype)
    return creation.tensor(inverse)


def _lengths_array(lengths, op):
    lengths = np.asarray(as_array(lengths) if isinstance(lengths, Tensor) else lengths)
    if lengths.ndim != 1 or lengths.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: lengths must be a 1-D sequence of integers, got "
                           f"{lengths.dtype} of shape {lengths.shape}")
    return lengths.astype(np.int64)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of shapes (L_i, *) into (T, B, *) (or (B, T, *)), T = max L_i, filling
    with `padding_value` after each sequence (padding_side='right') or before it ('left')."""
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise ValueError(f"pad_sequence: padding_side must be 'left' or 'right', got "
                         f"{padding_side!r}")
    trailing = tuple(sequences[0].shape[1:])
    for i, s in enumerate(sequences):
        if s.ndim == 0 or tuple(s.shape[1:]) != trailing:
            raise RuntimeError(f"pad_sequence: sequence {i} has shape {tuple(s.shape)}; expected "
                               f"(length, {', '.join(map(str, trailing))}) like sequence 0"
                               .replace(", )", ")"))
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        extra = longest - s.shape[0]
        # pad() lists the last dimension first: (0, 0) for each trailing one, then dim 0.
        widths = (0, 0) * len(trailing) + ((0, extra) if padding_side == "right" else (extra, 0))
        padded.append(pad(s, widths, value=padding_value) if extra else s)
    return stack(padded, 0 if batch_first else 1)


def _sorted_order(lengths, enforce_sorted):
    if enforce_sorted:
        if np.any(lengths[:-1] < lengths[1:]):
            raise RuntimeError(f"pack_padded_sequence: `lengths` array must be sorted in "
                               f"decreasing order when `enforce_sorted` is True, got "
                               f"{lengths.tolist()}. Pass enforce_sorted=False to pack an "
                               "unsorted batch (it is sorted, and unsorted on the way out)")
        return None
    return np.argsort(-lengths, kind="stable")


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (or (B, T, *)) whose sequence b has `lengths[b]` valid
    steps. enforce_sorted=True requires decreasing lengths; False sorts them (and the layer's
    outputs come back in the original order)."""
    lengths = _lengths_array(lengths, "pack_padded_sequence")
    if input.ndim < 2:
        raise RuntimeError(f"pack_padded_sequence: expected a padded batch of at least 2 "
                           f"dimensions, got shape {tuple(input.shape)}")
    steps, batch = (input.shape[1], input.shape[0]) if batch_first else input.shape[:2]
    if lengths.size != batch:
        raise RuntimeError(f"pack_padded_sequence: got {lengths.size} lengths for a batch of "
                           f"{batch} sequences (input of shape {tuple(input.shape)}, "
                           f"batch_first={batch_first})")
    if np.any(lengths <= 0):
        raise RuntimeError(f"pack_padded_sequence: length of all samples has to be greater than "
                           f"0, got lengths {lengths.tolist()}")
    if lengths.max() > steps:
        raise RuntimeError(f"pack_padded_sequence: a length of {lengths.max()} is longer than "
                           f"the padded input's {steps} steps (input of shape "
                           f"{tuple(input.shape)}, batch_first={batch_first})")
    order = _sorted_order(lengths, enforce_sorted)
    sorted_lengths = lengths if order is None else lengths[order]
    original = np.arange(batch) if order is None else order
    batch_sizes = (sorted_lengths[None, :] > np.arange(sorted_lengths[0])[:, None]).sum(1)
    # One gather: the row of (step t, sorted sequence s) in the flattened padded tensor.
    rows = np.concatenate([(original[:size] * steps + t) if batch_first else
                           (t * batch + original[:size]) for t, size in enumerate(batch_sizes)])
    data = input.reshape((steps * batch,) + tuple(input.shape[2:]))[rows]
    sorted_indices = None if order is None else creation.tensor(order.astype(np.int64))
    return PackedSequence(data, creation.tensor(batch_sizes.astype(np.int64)), sorted_indices)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of pack_padded_sequence: (padded (T, B, *) or (B, T, *), lengths (B,)),
    in the batch's original order; T = total_length if given, else the longest length."""
    data, batch_sizes, _, unsorted = sequence
    sizes = as_array(batch_sizes).astype(np.int64)
    batch, longest = int(sizes[0]), len(sizes)
    if total_length is not None:
        if total_length < longest:
            raise ValueError(f"pad_packed_sequence: expected total_length to be at least the "
                             f"length of the longest sequence ({longest}), got {total_length}")
        longest = int(total_length)
    sorted_lengths = (sizes[None, :] > np.arange(batch)[:, None]).sum(1)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    position = np.arange(batch) if unsorted is None else as_array(unsorted)  # b → packed place
    steps = np.arange(longest)[:, None]
    valid = steps < sorted_lengths[position][None, :]
    # Row of the packed data for each (t, b); padding positions read one extra row of padding.
    padded_rows = np.where(valid, offsets[np.minimum(steps, len(sizes) - 1)] + position[None, :],
                           data.shape[0])
    filler = creation.full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype)
    padded = cat([data, filler], 0)[padded_rows]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, creation.tensor(sorted_lengths[position].astype(np.int64))


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of tensors (L_i, *) (pad_sequence then pack_padded_sequence)."""
    sequences = list(sequences)
    lengths = [s.shape[0] if s.ndim else 0 for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


__all__ = ["PackedSequence", "pad_sequence", "pack_padded_sequence", "pad_packed_sequence",
           "pack_sequence"]
