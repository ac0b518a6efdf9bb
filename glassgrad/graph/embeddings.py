"""Node and word embeddings by skip-gram: DeepWalk, node2vec and word2vec share one sampler.

    deepwalk(graph)              uniform walks → skip-gram (Perozzi et al. 2014)
    node2vec(graph, p, q)        biased walks → skip-gram (Grover & Leskovec 2016)
    word2vec(sentences)          token lists → skip-gram (Mikolov et al. 2013)

All three end in glassgrad.graph.skipgram.train_skipgram, whose pairs come from
skipgram_samples: the only difference between embedding a graph and embedding a text is where
the sequences come from. What the node embedding preserves is co-occurrence in short walks:
nodes that reach each other in a few steps (the same community, for small q) get nearby
vectors; it is not a distance-preserving map of the graph.
"""
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..random import _generator
from .skipgram import train_skipgram
from .walks import random_walks


def node2vec(graph, embedding_dim=16, p=1.0, q=1.0, walk_length=20, walks_per_node=10,
             window=5, num_negatives=5, epochs=5, batch_size=512, lr=0.01, generator=None,
             log=None):
    """(N, embedding_dim) float32 node vectors from node2vec walks and skip-gram.

    Defaults are smaller than the paper's (d=128, walk length 80, 10 walks per node, window
    10) to suit small graphs; `p`, `q` as in glassgrad.graph.walks.random_walks.
    """
    walks = random_walks(graph, walk_length, walks_per_node, p, q, generator)
    model, _ = train_skipgram(walks, graph.num_nodes, embedding_dim, window, num_negatives,
                              epochs, batch_size, lr, generator, log)
    return model.input_embedding.weight._data.copy()


def deepwalk(graph, embedding_dim=16, walk_length=20, walks_per_node=10, window=5,
             num_negatives=5, epochs=5, batch_size=512, lr=0.01, generator=None, log=None):
    """DeepWalk: node2vec with p = q = 1 (uniform walks). Perozzi et al., KDD 2014."""
    return node2vec(graph, embedding_dim, 1.0, 1.0, walk_length, walks_per_node, window,
                    num_negatives, epochs, batch_size, lr, generator, log)


@dataclass
class WordVectors:
    """word2vec's result: `words` (by id), `index` {word: id}, `vectors` (V, d), `counts`."""
    words: list
    index: dict
    vectors: np.ndarray
    counts: np.ndarray

    def __getitem__(self, word):
        if word not in self.index:
            raise KeyError(f"WordVectors: {word!r} is not in the vocabulary of "
                           f"{len(self.words)} words")
        return self.vectors[self.index[word]]

    def similarity(self, a, b):
        """Cosine similarity of two words' vectors."""
        u, v = self[a], self[b]
        return float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-12))

    def most_similar(self, word, topn=5):
        """The `topn` (word, cosine) nearest to `word`, itself excluded."""
        unit = self.vectors / (np.linalg.norm(self.vectors, axis=1, keepdims=True) + 1e-12)
        scores = unit @ unit[self.index[word] if word in self.index else self[word]]
        order = [i for i in np.argsort(-scores) if i != self.index[word]][:topn]
        return [(self.words[i], float(scores[i])) for i in order]


def word2vec(sentences, embedding_dim=50, window=5, min_count=1, num_negatives=5, epochs=5,
             subsample=1e-3, batch_size=1024, lr=0.01, generator=None, log=None):
    """Skip-gram with negative sampling on token lists (Mikolov et al. 2013): WordVectors.

    Words seen fewer than `min_count` times are dropped; with `subsample` = t each occurrence
    of a word of frequency f is dropped with probability 1 - sqrt(t / f) (Mikolov et al.
    2013, §2.3), once, before the pairs are drawn; None keeps all.
    """
    sentences = [list(s) for s in sentences]
    counts = Counter(word for sentence in sentences for word in sentence)
    words = sorted((w for w, n in counts.items() if n >= min_count),
                   key=lambda w: (-counts[w], str(w)))
    if not words:
        raise ValueError(f"word2vec: no word occurs at least min_count={min_count} times")
    index = {w: i for i, w in enumerate(words)}
    frequency = np.array([counts[w] for w in words], dtype=np.float64)
    frequency /= frequency.sum()
    keep = (np.ones(len(words)) if subsample is None
            else np.minimum(1.0, np.sqrt(subsample / frequency)))
    sequences = []
    for sentence in sentences:
        ids = np.array([index[w] for w in sentence if w in index], dtype=np.int64)
        ids = ids[_generator(generator).random(len(ids)) < keep[ids]]
        if len(ids) > 1:
            sequences.append(ids)
    if not sequences:
        raise ValueError("word2vec: no sentence keeps two words or more")
    model, _ = train_skipgram(sequences, len(words), embedding_dim, window, num_negatives,
                              epochs, batch_size, lr, generator, log)
    return WordVectors(words, index, model.input_embedding.weight._data.copy(),
                       np.array([counts[w] for w in words]))


__all__ = ["WordVectors", "deepwalk", "node2vec", "word2vec"]
