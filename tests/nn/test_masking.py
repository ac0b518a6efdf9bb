"""glassgrad.nn.utils.masking: lengths_to_mask, masked_sum/mean/max and pool_over_time against
hand-written numpy and torch; padding steps get exactly zero gradient, even when NaN."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.autograd.gradcheck import gradcheck, gradgradcheck
from glassgrad.nn.utils import rnn as rnn_utils
from glassgrad.nn.utils.masking import (lengths_to_mask, masked_max, masked_mean, masked_sum,
                                        pool_over_time)

LENGTHS = [4, 1, 3]


def padded(batch_first=True, seed=0, dtype=np.float64, hidden=2):
    rng = np.random.default_rng(seed)
    shape = (3, 4, hidden) if batch_first else (4, 3, hidden)
    return rng.standard_normal(shape).astype(dtype)


def test_lengths_to_mask_both_layouts_and_max_len():
    hand = np.array([[1, 1, 1, 1, 0], [1, 0, 0, 0, 0], [1, 1, 1, 0, 0]], dtype=bool)
    np.testing.assert_array_equal(lengths_to_mask(LENGTHS, max_len=5)._data, hand)
    np.testing.assert_array_equal(lengths_to_mask(gg.tensor(LENGTHS), 5, False)._data, hand.T)
    assert lengths_to_mask(np.array(LENGTHS)).shape == (3, 4)
    assert lengths_to_mask([0, 2]).tolist() == [[False, False], [True, True]]


def test_lengths_to_mask_equals_torchs_arange_comparison():
    torch = pytest.importorskip("torch")
    lengths = torch.tensor(LENGTHS)
    theirs = torch.arange(6)[None, :] < lengths[:, None]
    np.testing.assert_array_equal(lengths_to_mask(LENGTHS, 6)._data, theirs.numpy())


@pytest.mark.parametrize("bad, message", [
    ([2, -1], r"lengths_to_mask: lengths must be >= 0, got -1 at position 1"),
    ([[1, 2]], r"lengths_to_mask: lengths must be a 1-D sequence of integers, got dtype int64 "
               r"of shape \(1, 2\)"),
    ([1.5, 2.0], r"lengths must be a 1-D sequence of integers, got dtype float64"),
])
def test_lengths_to_mask_bad_lengths(bad, message):
    with pytest.raises(ValueError, match=message):
        lengths_to_mask(bad)


def test_lengths_to_mask_max_len_too_short():
    with pytest.raises(ValueError, match="max_len 2 is shorter than the longest length 4"):
        lengths_to_mask(LENGTHS, max_len=2)


@pytest.mark.parametrize("dim", [None, 1])
def test_masked_mean_and_sum_equal_numpy_over_valid_steps(dim):
    values = padded()
    mask = lengths_to_mask(LENGTHS)._data
    x = gg.tensor(values)
    if dim is None:
        selected = values[np.broadcast_to(mask[..., None], values.shape)]
        np.testing.assert_allclose(masked_mean(x, mask)._data, selected.mean(), rtol=1e-12)
        np.testing.assert_allclose(masked_sum(x, mask)._data, selected.sum(), rtol=1e-12)
    else:
        for b, n in enumerate(LENGTHS):
            np.testing.assert_allclose(masked_mean(x, mask, 1)._data[b],
                                       values[b, :n].mean(0), rtol=1e-12)
            np.testing.assert_allclose(masked_sum(x, mask, 1)._data[b],
                                       values[b, :n].sum(0), rtol=1e-12)
            np.testing.assert_allclose(masked_max(x, mask, 1)._data[b],
                                       values[b, :n].max(0), rtol=1e-12)


def test_masked_mean_keepdim_and_per_step_losses():
    losses = gg.tensor(padded(hidden=1)[..., 0])                       # (B, T) per-step loss
    mask = lengths_to_mask(LENGTHS)
    kept = masked_mean(losses, mask, dim=1, keepdim=True)
    assert kept.shape == (3, 1)
    hand = sum(losses._data[b, :n].sum() for b, n in enumerate(LENGTHS)) / sum(LENGTHS)
    np.testing.assert_allclose(masked_mean(losses, mask)._data, hand, rtol=1e-12)


def test_masked_mean_of_nothing_is_nan():
    out = masked_mean(gg.tensor(np.ones((2, 3))), lengths_to_mask([2, 0], 3), dim=1)
    assert out._data[0] == 1.0 and np.isnan(out._data[1])


@pytest.mark.parametrize("reduce", [masked_mean, masked_sum, masked_max])
def test_padding_gets_zero_gradient_even_when_it_is_nan(reduce):
    values = padded()
    mask = lengths_to_mask(LENGTHS)._data
    values[~mask] = np.nan                                 # garbage in the padding
    x = gg.tensor(values, requires_grad=True)
    out = reduce(x, mask, dim=1)
    assert np.isfinite(out._data).all()
    out.sum().backward()
    assert np.isfinite(x.grad._data).all()
    assert (x.grad._data[~mask] == 0).all()
    assert (x.grad._data[mask] != 0).any(axis=-1).any()


@pytest.mark.parametrize("mode", ["mean", "sum", "max"])
@pytest.mark.parametrize("batch_first", [True, False])
def test_pool_over_time_against_torch(mode, batch_first):
    torch = pytest.importorskip("torch")
    values = padded(batch_first, dtype=np.float32, hidden=5)
    x = gg.tensor(values, requires_grad=True)
    t = torch.tensor(values, requires_grad=True)
    ours = pool_over_time(x, LENGTHS, mode, batch_first)
    steps = torch.arange(4)
    tmask = steps[None, :] < torch.tensor(LENGTHS)[:, None]              # (B, T)
    if not batch_first:
        tmask = tmask.T
    tmask = tmask[..., None]
    dim = 1 if batch_first else 0
    if mode == "max":
        theirs = torch.where(tmask, t, torch.tensor(float("-inf"))).amax(dim)
    else:
        theirs = torch.where(tmask, t, torch.tensor(0.0)).sum(dim)
        if mode == "mean":
            theirs = theirs / torch.tensor(LENGTHS, dtype=torch.float32)[:, None]
    np.testing.assert_allclose(ours._data, theirs.detach().numpy(), rtol=1e-6, atol=1e-6)
    weights = np.random.default_rng(1).standard_normal(ours.shape).astype(np.float32)
    (ours * gg.tensor(weights)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(x.grad._data, t.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_pool_over_time_of_a_packed_lstm_output_equals_each_sequence_alone():
    gg.manual_seed(0)
    lstm = nn.LSTM(3, 4).double()
    rng = np.random.default_rng(2)
    seqs = [gg.tensor(rng.standard_normal((n, 3))) for n in LENGTHS]
    packed = rnn_utils.pack_sequence(seqs, enforce_sorted=False)
    output, _ = lstm(packed)
    pooled = pool_over_time(output, mode="mean")
    for b, seq in enumerate(seqs):
        alone, _ = lstm(seq)
        np.testing.assert_allclose(pooled._data[b], alone._data.mean(0), rtol=1e-10)


@pytest.mark.parametrize("mode", ["mean", "max"])
def test_pool_over_time_gradcheck_first_and_second_order(mode):
    x = gg.tensor(padded(), requires_grad=True)

    def pooled(v):
        return pool_over_time(v, LENGTHS, mode, batch_first=True).pow(2)
    assert gradcheck(pooled, (x,))
    assert gradgradcheck(pooled, (x,))


def test_bad_masks_and_pools_are_named():
    x = gg.tensor(padded())
    with pytest.raises(TypeError, match="masked_mean: mask must be boolean"):
        masked_mean(x, np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"masked_sum: mask of shape \(4, 3\) does not match "
                       r"values of shape \(3, 4, 2\)"):
        masked_sum(x, np.ones((4, 3), dtype=bool))
    with pytest.raises(ValueError, match="masked_max: a slice along dim 1 .* has no valid"):
        masked_max(x, lengths_to_mask([4, 0, 3]), dim=1)
    with pytest.raises(ValueError, match="pool_over_time: mode must be one of"):
        pool_over_time(x, LENGTHS, mode="median", batch_first=True)
    with pytest.raises(ValueError, match="pool_over_time: lengths are required"):
        pool_over_time(x)
    with pytest.raises(ValueError, match=r"pool_over_time: 2 lengths for a batch of 3"):
        pool_over_time(x, [4, 1], batch_first=True)
    with pytest.raises(ValueError, match="max_len 4 is shorter than the longest length 5"):
        pool_over_time(x, [5, 1, 1], batch_first=True)
