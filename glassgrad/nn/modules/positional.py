"""Positional encodings: attention is permutation-equivariant, so a transformer is told each
token's position by adding a vector that depends on it.

    sinusoidal:  PE(p, 2i) = sin(p / 10000^(2i/d)),  PE(p, 2i+1) = cos(p / 10000^(2i/d))
    learned:     PE(p) = row p of a trained (max_len, d) table (GPT, BERT)

- Papers: Vaswani et al., "Attention Is All You Need", NeurIPS 2017, §3.5 (sinusoidal);
  Radford et al., "Improving Language Understanding by Generative Pre-Training", 2018
  (learned position embeddings).
"""
import math

import numpy as np

from ... import creation
from ...dtypes import get_default_dtype
from .. import init
from ..functional.dropout import dropout
from ..parameter import Parameter
from .module import Module


def sinusoidal_table(max_len, d_model, dtype=None):
    """The (max_len, d_model) table of Vaswani et al.'s sines (even dims) and cosines (odd)."""
    if d_model % 2:
        raise ValueError(f"sinusoidal_table: d_model must be even, got {d_model}")
    position = np.arange(max_len, dtype=np.float64)[:, None]
    frequency = np.exp(np.arange(0, d_model, 2, dtype=np.float64) * (-math.log(10000.0) /
                                                                       d_model))
    table = np.empty((max_len, d_model))
    table[:, 0::2] = np.sin(position * frequency)
    table[:, 1::2] = np.cos(position * frequency)
    return table.astype(get_default_dtype() if dtype is None else np.dtype(dtype))


class _Positional(Module):
    """x + PE[:L] (then dropout), for x (L, N, d) or (N, L, d) with batch_first, or (L, d)."""

    def _add(self, x, table):
        if x.ndim not in (2, 3) or x.shape[-1] != self.d_model:
            raise RuntimeError(f"{type(self).__name__}: expected input of shape (L, N, "
                               f"{self.d_model}), (N, L, {self.d_model}) or (L, {self.d_model}),"
                               f" got {tuple(x.shape)}")
        length = x.shape[1] if self.batch_first and x.ndim == 3 else x.shape[0]
        if length > self.max_len:
            raise ValueError(f"{type(self).__name__}: a sequence of length {length} is longer "
                             f"than the table of max_len {self.max_len} positions (input shape "
                             f"{tuple(x.shape)})")
        rows = table[:length]
        if x.ndim == 3:
            rows = rows.reshape(1, length, self.d_model) if self.batch_first else \
                rows.reshape(length, 1, self.d_model)
        return dropout(x + rows, self.p, self.training)


class PositionalEncoding(_Positional):
    """Adds the fixed sinusoidal encoding (a buffer `pe`, not trained), then dropout.

    Args:
        d_model: the embedding width (even).
        dropout: dropout after the sum (default 0.1, as the paper's base model).
        max_len: the longest sequence it can encode (default 5000).
        batch_first: input (N, L, d) rather than (L, N, d).
    """

    def __init__(self, d_model, dropout=0.1, max_len=5000, batch_first=False, dtype=None):
        super().__init__()
        self.d_model, self.p, self.max_len, self.batch_first = d_model, dropout, max_len, \
            batch_first
        self.register_buffer("pe", creation.tensor(sinusoidal_table(max_len, d_model, dtype)))

    def forward(self, x):
        return self._add(x, self.pe._data)

    def extra_repr(self):
        return f"d_model={self.d_model}, max_len={self.max_len}, dropout={self.p}"


class LearnedPositionalEncoding(_Positional):
    """Adds a trained embedding per position (`weight` (max_len, d_model), N(0, 0.02) as
    GPT-2's), then dropout. Same arguments as PositionalEncoding."""

    def __init__(self, d_model, dropout=0.1, max_len=1024, batch_first=False, dtype=None):
        super().__init__()
        self.d_model, self.p, self.max_len, self.batch_first = d_model, dropout, max_len, \
            batch_first
        self.weight = Parameter(creation.empty(max_len, d_model, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        init.normal_(self.weight, std=0.02)

    def forward(self, x):
        return self._add(x, self.weight)

    def extra_repr(self):
        return f"d_model={self.d_model}, max_len={self.max_len}, dropout={self.p}"


__all__ = ["LearnedPositionalEncoding", "PositionalEncoding", "sinusoidal_table"]
