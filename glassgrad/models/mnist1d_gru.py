"""`MNIST1DGRU`: the MNIST-1D paper's recurrent baseline, a small bidirectional GRU read at
every step, then a linear classifier on all the steps' states.

    h_1..T = BiGRU(x_1..T),   logits = W [h_1; h_2; ...; h_T] + b        (x_t: one sample)

- Paper: Greydanus & Kobak, "Scaling Down Deep Learning with MNIST-1D", ICML 2024
  (arXiv:2011.14439, 2020), Table 1: 91% test accuracy on MNIST-1D (one run of the reference
  repository's notebooks/mnist1d-classification.ipynb prints 89.1% after 6,000 steps).
- GRU: Cho et al., "Learning Phrase Representations using RNN Encoder-Decoder for Statistical
  Machine Translation", EMNLP 2014.
The architecture follows the reference repository's description (github.com/greydanus/mnist1d,
notebooks/models.py, GRUBase), written here with glassgrad.nn: one bidirectional GRU layer of
hidden size 6 over the 40 samples of the signal (one feature per step, h0 = 0), every step's
12 outputs flattened (480) into Linear 480 -> 10: 5,134 parameters. The reference trains it as
the other baselines (Adam, lr 1e-2, batches of 100, 6,000 steps).

`cell="rnn"` (Elman, tanh) or `cell="lstm"` swaps the recurrent layer for a comparison with
the same read-out; images (N, C, H, W) are read row by row (T = H steps of C·W features).
"""
from .. import nn
from ._recurrent import recurrent_layer


class MNIST1DGRU(nn.Module):
    """The paper's GRU: a bidirectional recurrent layer, all its states into one Linear.

    Args:
        input_size: features per step (1 for a signal).
        time_steps: steps per sequence (40 for MNIST-1D); sizes the classifier.
        hidden_size: state size per direction (6 in the paper).
        num_classes: number of outputs.
        bidirectional: a second pass from the end (True in the paper).
        cell: "gru" (the paper's), "lstm" or "rnn".
        channels_first: 3-D input is (N, input_size, T) (channels, as Conv1d takes it) rather
            than (N, T, input_size).
    Shape: input (N, T) (a signal, one feature a step), (N, T, input_size), or images
    (N, C, H, W) with H = time_steps and C·W = input_size; output (N, num_classes).
    """

    def __init__(self, input_size=1, time_steps=40, hidden_size=6, num_classes=10,
                 bidirectional=True, cell="gru", channels_first=False):
        super().__init__()
        self.input_size, self.time_steps, self.cell = input_size, time_steps, cell
        self.channels_first = channels_first
        self.rnn = recurrent_layer("MNIST1DGRU", cell, input_size, hidden_size,
                                   bidirectional=bidirectional)
        directions = 2 if bidirectional else 1
        self.linear = nn.Linear(directions * hidden_size * time_steps, num_classes)

    def forward(self, x):
        if x.ndim == 2:                                   # (N, T): one feature per step
            x = x.reshape(x.shape[0], x.shape[1], 1)
        elif x.ndim == 3 and self.channels_first:
            x = x.transpose(1, 2)
        elif x.ndim == 4:                                 # images: rows are the steps
            x = x.permute(0, 2, 1, 3).reshape(x.shape[0], x.shape[2], -1)
        if x.ndim != 3 or tuple(x.shape[1:]) != (self.time_steps, self.input_size):
            raise RuntimeError(f"MNIST1DGRU: expected input (N, {self.time_steps}, "
                               f"{self.input_size}) (or (N, {self.time_steps}) for one "
                               f"feature a step), got {tuple(x.shape)}")
        output, _ = self.rnn(x)                           # (N, T, D·H)
        return self.linear(output.reshape(output.shape[0], -1))

    def extra_repr(self):
        return f"cell={self.cell!r}, time_steps={self.time_steps}"


__all__ = ["MNIST1DGRU"]
