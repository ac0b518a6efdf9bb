"""A character-level LSTM language model: trained with teacher forcing, scored in nats and
bits per character with a confidence interval, and sampled with temperature and top-k.

    p(c_{t+1} | c_1..c_t) = softmax(W_o h_t + b_o),   h_t = LSTM(Embedding(c_t), h_{t-1})

Teacher forcing: the model reads the true text, and the target at each step is the next
character (the input shifted by one), so one forward pass over a window of T characters gives
T predictions and one cross-entropy. At generation time it reads its own samples instead.

    model = CharLSTM(len(vocab))
    history = train_char_lm(model, vocab.encode(train_text), steps=2000)
    scores = evaluate_char_lm(model, vocab.encode(val_text))     # {"loss": Score, "bpc": Score}
    print(sample(model, vocab, "ROMEO:", length=200, temperature=0.8, top_k=10))

- Papers: Graves (2013), "Generating Sequences With Recurrent Neural Networks"; Karpathy
  (2015), char-rnn and "The Unreasonable Effectiveness of Recurrent Neural Networks" (the
  tinyshakespeare corpus); nanoGPT's random-window batches (`get_batch`) and top-k sampling;
  Fan et al. (2018), "Hierarchical Neural Story Generation" (top-k sampling).
"""
import math
import time

import numpy as np

from .. import creation
from ..autograd import no_grad
from ..nn.functional.loss import cross_entropy
from ..nn.modules.linear import Linear
from ..nn.modules.module import Module
from ..nn.modules.rnn import LSTM
from ..nn.modules.sparse import Embedding
from ..nn.utils import clip_grad_norm_
from ..optim import Adam
from ..random import Generator, _generator
from ..tensor import as_array
from ..train.metrics import Score, bootstrap_mean_interval


class CharLSTM(Module):
    """Embedding → LSTM (batch_first) → Linear to one logit per character.

    Args:
        vocab_size: number of distinct characters.
        embedding_dim, hidden_size, num_layers, dropout: the embedding and the LSTM's.

    Shape: ids (B, T) int64 → (logits (B, T, vocab_size), (h_n, c_n)); pass the state back in
    to continue a text where the last call stopped.
    """

    def __init__(self, vocab_size, embedding_dim=64, hidden_size=256, num_layers=1,
                 dropout=0.0):
        super().__init__()
        self.vocab_size = vocab_size
        self.embedding = Embedding(vocab_size, embedding_dim)
        self.lstm = LSTM(embedding_dim, hidden_size, num_layers, batch_first=True,
                         dropout=dropout)
        self.head = Linear(hidden_size, vocab_size)

    def config(self):
        """The constructor's arguments (what a checkpoint stores to rebuild the model)."""
        return {"vocab_size": self.vocab_size, "embedding_dim": self.embedding.embedding_dim,
                "hidden_size": self.lstm.hidden_size, "num_layers": self.lstm.num_layers,
                "dropout": self.lstm.dropout}

    def forward(self, ids, state=None):
        output, state = self.lstm(self.embedding(ids), state)
        return self.head(output), state


def random_windows(ids, block_size, batch_size, generator=None):
    """nanoGPT's get_batch: `batch_size` windows at random offsets; (x, y) int64 (B, T) with
    y = x shifted one character on (the teacher-forcing targets)."""
    ids = np.asarray(ids)
    if len(ids) <= block_size:
        raise ValueError(f"random_windows: a text of {len(ids)} characters is too short for "
                         f"windows of {block_size} + 1")
    starts = _generator(generator).integers(0, len(ids) - block_size, size=batch_size)
    rows = starts[:, None] + np.arange(block_size + 1)[None, :]
    windows = ids[rows]
    return windows[:, :-1], windows[:, 1:]


def lm_loss(logits, targets):
    """Mean cross-entropy (nats per character) of (B, T, V) logits against (B, T) targets."""
    return cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def train_char_lm(model, train_ids, steps, block_size=100, batch_size=32, lr=2e-3,
                  max_grad_norm=5.0, generator=None, log=None, log_every=100):
    """Adam on random windows with teacher forcing; returns {"step", "loss", "seconds"} lists.

    `log(line)` is told the mean training loss every `log_every` steps.
    """
    generator = generator if generator is not None else Generator(0)
    optimizer = Adam(model.parameters(), lr=lr)
    history = {"step": [], "loss": [], "seconds": []}
    model.train()
    start, running = time.perf_counter(), []
    for step in range(1, steps + 1):
        x, y = random_windows(train_ids, block_size, batch_size, generator)
        optimizer.zero_grad()
        logits, _ = model(creation.tensor(x))
        loss = lm_loss(logits, creation.tensor(y))
        loss.backward()
        if max_grad_norm:
            clip_grad_norm_(model.parameters(), max_grad_norm)
        optimizer.step()
        running.append(float(loss.item()))
        if step % log_every == 0 or step == steps:
            history["step"].append(step)
            history["loss"].append(float(np.mean(running)))
            history["seconds"].append(time.perf_counter() - start)
            if log is not None:
                log(f"step {step}/{steps}  train loss {history['loss'][-1]:.4f}  "
                    f"({history['seconds'][-1]:.0f} s)")
            running = []
    return history


def evaluate_char_lm(model, ids, streams=16, block_size=256, confidence=0.95):
    """Validation loss of `ids` in nats and bits per character, each a Score with a CI.

    The text is cut into `streams` contiguous pieces read side by side, `block_size`
    characters at a time, the state carried from block to block (so every character but each
    piece's first is predicted from all that precedes it in its piece). Per-character losses
    are correlated, so the interval is a bootstrap over blocks of `block_size` characters, not
    over characters. bits per character = nats / ln 2.
    """
    ids = np.asarray(ids)
    piece = (len(ids) - 1) // streams
    if piece < 2:
        raise ValueError(f"evaluate_char_lm: {len(ids)} characters are too few for {streams} "
                         f"streams")
    inputs = ids[:streams * piece].reshape(streams, piece)
    targets = ids[1:streams * piece + 1].reshape(streams, piece)
    losses = np.empty((streams, piece))
    was_training = model.training
    model.eval()
    state = None
    with no_grad():
        for start in range(0, piece, block_size):
            stop = min(start + block_size, piece)
            logits, state = model(creation.tensor(inputs[:, start:stop]), state)
            log_probs = logits.log_softmax(-1)._data
            chosen = np.take_along_axis(log_probs, targets[:, start:stop, None], -1)[..., 0]
            losses[:, start:stop] = -chosen
    model.train(was_training)
    blocks = losses[:, :piece - piece % block_size].reshape(-1, block_size).mean(1) \
        if piece >= block_size else losses.mean(1)
    low, high = bootstrap_mean_interval(blocks, confidence)
    # The mean over whole blocks only, so that value and interval describe the same numbers.
    nats = Score("loss", float(blocks.mean()), low, high, losses.size, confidence)
    bpc = Score("bpc", nats.value / math.log(2), low / math.log(2), high / math.log(2),
                losses.size, confidence)
    return {"loss": nats, "bpc": bpc}


def sample(model, vocab, prompt, length=200, temperature=1.0, top_k=None, generator=None):
    """`prompt` followed by `length` characters drawn one at a time from the model.

    Args:
        temperature: the logits are divided by it: < 1 sharper (more likely characters),
            > 1 flatter (more surprising); must be > 0.
        top_k: draw only among the k most likely characters (None: all).
        generator: a glassgrad.Generator for the draws (default: the global one).
    """
    if not prompt:
        raise ValueError("sample: the prompt must hold at least one character")
    if not temperature > 0:
        raise ValueError(f"sample: temperature must be > 0, got {temperature}")
    if top_k is not None and not (isinstance(top_k, int) and 1 <= top_k):
        raise ValueError(f"sample: top_k must be a positive integer or None, got {top_k!r}")
    if length < 0:
        raise ValueError(f"sample: length must be >= 0, got {length}")
    unknown = sorted(set(prompt) - set(vocab.stoi))
    if unknown:
        raise ValueError(f"sample: the prompt holds characters the model never saw: "
                         f"{''.join(unknown)!r}")
    rng = _generator(generator)
    was_training = model.training
    model.eval()
    out = list(prompt)
    with no_grad():
        logits, state = model(creation.tensor(vocab.encode(list(prompt))[None, :]))
        for _ in range(length):
            scores = as_array(logits)[0, -1].astype(np.float64) / temperature
            if top_k is not None and top_k < scores.size:
                kth = np.partition(scores, -top_k)[-top_k]
                scores = np.where(scores < kth, -np.inf, scores)
            probs = np.exp(scores - scores.max())
            probs /= probs.sum()
            index = int(rng.choice(probs.size, p=probs))
            out.append(vocab.itos[index])
            logits, state = model(creation.tensor(np.array([[index]], dtype=np.int64)), state)
    model.train(was_training)
    return "".join(out)


__all__ = ["CharLSTM", "evaluate_char_lm", "lm_loss", "random_windows", "sample",
           "train_char_lm"]
