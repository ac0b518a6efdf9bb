"""Skip-gram with negative sampling: "you shall know a word by the company it keeps" (Firth).

A token (a word, or a node of a walk) gets an input vector u and an output vector v; training
makes u_c · v_o large for a context token o seen within `window` positions of c, and small for
k "negative" tokens drawn from the unigram distribution raised to 3/4:

    loss = -log σ(u_c · v_o) - Σ_{n=1..k} log σ(-u_c · v_n),   n ~ P(w) ∝ count(w)^0.75

- Paper: Mikolov, Sutskever, Chen, Corrado & Dean, "Distributed Representations of Words and
  Phrases and their Compositionality", NeurIPS 2013 (negative sampling, the 3/4 power, the
  subsampling of frequent words); Mikolov et al., "Efficient Estimation of Word
  Representations in Vector Space", 2013 (skip-gram, the window shrunk at random).

`skipgram_samples` is THE sampler: word2vec on text and DeepWalk/node2vec on walks both call
it (glassgrad/graph/embeddings.py), so a node's neighbourhood in walks plays exactly the part a
word's neighbourhood in sentences does.
"""
import numpy as np

from .. import nn, optim
from ..creation import tensor
from ..nn import init
from ..nn.functional import logsigmoid
from ..random import _generator


def pad_sequences(sequences):
    """A list of 1-D integer sequences as one (n, longest) array padded with -1."""
    if isinstance(sequences, np.ndarray) and sequences.ndim == 2:
        return sequences.astype(np.int64, copy=False)
    sequences = [np.asarray(s, dtype=np.int64).ravel() for s in sequences]
    width = max((len(s) for s in sequences), default=0)
    out = np.full((len(sequences), width), -1, dtype=np.int64)
    for i, s in enumerate(sequences):
        out[i, :len(s)] = s
    return out


def negative_distribution(sequences, num_tokens, power=0.75):
    """P(w) ∝ count(w)^power over the tokens 0..num_tokens-1 of `sequences` (-1 skipped)."""
    tokens = pad_sequences(sequences)
    tokens = tokens[tokens >= 0]
    if tokens.size and tokens.max() >= num_tokens:
        raise ValueError(f"skipgram: token ids must be below num_tokens={num_tokens}, got "
                         f"{tokens.max()}")
    weight = np.bincount(tokens, minlength=num_tokens).astype(np.float64) ** power
    if weight.sum() == 0:
        raise ValueError("skipgram: the sequences hold no tokens")
    return weight / weight.sum()


def skipgram_samples(sequences, window, num_negatives, num_tokens, generator=None,
                     power=0.75, shrink_window=True):
    """(centers (P,), contexts (P,), negatives (P, k)) int64: every (center, context) pair
    within `window` positions in each sequence, both directions, and k negatives per pair.

    Args:
        sequences: a list of 1-D integer token sequences, or a 2-D array padded with -1.
        window: the largest distance between a center and its context.
        num_negatives: k, negatives per pair, drawn from negative_distribution(power).
        num_tokens: the vocabulary size (token ids are 0..num_tokens-1).
        shrink_window: as word2vec, each center's window is drawn uniformly from 1..window,
            so near tokens count more than far ones.
    """
    if window < 1 or num_negatives < 0:
        raise ValueError(f"skipgram_samples: window must be >= 1 and num_negatives >= 0, got "
                         f"window={window}, num_negatives={num_negatives}")
    rng = _generator(generator)
    tokens = pad_sequences(sequences)
    distribution = negative_distribution(tokens, num_tokens, power)
    reach = (rng.integers(1, window + 1, size=tokens.shape) if shrink_window
             else np.full(tokens.shape, window))
    centers, contexts = [], []
    for d in range(1, min(window, tokens.shape[1] - 1) + 1):
        left, right = tokens[:, :-d], tokens[:, d:]
        both = (left >= 0) & (right >= 0)
        forward = both & (reach[:, :-d] >= d)       # center on the left, context d to the right
        backward = both & (reach[:, d:] >= d)       # center on the right
        centers += [left[forward], right[backward]]
        contexts += [right[forward], left[backward]]
    centers = np.concatenate(centers) if centers else np.zeros(0, np.int64)
    contexts = np.concatenate(contexts) if contexts else np.zeros(0, np.int64)
    negatives = rng.choice(num_tokens, size=(len(centers), num_negatives), p=distribution)
    return centers, contexts, negatives


class SkipGram(nn.Module):
    """Two embedding tables, input (the embedding one keeps) and output (the contexts'), and
    the negative-sampling loss above (Mikolov et al. 2013).

    Input vectors start uniform in ±0.5/dim and output vectors at zero, as word2vec.c does.

    Shape: forward(centers (P,), contexts (P,), negatives (P, k)) → scalar mean loss.
    """

    def __init__(self, num_tokens, embedding_dim, generator=None):
        super().__init__()
        self.num_tokens, self.embedding_dim = num_tokens, embedding_dim
        self.input_embedding = nn.Embedding(num_tokens, embedding_dim)
        self.output_embedding = nn.Embedding(num_tokens, embedding_dim)
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None):
        bound = 0.5 / self.embedding_dim
        init.uniform_(self.input_embedding.weight, -bound, bound, generator=generator)
        init.zeros_(self.output_embedding.weight)

    def forward(self, centers, contexts, negatives):
        u = self.input_embedding(centers)                      # (P, d)
        positive = (u * self.output_embedding(contexts)).sum(-1)
        negative = (u.unsqueeze(1) * self.output_embedding(negatives)).sum(-1)   # (P, k)
        return -(logsigmoid(positive) + logsigmoid(-negative).sum(-1)).mean()

    def extra_repr(self):
        return f"{self.num_tokens}, {self.embedding_dim}"


def train_skipgram(sequences, num_tokens, embedding_dim=16, window=5, num_negatives=5,
                   epochs=1, batch_size=1024, lr=0.01, generator=None, log=None):
    """Fit a SkipGram by Adam on fresh samples each epoch; returns (model, losses per epoch).

    The embedding is `model.input_embedding.weight` (num_tokens, embedding_dim).
    """
    model = SkipGram(num_tokens, embedding_dim, generator=generator)
    optimizer = optim.Adam(model.parameters(), lr=lr)
    losses = []
    for epoch in range(epochs):
        centers, contexts, negatives = skipgram_samples(sequences, window, num_negatives,
                                                        num_tokens, generator)
        if not len(centers):
            raise ValueError("train_skipgram: no (center, context) pairs; are the sequences "
                             "shorter than 2 tokens?")
        order = _generator(generator).permutation(len(centers))
        total = 0.0
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            optimizer.zero_grad()
            loss = model(tensor(centers[batch]), tensor(contexts[batch]),
                         tensor(negatives[batch]))
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        losses.append(total / len(order))
        if log is not None:
            log(f"skip-gram epoch {epoch + 1}/{epochs}: loss {losses[-1]:.4f} "
                f"({len(order)} pairs)")
    return model, losses


__all__ = ["SkipGram", "negative_distribution", "pad_sequences", "skipgram_samples",
           "train_skipgram"]
