"""Embedding against torch: lookups, weight gradients with repeated indices, padding_idx (no
gradient, zero init), from_pretrained, max_norm, and errors."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.autograd.gradcheck import gradcheck
from glassgrad.nn import functional as F

from harness import check_module, check_state_dict_round_trip

INDICES = np.array([[0, 3, 3, 9], [1, 3, 0, 0], [9, 2, 2, 2]])     # repeats must accumulate


@pytest.mark.parametrize("padding_idx", [None, 3, -1])
def test_embedding_vs_torch(padding_idx):
    torch = pytest.importorskip("torch")
    gg.manual_seed(0)
    ours = nn.Embedding(10, 4, padding_idx=padding_idx)
    theirs = torch.nn.Embedding(10, 4, padding_idx=padding_idx)
    check_module(ours, theirs, [INDICES], grads=[False])
    assert repr(ours) == repr(theirs)
    if padding_idx is not None:
        row = padding_idx % 10
        assert ours.padding_idx == theirs.padding_idx == row
        assert ours.weight.grad is not None and not ours.weight.grad._data[row].any()


def test_padding_row_starts_at_zero_and_stays_there_under_sgd():
    emb = nn.Embedding(6, 3, padding_idx=0)
    assert not emb.weight._data[0].any()
    for _ in range(3):
        emb.zero_grad()
        (emb(gg.tensor([[0, 1, 0, 2]])) ** 2).sum().backward()
        with gg.no_grad():
            emb.weight._data -= 0.1 * emb.weight.grad._data
    assert not emb.weight._data[0].any()


def test_gradient_accumulates_repeated_indices():
    emb = nn.Embedding(5, 2)
    idx = np.random.default_rng(0).integers(0, 5, 10_000)
    emb(gg.tensor(idx)).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad._data[:, 0], np.bincount(idx, minlength=5))
    assert emb.weight.grad.dtype == np.float32


def test_functional_embedding_gradcheck_and_padding_gradient():
    w = gg.tensor(np.random.default_rng(1).standard_normal((5, 3)), requires_grad=True)
    idx = gg.tensor(np.array([[1, 1, 4], [0, 2, 1]]))
    assert gradcheck(lambda w: (F.embedding(idx, w) ** 2).sum(), (w,))
    # with padding_idx the padding row's gradient is zero (by design, not the true derivative),
    # the other rows' are unchanged
    (F.embedding(idx, w) ** 2).sum().backward()
    full = w.grad._data.copy()
    w.grad = None
    (F.embedding(idx, w, padding_idx=1) ** 2).sum().backward()
    assert not w.grad._data[1].any()
    np.testing.assert_array_equal(np.delete(w.grad._data, 1, 0), np.delete(full, 1, 0))


def test_from_pretrained():
    torch = pytest.importorskip("torch")
    table = np.random.default_rng(2).standard_normal((7, 3)).astype(np.float32)
    frozen = nn.Embedding.from_pretrained(gg.tensor(table))
    assert not frozen.weight.requires_grad
    np.testing.assert_array_equal(frozen(gg.tensor([6, 0]))._data, table[[6, 0]])
    ours = nn.Embedding.from_pretrained(gg.tensor(table), freeze=False, padding_idx=2)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(table), freeze=False, padding_idx=2)
    assert ours.weight.requires_grad and ours.weight._data[2].any()   # pretrained row kept
    check_module(ours, theirs, [np.array([2, 1, 2, 5])], grads=[False])
    with pytest.raises(ValueError, match=r"embeddings must be 2-dimensional, got shape \(7,\)"):
        nn.Embedding.from_pretrained(gg.zeros(7))


def test_max_norm_renormalises_like_torch():
    torch = pytest.importorskip("torch")
    table = (np.random.default_rng(3).standard_normal((6, 4)) * 3).astype(np.float32)
    ours = nn.Embedding.from_pretrained(gg.tensor(table), freeze=False, max_norm=1.5)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(table), freeze=False, max_norm=1.5)
    idx = np.array([0, 2, 2, 5])
    check_module(ours, theirs, [idx], grads=[False], modes=("train",))
    np.testing.assert_allclose(ours.weight._data, theirs.weight.detach().numpy(), rtol=1e-5)
    assert np.allclose(np.linalg.norm(ours.weight._data[[0, 2, 5]], axis=1), 1.5, rtol=1e-4)
    np.testing.assert_array_equal(ours.weight._data[1], table[1])      # untouched row


def test_state_dict_round_trip():
    def make(seed):
        gg.manual_seed(seed)
        return nn.Embedding(8, 3, padding_idx=0)
    check_state_dict_round_trip(make, [np.array([[1, 0, 7]])])


def test_errors_name_the_problem():
    emb = nn.Embedding(10, 4)
    with pytest.raises(IndexError, match=r"embedding: index out of range: got values from 0 to "
                                         r"12, expected indices in \[0, 10\) for a weight of "
                                         r"shape \(10, 4\)"):
        F.embedding(gg.tensor([0, 12]), emb.weight)
    with pytest.raises(TypeError, match="embedding: expected integer indices .* got dtype "
                                        "float32"):
        emb(gg.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"padding_idx must be within num_embeddings \(10\), "
                                         r"got 10"):
        nn.Embedding(10, 4, padding_idx=10)


def test_embedding_layer_names_itself_the_index_and_num_embeddings():
    layer = nn.Embedding(5, 3)
    with pytest.raises(IndexError, match=r"Embedding\(5, 3\): index 7 at position \(1, 0\) of "
                       r"the input \(shape \(2, 2\)\) is out of range; expected 0 <= index < "
                       r"num_embeddings = 5"):
        layer(gg.tensor([[1, 2], [7, 0]]))
    with pytest.raises(IndexError, match=r"index -1 at position \(0,\)"):
        layer(gg.tensor([-1, 0]))
