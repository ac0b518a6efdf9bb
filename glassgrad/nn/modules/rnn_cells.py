"""One step of a recurrent network: `RNNCell` (Elman), `LSTMCell`, `GRUCell` (torch's names).

Each cell is x_t W_ihᵀ + b_ih (a Linear) followed by `ops.recurrence.step`, the step equations
in glassgrad ops; the sequence layers (nn.RNN, nn.LSTM, nn.GRU, in rnn.py) run the same step
over every time step. Parameters are torch's: weight_ih (G·H, input_size), weight_hh (G·H, H),
bias_ih, bias_hh (G·H,), with G = 1 (Elman), 4 (LSTM: gates i, f, g, o) or 3 (GRU: r, z, n),
all drawn from U(−1/√H, 1/√H) as in torch.
"""
import math

from ... import creation
from ...ops.linalg import linear
from ...ops.recurrence import step
from .. import init
from ..parameter import Parameter
from .module import Module


class RNNCellBase(Module):
    """What the three cells share: the parameters, their initialisation and the input checks."""

    num_gates = 1

    def __init__(self, input_size, hidden_size, bias=True, dtype=None, generator=None):
        super().__init__()
        name = type(self).__name__
        for arg, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name}: {arg} must be a positive integer, got {value!r}")
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        gates = self.num_gates * hidden_size
        self.weight_ih = Parameter(creation.empty(gates, input_size, dtype=dtype))
        self.weight_hh = Parameter(creation.empty(gates, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(creation.empty(gates, dtype=dtype))
            self.bias_hh = Parameter(creation.empty(gates, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None):
        """Every weight and bias from U(−1/√H, 1/√H), torch's default for recurrent layers."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound, generator=generator)

    def _batched(self, input, states):
        """Check the input and states; return them with a batch dimension, and whether the
        input had none (torch's unbatched 1-D input)."""
        name = f"{type(self).__name__}({self.input_size}, {self.hidden_size})"
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: expected input of shape (batch, {self.input_size}) or "
                               f"({self.input_size},), got {tuple(input.shape)}")
        unbatched = input.ndim == 1
        batch = 1 if unbatched else input.shape[0]
        expected = (self.hidden_size,) if unbatched else (batch, self.hidden_size)
        out = []
        for label, state in states:
            if state is None:
                state = creation.zeros(batch, self.hidden_size, dtype=input.dtype)
            elif tuple(state.shape) != expected:
                raise RuntimeError(f"{name}: expected {label} of shape {expected}, got "
                                   f"{tuple(state.shape)}")
            elif unbatched:
                state = state.unsqueeze(0)
            out.append(state)
        return (input.unsqueeze(0) if unbatched else input), out, unbatched

    def _project(self, x):
        return linear(x, self.weight_ih, self.bias_ih)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity!r}"
        return text


class RNNCell(RNNCellBase):
    """Elman cell: h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), act = tanh or relu.

    - Paper: Elman, "Finding Structure in Time", Cognitive Science 1990.

    Args: input_size, hidden_size, bias=True, nonlinearity='tanh' | 'relu', dtype, generator
    (for the initial weights).
    Shape: input (B, input_size) or (input_size,); hx the same with hidden_size (default
    zeros) → h' like hx.

    Example::

        cell = nn.RNNCell(10, 20)
        h = cell(glassgrad.randn(3, 10))          # (3, 20)
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", dtype=None,
                 generator=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}; expected 'tanh' "
                             "or 'relu'")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, dtype, generator)

    def forward(self, input, hx=None):
        x, (h,), unbatched = self._batched(input, [("hx", hx)])
        mode = "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"
        h, _ = step(mode, self._project(x), h, None, self.weight_hh, self.bias_hh)
        return h.squeeze(0) if unbatched else h


class LSTMCell(RNNCellBase):
    """Long short-term memory cell (torch's gate order i, f, g, o):

        i, f, g, o = σ, σ, tanh, σ of (x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), split in four
        c' = f ⊙ c + i ⊙ g,    h' = o ⊙ tanh(c')

    - Paper: Hochreiter & Schmidhuber, "Long Short-Term Memory", Neural Computation 1997;
      the forget gate: Gers, Schmidhuber & Cummins, 2000.

    Args: input_size, hidden_size, bias=True, dtype, generator.
    Shape: input (B, input_size) or (input_size,); hx = (h, c), each (B, hidden_size) (default
    zeros) → (h', c').

    Example::

        cell = nn.LSTMCell(10, 20)
        h, c = cell(glassgrad.randn(3, 10))        # each (3, 20)
    """

    num_gates = 4

    def forward(self, input, hx=None):
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise RuntimeError(f"LSTMCell({self.input_size}, {self.hidden_size}): hx must be a "
                               f"tuple (h, c), got {type(hx).__name__}")
        h, c = (None, None) if hx is None else hx
        x, (h, c), unbatched = self._batched(input, [("h", h), ("c", c)])
        h, c = step("LSTM", self._project(x), h, c, self.weight_hh, self.bias_hh)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


class GRUCell(RNNCellBase):
    """Gated recurrent unit cell (torch's gates r, z, n, with b_hn inside the reset product):

        r = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr),   z = σ(x W_izᵀ + b_iz + h W_hzᵀ + b_hz)
        n = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn)),   h' = (1 − z) ⊙ n + z ⊙ h

    - Paper: Cho et al., "Learning Phrase Representations using RNN Encoder-Decoder for
      Statistical Machine Translation", EMNLP 2014.

    Args: input_size, hidden_size, bias=True, dtype, generator.
    Shape: input (B, input_size) or (input_size,); hx (B, hidden_size) (default zeros) → h'.

    Example::

        cell = nn.GRUCell(10, 20)
        h = cell(glassgrad.randn(3, 10))           # (3, 20)
    """

    num_gates = 3

    def forward(self, input, hx=None):
        x, (h,), unbatched = self._batched(input, [("hx", hx)])
        h, _ = step("GRU", self._project(x), h, None, self.weight_hh, self.bias_hh)
        return h.squeeze(0) if unbatched else h
