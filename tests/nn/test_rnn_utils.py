"""glassgrad.nn.utils.rnn (pad_sequence, pack_padded_sequence, pad_packed_sequence,
pack_sequence, PackedSequence) against torch.nn.utils.rnn: every field, values and gradients."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.nn.utils import rnn

torch = pytest.importorskip("torch")
trnn = torch.nn.utils.rnn


def sequences(lengths, features=(3,), seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((n,) + features).astype(np.float32) for n in lengths]
    return ([gg.tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


def same(ours, theirs, what):
    if theirs is None:
        assert ours is None, f"{what}: torch has None, glassgrad {ours}"
        return
    a = ours._data if isinstance(ours, gg.Tensor) else np.asarray(ours)
    b = theirs.detach().numpy()
    assert a.shape == b.shape, f"{what}: shape {a.shape} != {b.shape}"
    assert a.dtype == b.dtype, f"{what}: dtype {a.dtype} != {b.dtype}"
    np.testing.assert_array_equal(a, b, err_msg=what)


def same_packed(ours, theirs):
    assert isinstance(ours, rnn.PackedSequence)
    for field in ("data", "batch_sizes", "sorted_indices", "unsorted_indices"):
        same(getattr(ours, field), getattr(theirs, field), field)


def backward_both(ours, theirs, seed=1):
    w = np.random.default_rng(seed).standard_normal(ours.shape).astype(np.float32)
    (ours * gg.tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()


@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pad_sequence_vs_torch(batch_first, padding_side):
    g, t = sequences([2, 5, 3], features=(3, 2))
    ours = rnn.pad_sequence(g, batch_first=batch_first, padding_value=-1.5,
                            padding_side=padding_side)
    theirs = trnn.pad_sequence(t, batch_first=batch_first, padding_value=-1.5,
                               padding_side=padding_side)
    same(ours, theirs, "padded")
    backward_both(ours, theirs)
    for a, b in zip(g, t):
        same(a.grad, b.grad, "gradient of a sequence")


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths, enforce_sorted", [([5, 3, 3, 1], True),
                                                     ([3, 5, 1, 3], False),
                                                     ([2, 4, 4, 1], False),
                                                     ([4, 4, 4, 4], False)])
def test_pack_padded_round_trip_vs_torch(lengths, enforce_sorted, batch_first):
    """Fields equal torch's PackedSequence's (ties among the lengths included); padding back
    gives torch's padded tensor and lengths; gradients flow through both ways."""
    rng = np.random.default_rng(2)
    shape = (4, 6, 3) if batch_first else (6, 4, 3)
    x = rng.standard_normal(shape).astype(np.float32)
    g_x, t_x = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours = rnn.pack_padded_sequence(g_x, lengths, batch_first, enforce_sorted)
    theirs = trnn.pack_padded_sequence(t_x, lengths, batch_first, enforce_sorted)
    same_packed(ours, theirs)
    g_pad, g_len = rnn.pad_packed_sequence(ours, batch_first, padding_value=0.25,
                                           total_length=7)
    t_pad, t_len = trnn.pad_packed_sequence(theirs, batch_first, padding_value=0.25,
                                            total_length=7)
    same(g_pad, t_pad, "padded again")
    same(g_len, t_len, "lengths")
    backward_both(g_pad, t_pad)
    same(g_x.grad, t_x.grad, "gradient of the padded input")


def test_lengths_as_a_tensor_and_pad_packed_without_total_length():
    x = gg.randn(5, 3, 2)
    packed = rnn.pack_padded_sequence(x, gg.tensor([2, 5, 4]), enforce_sorted=False)
    padded, lengths = rnn.pad_packed_sequence(packed)
    assert padded.shape == (5, 3, 2) and lengths.tolist() == [2, 5, 4]
    np.testing.assert_array_equal(padded._data[:2, 0], x._data[:2, 0])
    np.testing.assert_array_equal(padded._data[2:, 0], 0)


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_sequence_vs_torch(enforce_sorted):
    lengths = [4, 2, 1] if enforce_sorted else [2, 4, 1]
    g, t = sequences(lengths, seed=3)
    ours = rnn.pack_sequence(g, enforce_sorted=enforce_sorted)
    theirs = trnn.pack_sequence(t, enforce_sorted=enforce_sorted)
    same_packed(ours, theirs)
    backward_both(ours.data, theirs.data)
    for a, b in zip(g, t):
        same(a.grad, b.grad, "gradient of a sequence")


def test_packed_sequence_is_a_tuple_of_its_fields():
    packed = rnn.pack_sequence([gg.randn(3, 2), gg.randn(1, 2)])
    data, batch_sizes, sorted_indices, unsorted_indices = packed
    assert batch_sizes.tolist() == [2, 1, 1] and sorted_indices is None and packed.is_sorted
    made = rnn.PackedSequence(data, batch_sizes, gg.tensor([1, 0]))
    assert made.unsorted_indices.tolist() == [1, 0]


def test_bad_input_errors_say_what_was_expected():
    x = gg.randn(4, 3, 2)
    with pytest.raises(RuntimeError, match=r"a length of 6 is longer than the padded input's 4 "
                                           r"steps \(input of shape \(4, 3, 2\)"):
        rnn.pack_padded_sequence(x, [6, 2, 1])
    with pytest.raises(RuntimeError, match=r"greater than 0, got lengths \[3, 0, 1\]"):
        rnn.pack_padded_sequence(x, [3, 0, 1])
    with pytest.raises(RuntimeError, match=r"greater than 0, got lengths \[3, -2, 1\]"):
        rnn.pack_padded_sequence(x, [3, -2, 1], enforce_sorted=False)
    with pytest.raises(RuntimeError, match=r"sorted in decreasing order when `enforce_sorted` "
                                           r"is True, got \[1, 3, 2\]. Pass enforce_sorted="
                                           r"False"):
        rnn.pack_padded_sequence(x, [1, 3, 2])
    with pytest.raises(RuntimeError, match=r"got 2 lengths for a batch of 3 sequences"):
        rnn.pack_padded_sequence(x, [3, 2])
    with pytest.raises(RuntimeError, match=r"lengths must be a 1-D sequence of integers"):
        rnn.pack_padded_sequence(x, [3.0, 2.0, 1.0])
    packed = rnn.pack_padded_sequence(x, [4, 2, 1])
    with pytest.raises(ValueError, match=r"total_length to be at least the length of the "
                                         r"longest sequence \(4\), got 3"):
        rnn.pad_packed_sequence(packed, total_length=3)
    with pytest.raises(RuntimeError, match=r"sequence 1 has shape \(2, 3\); expected "
                                           r"\(length, 2\)"):
        rnn.pad_sequence([gg.randn(3, 2), gg.randn(2, 3)])
    with pytest.raises(RuntimeError, match="empty list"):
        rnn.pad_sequence([])
    with pytest.raises(ValueError, match="padding_side must be 'left' or 'right'"):
        rnn.pad_sequence([gg.randn(2)], padding_side="middle")
