"""`Seq2Seq`: an encoder-decoder of two recurrent layers. The encoder reads the source and its
final state starts the decoder, which predicts the target one token at a time.

    state = Encoder(embed(source))                          (h_n, and c_n for an LSTM)
    p(y_t | y_<t, source) = softmax(W Decoder(embed(y_{t-1}), state)_t),   y_0 = <start>

Training uses teacher forcing: the decoder reads the true previous tokens [<start>, y_1 ...
y_{T-1}] and every step's cross-entropy is taken in one pass (`forward`). Evaluation decodes
greedily (`greedy`): each step feeds back the most likely token, so mistakes compound, which
is why exact match (every token right) is the score that counts.

- Paper: Sutskever, Vinyals & Le, "Sequence to Sequence Learning with Neural Networks",
  NeurIPS 2014; Cho et al., "Learning Phrase Representations using RNN Encoder-Decoder for
  Statistical Machine Translation", EMNLP 2014. Teacher forcing: Williams & Zipser, "A
  Learning Algorithm for Continually Running Fully Recurrent Neural Networks", Neural
  Computation 1989.

    model = Seq2Seq(10, cell="lstm")                       # digits 0..9 in, digits out
    logits = model(source, target)                         # (N, T, 10), teacher forcing
    predicted = model.greedy(source, length=6)             # (N, 6) int64
"""
import numpy as np

from .. import creation, nn
from ..autograd import no_grad
from ..ops.movement import cat
from ._recurrent import recurrent_layer


class Seq2Seq(nn.Module):
    """Encoder-decoder for token sequences (no attention: the state carries the source).

    Args:
        vocab_size: tokens 0..vocab_size-1 in source and target; the decoder's start token is
            one more, `vocab_size`.
        embedding_dim, hidden_size: sizes of the token vectors and of the recurrent state.
        cell: "lstm", "gru" or "rnn" (both encoder and decoder).
        num_layers: stacked layers in each.
    Shape: source (N, S), target (N, T) integers; forward -> logits (N, T, vocab_size).
    """

    def __init__(self, vocab_size, embedding_dim=32, hidden_size=128, cell="lstm",
                 num_layers=1):
        super().__init__()
        self.vocab_size, self.start, self.cell = vocab_size, vocab_size, cell
        self.source_embedding = nn.Embedding(vocab_size, embedding_dim)
        self.target_embedding = nn.Embedding(vocab_size + 1, embedding_dim)
        self.encoder = recurrent_layer("Seq2Seq", cell, embedding_dim, hidden_size,
                                       num_layers=num_layers)
        self.decoder = recurrent_layer("Seq2Seq", cell, embedding_dim, hidden_size,
                                       num_layers=num_layers)
        self.head = nn.Linear(hidden_size, vocab_size)

    def encode(self, source):
        """The encoder's final state: h_n (GRU, RNN) or (h_n, c_n) (LSTM)."""
        _, state = self.encoder(self.source_embedding(source))
        return state

    def decode(self, tokens, state):
        """Logits for the next token after each of `tokens` (N, T), and the state after them."""
        output, state = self.decoder(self.target_embedding(tokens), state)
        return self.head(output), state

    def forward(self, source, target):
        """Teacher forcing: logits (N, T, vocab) for each target token given the ones before."""
        start = creation.full((target.shape[0], 1), self.start, dtype=target.dtype)
        logits, _ = self.decode(cat([start, target[:, :-1]], 1), self.encode(source))
        return logits

    def greedy(self, source, length):
        """Decode `length` tokens, each the argmax given the ones decoded before: (N, length)
        int64 numpy array. Runs without a graph."""
        with no_grad():
            state = self.encode(source)
            token = creation.full((source.shape[0], 1), self.start, dtype=source.dtype)
            decoded = []
            for _ in range(length):
                logits, state = self.decode(token, state)
                token = logits.argmax(-1)                       # (N, 1)
                decoded.append(token.numpy())
        return np.concatenate(decoded, 1).astype(np.int64)


__all__ = ["Seq2Seq"]
