"""Text to integers: a tokenizer, a vocabulary, and padded batches of token ids.

    tokens = tokenize("A three-hour cinema master class.")
    # ['a', 'three', '-', 'hour', 'cinema', 'master', 'class', '.']
    vocab = Vocabulary.build([tokenize(t) for t in train_texts], min_freq=2)
    ids, lengths = vocab.encode_batch([tokenize(t) for t in texts])     # (B, T) and (B,)

Index 0 is the padding token and 1 the unknown token, so `nn.Embedding(len(vocab), d,
padding_idx=vocab.pad_index)` keeps padding at a zero vector with no gradient, and any word
not seen in training maps to `<unk>`. Build the vocabulary from the training split only: a
vocabulary that has seen the test sentences leaks them.

For characters, `Vocabulary.of_characters(text)` numbers the distinct characters in sorted
order with no special tokens (nanoGPT's shakespeare_char encoding).
"""
import re
from collections import Counter

import numpy as np

# Lowercased words (letters, digits and apostrophes: "don't" stays one token) and every other
# non-space character as a token of its own, so punctuation ("!", "?") is kept as a signal.
_TOKEN = re.compile(r"[a-z0-9']+|[^\sa-z0-9']")

PAD, UNK = "<pad>", "<unk>"


def tokenize(text):
    """Lowercase `text` and split it into words and single punctuation marks."""
    if not isinstance(text, str):
        raise TypeError(f"tokenize: expected a str, got {type(text).__name__}")
    return _TOKEN.findall(text.lower())


class Vocabulary:
    """A numbering of tokens: `stoi[token] -> id` and `itos[id] -> token`.

    Args:
        tokens: the tokens in id order (`build` puts `<pad>` at 0 and `<unk>` at 1).
        unk_token, pad_token: the tokens that stand for an unknown word and for padding
            (None: the vocabulary has none, as a character vocabulary).
    """

    def __init__(self, tokens, unk_token=UNK, pad_token=PAD):
        self.itos = list(tokens)
        self.stoi = {token: i for i, token in enumerate(self.itos)}
        if len(self.stoi) != len(self.itos):
            raise ValueError("Vocabulary: tokens must be distinct")
        for name, token in (("unk_token", unk_token), ("pad_token", pad_token)):
            if token is not None and token not in self.stoi:
                raise ValueError(f"Vocabulary: {name} {token!r} is not among the tokens")
        self.unk_token, self.pad_token = unk_token, pad_token

    @classmethod
    def build(cls, token_lists, min_freq=1, max_size=None):
        """From tokenised training texts: `<pad>`, `<unk>`, then the tokens seen at least
        `min_freq` times, most frequent first (ties alphabetically), at most `max_size` in all."""
        counts = Counter(token for tokens in token_lists for token in tokens)
        kept = sorted((t for t, c in counts.items() if c >= min_freq and t not in (PAD, UNK)),
                      key=lambda t: (-counts[t], t))
        if max_size is not None:
            kept = kept[:max(0, max_size - 2)]
        return cls([PAD, UNK] + kept)

    @classmethod
    def of_characters(cls, text):
        """Each distinct character of `text`, in sorted order, no special tokens."""
        return cls(sorted(set(text)), unk_token=None, pad_token=None)

    def __len__(self):
        return len(self.itos)

    def __contains__(self, token):
        return token in self.stoi

    def __repr__(self):
        return f"Vocabulary({len(self)} tokens)"

    @property
    def pad_index(self):
        return None if self.pad_token is None else self.stoi[self.pad_token]

    @property
    def unk_index(self):
        return None if self.unk_token is None else self.stoi[self.unk_token]

    def encode(self, tokens):
        """Token ids, int64; unknown tokens become `<unk>` (an error without one)."""
        unk = self.unk_index
        if unk is None:
            missing = [t for t in tokens if t not in self.stoi]
            if missing:
                raise KeyError(f"Vocabulary.encode: {missing[0]!r} is not in the vocabulary "
                               f"({len(self)} tokens) and it has no unknown token")
            return np.array([self.stoi[t] for t in tokens], dtype=np.int64)
        return np.array([self.stoi.get(t, unk) for t in tokens], dtype=np.int64)

    def decode(self, ids, join=""):
        """The tokens of `ids`, joined by `join` (None: the list)."""
        tokens = [self.itos[int(i)] for i in np.asarray(ids).reshape(-1)]
        return tokens if join is None else join.join(tokens)

    def encode_batch(self, token_lists, max_len=None):
        """(ids (B, T) int64 padded with `<pad>` after each text, lengths (B,) int64).

        Texts longer than `max_len` are cut to their first `max_len` tokens; an empty text
        becomes one `<unk>` (a recurrent layer cannot read a sequence of length 0).
        """
        if self.pad_index is None:
            raise ValueError("Vocabulary.encode_batch: this vocabulary has no padding token")
        encoded = [self.encode(tokens)[:max_len] for tokens in token_lists]
        encoded = [e if e.size else np.array([self.unk_index], dtype=np.int64) for e in encoded]
        lengths = np.array([e.size for e in encoded], dtype=np.int64)
        ids = np.full((len(encoded), int(lengths.max()) if encoded else 0), self.pad_index,
                      dtype=np.int64)
        for row, e in zip(ids, encoded):
            row[:e.size] = e
        return ids, lengths

    def to_dict(self):
        """A JSON-able description (what a checkpoint's metadata stores)."""
        return {"itos": self.itos, "unk_token": self.unk_token, "pad_token": self.pad_token}

    @classmethod
    def from_dict(cls, state):
        return cls(state["itos"], state.get("unk_token"), state.get("pad_token"))


def bag_of_words(ids, vocab_size, pad_index=0):
    """Count vectors (B, vocab_size) float32 of padded id rows; the padding column stays 0."""
    ids = np.asarray(ids)
    counts = np.zeros((ids.shape[0], vocab_size), dtype=np.float32)
    rows = np.repeat(np.arange(ids.shape[0]), ids.shape[1])
    np.add.at(counts, (rows, ids.reshape(-1)), 1.0)
    if pad_index is not None:
        counts[:, pad_index] = 0
    return counts


__all__ = ["PAD", "UNK", "Vocabulary", "bag_of_words", "tokenize"]
