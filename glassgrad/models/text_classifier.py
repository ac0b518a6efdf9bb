"""Sequence-to-label text classifiers on padded token ids: a recurrent one and the
bag-of-words logistic-regression baseline.

    RNNTextClassifier:  ids → Embedding(padding_idx) → LSTM/GRU/RNN over the packed batch
                        → pooling over each text's valid steps (max, mean, sum, or the last
                        state h_n) → Linear → class logits
    BagOfWordsClassifier: logits = Σ_tokens W[:, token] + b, which is exactly logistic
                        regression on word-count vectors (W x + b with x the counts), computed
                        as an embedding lookup so the V-wide count vectors are never built.

Both take one (B, T) int64 tensor of ids, padded at the end with `padding_idx`; each text's
length is the number of its non-padding ids (so `fit` and `evaluate` can call model(ids)).

- Papers: Hochreiter & Schmidhuber (1997), LSTM; Cho et al. (2014), GRU; max pooling over a
  recurrent layer's states for a sentence vector: Conneau et al. (2017), "Supervised Learning of
  Universal Sentence Representations from Natural Language Inference Data"; the data set and a
  bag-of-words baseline: Pang & Lee (2005).
"""
import numpy as np

from .. import creation
from ..nn.modules.dropout import Dropout
from ..nn.modules.linear import Linear
from ..nn.modules.module import Module
from ..nn.modules.rnn import GRU, LSTM, RNN
from ..nn.modules.sparse import Embedding
from ..nn.parameter import Parameter
from ..nn.utils.masking import pool_over_time
from ..nn.utils.rnn import pack_padded_sequence
from ..tensor import as_array

CELLS = {"lstm": LSTM, "gru": GRU, "rnn": RNN}
POOLS = ("max", "mean", "sum", "last")


def _lengths(ids, padding_idx, name):
    array = as_array(ids)
    if array.ndim != 2 or array.dtype.kind not in "iu":
        raise ValueError(f"{name}: expected (batch, steps) integer token ids, got dtype "
                         f"{array.dtype} of shape {array.shape}")
    lengths = (array != padding_idx).sum(axis=1)
    if (lengths == 0).any():
        raise ValueError(f"{name}: text {int(np.argmin(lengths))} of the batch is all padding "
                         f"(length 0); give every text at least one token")
    return lengths


class RNNTextClassifier(Module):
    """Embedding, a recurrent layer read over the packed batch, pooling, a linear head.

    Args:
        vocab_size, embedding_dim: the Embedding's table.
        hidden_size: the recurrent layer's state size (per direction).
        num_classes: the number of labels.
        cell: 'lstm', 'gru' or 'rnn'.
        pool: 'max', 'mean' or 'sum' over each text's valid steps, or 'last' (h_n: each
            text's state at its own last token; both directions' when bidirectional).
        padding_idx: the padding id (0 for glassgrad.data.text.Vocabulary).
        num_layers, bidirectional: as nn.LSTM's.
        dropout: on the embeddings and on the pooled vector, in training only.

    Shape: ids (B, T) int64 → logits (B, num_classes).
    """

    def __init__(self, vocab_size, embedding_dim=64, hidden_size=64, num_classes=2,
                 cell="lstm", pool="max", padding_idx=0, num_layers=1, bidirectional=False,
                 dropout=0.0):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"RNNTextClassifier: cell must be one of {sorted(CELLS)}, got "
                             f"{cell!r}")
        if pool not in POOLS:
            raise ValueError(f"RNNTextClassifier: pool must be one of {POOLS}, got {pool!r}")
        self.cell, self.pool, self.padding_idx = cell, pool, padding_idx
        self.embedding = Embedding(vocab_size, embedding_dim, padding_idx=padding_idx)
        self.rnn = CELLS[cell](embedding_dim, hidden_size, num_layers=num_layers,
                               batch_first=True, bidirectional=bidirectional)
        self.dropout = Dropout(dropout)
        self.head = Linear(hidden_size * (2 if bidirectional else 1), num_classes)

    def forward(self, ids):
        lengths = _lengths(ids, self.padding_idx, "RNNTextClassifier")
        embedded = self.dropout(self.embedding(ids))
        # Packing: every text stops at its own last token, whatever the padding after it.
        packed = pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)
        output, state = self.rnn(packed)
        if self.pool == "last":
            h_n = state[0] if self.cell == "lstm" else state
            last = h_n[-2:] if self.rnn.bidirectional else h_n[-1:]    # the top layer
            pooled = last.permute(1, 0, 2).reshape(ids.shape[0], -1)
        else:
            pooled = pool_over_time(output, mode=self.pool)
        return self.head(self.dropout(pooled))

    def extra_repr(self):
        return f"cell={self.cell!r}, pool={self.pool!r}"


class BagOfWordsClassifier(Module):
    """Multinomial logistic regression on word counts: logits = W · counts(ids) + b.

    `weight` is (num_classes, vocab_size) as a Linear's; the lookup computes the same product
    as a sum of W's columns, one per token (the padding column is never used). Initialised to
    zero, as the problem is convex.

    Shape: ids (B, T) int64 → logits (B, num_classes).
    """

    def __init__(self, vocab_size, num_classes=2, padding_idx=0):
        super().__init__()
        self.vocab_size, self.num_classes, self.padding_idx = vocab_size, num_classes, padding_idx
        self.weight = Parameter(creation.zeros(num_classes, vocab_size))
        self.bias = Parameter(creation.zeros(num_classes))

    def forward(self, ids):
        array = as_array(ids)
        _lengths(ids, self.padding_idx, "BagOfWordsClassifier")
        if array.max() >= self.vocab_size or array.min() < 0:
            raise IndexError(f"BagOfWordsClassifier: token id {int(array.max())} out of range "
                             f"for a vocabulary of {self.vocab_size}")
        columns = self.weight.T[array]                             # (B, T, C)
        valid = creation.tensor((array != self.padding_idx)[..., None])
        return (columns * valid).sum(1) + self.bias

    def extra_repr(self):
        return f"vocab_size={self.vocab_size}, num_classes={self.num_classes}"


__all__ = ["BagOfWordsClassifier", "RNNTextClassifier"]
