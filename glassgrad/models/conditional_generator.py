"""`ConditionalGenerator`: label-to-sequence. The class label sets the initial state of a
recurrent language model, which then writes a sequence one token at a time.

    h_0 = tanh(E_h[label])  (LSTM: c_0 = E_c[label]),   p(y_t | y_<t, label) = softmax(W h_t)

Trained with teacher forcing (the true previous tokens in, every step's cross-entropy at
once); `sample` draws each token from softmax(logits / temperature) and feeds it back, so two
labels give strings of two different styles from the same weights.

- Paper: the conditioned recurrent generator of Mikolov & Zweig, "Context Dependent Recurrent
  Neural Network Language Model", IEEE SLT 2012, and the state-initialised decoder of Sutskever,
  Vinyals & Le (NeurIPS 2014), here started from a label instead of an encoded source; sampling
  with a temperature: Ackley, Hinton & Sejnowski, Cognitive Science 1985 (the Boltzmann
  distribution), as char-RNN uses it (Karpathy 2015).

    generator = ConditionalGenerator(10, num_classes=4)
    logits = generator(labels, strings)                       # (N, T, 10)
    samples = generator.sample(labels, length=8, generator=gg.Generator(0))
"""
import numpy as np

from .. import creation, nn
from ..autograd import no_grad
from ..ops.activation import softmax
from ..ops.movement import cat
from ..random import _generator
from ._recurrent import recurrent_layer


class ConditionalGenerator(nn.Module):
    """A recurrent token generator whose initial state is a learned vector per class.

    Args:
        vocab_size: tokens 0..vocab_size-1; the start token is `vocab_size`.
        num_classes: labels 0..num_classes-1.
        embedding_dim, hidden_size: token vector size; state size.
        cell: "lstm", "gru" or "rnn".
    Shape: labels (N,), tokens (N, T) integers -> logits (N, T, vocab_size).
    """

    def __init__(self, vocab_size, num_classes, embedding_dim=16, hidden_size=64, cell="lstm"):
        super().__init__()
        self.vocab_size, self.start, self.cell = vocab_size, vocab_size, cell
        self.num_classes = num_classes
        self.embedding = nn.Embedding(vocab_size + 1, embedding_dim)
        self.initial_h = nn.Embedding(num_classes, hidden_size)
        if cell == "lstm":
            self.initial_c = nn.Embedding(num_classes, hidden_size)
        self.rnn = recurrent_layer("ConditionalGenerator", cell, embedding_dim, hidden_size)
        self.head = nn.Linear(hidden_size, vocab_size)

    def initial_state(self, labels):
        """The state the label starts the recurrence from: (1, N, H), or a pair for the LSTM."""
        if labels.ndim != 1:
            raise ValueError(f"ConditionalGenerator: labels must be one class index per "
                             f"sequence, shape (N,), got {tuple(labels.shape)}")
        h0 = self.initial_h(labels).tanh().unsqueeze(0)
        return (h0, self.initial_c(labels).unsqueeze(0)) if self.cell == "lstm" else h0

    def forward(self, labels, tokens):
        """Teacher forcing: logits for each token of `tokens` given the label and those before."""
        start = creation.full((tokens.shape[0], 1), self.start, dtype=tokens.dtype)
        output, _ = self.rnn(self.embedding(cat([start, tokens[:, :-1]], 1)),
                             self.initial_state(labels))
        return self.head(output)

    def sample(self, labels, length, temperature=1.0, generator=None):
        """Write `length` tokens per label, each drawn from softmax(logits / temperature)
        (temperature 0: the most likely token): (N, length) int64 numpy array."""
        if temperature < 0:
            raise ValueError(f"ConditionalGenerator.sample: temperature must be >= 0, got "
                             f"{temperature}")
        rng = _generator(generator)
        with no_grad():
            state = self.initial_state(labels)
            token = creation.full((labels.shape[0], 1), self.start, dtype=labels.dtype)
            written = []
            for _ in range(length):
                output, state = self.rnn(self.embedding(token), state)
                logits = self.head(output[:, 0])                         # (N, vocab)
                if temperature == 0:
                    chosen = logits.numpy().argmax(-1)
                else:
                    p = softmax(logits / temperature, -1).numpy().astype(np.float64)
                    # one uniform draw per row against the cumulative probabilities
                    u = rng.random((p.shape[0], 1)) * p.sum(-1, keepdims=True)
                    chosen = np.minimum((p.cumsum(-1) < u).sum(-1), self.vocab_size - 1)
                written.append(chosen.astype(np.int64))
                token = creation.tensor(chosen[:, None], dtype=labels.dtype)
        return np.stack(written, 1)


__all__ = ["ConditionalGenerator"]
