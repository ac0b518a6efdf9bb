"""`SequenceTagger`: a label for every step of a sequence, from a recurrent layer's state there.

    h_t = RNN(embed(x_1), ..., embed(x_t)),   p(tag_t | x_≤t) = softmax(W h_t + b)

Unidirectional, the tagger is causal: the tag at step t sees only x_1..x_t, so it can run on a
stream as it arrives (a tagging task that needs only the past, as "is this the largest digit
so far", is solvable exactly). `bidirectional=True` adds a pass from the end, so each tag sees
the whole sequence (non-causal), as part-of-speech tagging of a whole sentence does.

- Paper: Elman, "Finding Structure in Time", Cognitive Science 1990 (per-step prediction from a
  recurrent state); Graves, "Supervised Sequence Labelling with Recurrent Neural Networks",
  Springer 2012 (bidirectional labelling).

    tagger = SequenceTagger(10, 2)                # digits in, two tags
    logits = tagger(tokens)                       # (N, T, 2)
"""
from .. import nn
from ._recurrent import recurrent_layer


class SequenceTagger(nn.Module):
    """Embedding -> recurrent layer -> Linear at every step.

    Args:
        vocab_size, num_tags: input tokens 0..vocab_size-1; tags 0..num_tags-1.
        embedding_dim, hidden_size: token vector size; state size per direction.
        cell: "gru", "lstm" or "rnn".
        bidirectional: False (causal, the default) or True (each tag sees the whole sequence).
    Shape: tokens (N, T) integers -> logits (N, T, num_tags).
    """

    def __init__(self, vocab_size, num_tags, embedding_dim=16, hidden_size=64, cell="gru",
                 bidirectional=False):
        super().__init__()
        self.bidirectional = bidirectional
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.rnn = recurrent_layer("SequenceTagger", cell, embedding_dim, hidden_size,
                                   bidirectional=bidirectional)
        self.head = nn.Linear(hidden_size * (2 if bidirectional else 1), num_tags)

    def forward(self, tokens):
        output, _ = self.rnn(self.embedding(tokens))
        return self.head(output)


__all__ = ["SequenceTagger"]
