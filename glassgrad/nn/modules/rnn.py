"""Recurrent layers over whole sequences: `RNN` (Elman), `LSTM`, `GRU`, with torch's arguments,
parameter names and layout, so a torch state_dict loads and gives the same outputs.

Each layer and direction is one op, `ops.recurrence`: all time steps' input projections
x W_ihᵀ + b_ih in one product, then the step equations (those of rnn_cells.py) over every step;
its derivative is that of the unrolled composite. A padded input runs as a packed one with
the same number of sequences at every step, so padded and packed input share one code path.
LSTM's `proj_size` is not supported.
"""
import math
import warnings

import numpy as np

from ... import creation
from ...ops.indexing import index_select
from ...ops.movement import cat, stack
from ...ops.recurrence import recurrence
from ...tensor import Tensor
from .. import init
from ..functional.dropout import dropout
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """What RNN, LSTM and GRU share: parameters, checks, layers, directions and packing."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, dtype=None,
                 generator=None):
        super().__init__()
        name = type(self).__name__
        for arg, value in (("input_size", input_size), ("hidden_size", hidden_size),
                           ("num_layers", num_layers)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name}: {arg} must be a positive integer, got {value!r}")
        if not isinstance(dropout, (int, float)) or isinstance(dropout, bool) \
                or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout should be a number in [0, 1] giving the "
                             f"probability of an element being zeroed, got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout option adds dropout after all but last recurrent "
                          f"layer, so non-zero dropout expects num_layers greater than 1, but "
                          f"got dropout={dropout} and num_layers={num_layers}", UserWarning,
                          stacklevel=3)
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        self.generator = generator
        gates = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            for suffix in ("", "_reverse")[:directions]:
                setattr(self, f"weight_ih_l{layer}{suffix}",
                        Parameter(creation.empty(gates, layer_input, dtype=dtype)))
                setattr(self, f"weight_hh_l{layer}{suffix}",
                        Parameter(creation.empty(gates, hidden_size, dtype=dtype)))
                if bias:
                    setattr(self, f"bias_ih_l{layer}{suffix}",
                            Parameter(creation.empty(gates, dtype=dtype)))
                    setattr(self, f"bias_hh_l{layer}{suffix}",
                            Parameter(creation.empty(gates, dtype=dtype)))
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None):
        """Every weight and bias from U(−1/√H, 1/√H), torch's default for recurrent layers."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound, generator=generator)

    def _weights(self, layer, direction):
        suffix = "_reverse" if direction else ""
        get = lambda kind: getattr(self, f"{kind}_l{layer}{suffix}")   # noqa: E731
        if self.bias:
            return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")
        return get("weight_ih"), get("weight_hh"), None, None

    def _name(self):
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size})"

    # --- the input, as packed rows --------------------------------------------------------
    def _packed_input(self, input):
        """(data (N, F), batch_sizes, sorted_indices, unsorted_indices, how to give back)."""
        if isinstance(input, PackedSequence):
            data = input.data
            if data.ndim != 2 or data.shape[1] != self.input_size:
                raise RuntimeError(f"{self._name()}: expected packed data of shape (N, "
                                   f"{self.input_size}), got {tuple(data.shape)}")
            sizes = tuple(int(s) for s in np.asarray(input.batch_sizes._data))
            return data, sizes, input.sorted_indices, input.unsorted_indices, "packed"
        if isinstance(input, (list, tuple)):
            raise RuntimeError(f"{self._name()}: got a {type(input).__name__} of "
                               f"{len(input)} tensors; sequences of different lengths must be "
                               "padded (nn.utils.rnn.pad_sequence) or packed "
                               "(nn.utils.rnn.pack_sequence) into one input first")
        if not isinstance(input, Tensor):
            raise TypeError(f"{self._name()}: expected a Tensor or a PackedSequence, got "
                            f"{type(input).__name__}")
        layout = "(batch, seq, features)" if self.batch_first else "(seq, batch, features)"
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size:
            raise RuntimeError(f"{self._name()}: expected input of shape {layout} with "
                               f"features = input_size = {self.input_size}, or (seq, "
                               f"{self.input_size}) unbatched; got {tuple(input.shape)}")
        if input.ndim == 2:
            x, how = input.unsqueeze(1), "unbatched"
        else:
            x, how = (input.transpose(0, 1) if self.batch_first else input), "padded"
        steps, batch = x.shape[0], x.shape[1]
        if steps == 0 or batch == 0:
            raise RuntimeError(f"{self._name()}: got an empty input of shape "
                               f"{tuple(input.shape)}")
        return x.reshape(steps * batch, self.input_size), (batch,) * steps, None, None, how

    def _initial_state(self, state, label, batch, dtype, unbatched, sorted_indices):
        layers = self.num_layers * (2 if self.bidirectional else 1)
        if state is None:
            return creation.zeros(layers, batch, self.hidden_size, dtype=dtype)
        expected = (layers, self.hidden_size) if unbatched else \
            (layers, batch, self.hidden_size)
        if not isinstance(state, Tensor) or tuple(state.shape) != expected:
            got = tuple(state.shape) if isinstance(state, Tensor) else type(state).__name__
            raise RuntimeError(f"{self._name()}: expected {label} of shape {expected} "
                               f"(num_layers * num_directions, batch, hidden_size), got {got}")
        if unbatched:
            return state.unsqueeze(1)
        # A packed batch runs in sorted order: the states follow their sequences.
        return state if sorted_indices is None else index_select(state, 1, sorted_indices)

    # --- the layers -------------------------------------------------------------------------
    def _run(self, input, hx, c0_given):
        data, sizes, sorted_indices, unsorted_indices, how = self._packed_input(input)
        lstm = self.mode == "LSTM"
        batch = sizes[0]
        h0 = self._initial_state(hx, "h0" if lstm else "hx", batch, data.dtype,
                                 how == "unbatched", sorted_indices)
        c0 = self._initial_state(c0_given, "c0", batch, data.dtype, how == "unbatched",
                                 sorted_indices) if lstm else None
        directions = 2 if self.bidirectional else 1
        N = data.shape[0]
        x, h_n, c_n = data, [], []
        for layer in range(self.num_layers):
            outs = []
            for direction in range(directions):
                w_ih, w_hh, b_ih, b_hh = self._weights(layer, direction)
                k = layer * directions + direction
                y = recurrence(self.mode, x, w_ih, b_ih, h0[k], c0[k] if lstm else None,
                               w_hh, b_hh, sizes, reverse=direction == 1)
                # y: the N packed states, then h_n and (LSTM) c_n, each sequence's last state
                h_n.append(y[N:N + batch])
                if lstm:
                    c_n.append(y[N + batch:])
                outs.append(y[:N])
            x = outs[0] if directions == 1 else cat(outs, 1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = dropout(x, self.dropout, True, generator=self.generator)
        states = [stack(h_n, 0)] + ([stack(c_n, 0)] if lstm else [])
        if how == "packed":
            if unsorted_indices is not None:
                states = [index_select(s, 1, unsorted_indices) for s in states]
            output = PackedSequence(x, input.batch_sizes, sorted_indices, unsorted_indices)
        else:
            output = x.reshape(len(sizes), batch, x.shape[-1])
            if how == "unbatched":
                output = output.squeeze(1)
                states = [s.squeeze(1) for s in states]
            elif self.batch_first:
                output = output.transpose(0, 1)
        return output, states

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity!r}"
        for arg, default in (("bias", True), ("batch_first", False), ("dropout", 0.0),
                             ("bidirectional", False)):
            if getattr(self, arg) != default:
                text += f", {arg}={getattr(self, arg)}"
        return text


_ARGS = """
    Args:
        input_size, hidden_size: features of each input step and of the hidden state H.
        num_layers: stacked layers, each reading the previous one's outputs (default 1).
        bias: learn b_ih and b_hh (default True).
        batch_first: input and output are (B, T, *) instead of (T, B, *) (not h_n).
        dropout: dropout probability on each layer's outputs but the last, in training only.
        bidirectional: a second pass from the end; outputs of both directions side by side.
        dtype, generator: parameter dtype; a glassgrad.Generator for the initial weights and
            the dropout masks.

    Shape: input (T, B, input_size), (B, T, input_size) with batch_first, (T, input_size)
    unbatched, or a PackedSequence; states (num_layers·D, B, H) (D = 2 if bidirectional) or
    (num_layers·D, H) unbatched. Output (T, B, D·H) (or packed), h_n like h0.
    Parameters: weight_ih_l{k} (G·H, input of layer k), weight_hh_l{k} (G·H, H), bias_ih_l{k},
    bias_hh_l{k} (G·H,), and the same with suffix _reverse when bidirectional.
"""


class RNN(RNNBase):
    """Elman network: h_t = act(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh), act = tanh or relu
    (argument `nonlinearity`, after num_layers as in torch).

    - Paper: Elman, "Finding Structure in Time", Cognitive Science 1990.
    """ + _ARGS + """
    Example::

        rnn = nn.RNN(10, 20, num_layers=2)
        output, h_n = rnn(glassgrad.randn(5, 3, 10))    # (5, 3, 20), (2, 3, 20)
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, dtype=None,
                 generator=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; expected 'tanh' or "
                             "'relu'")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         dtype, generator)

    def forward(self, input, hx=None):
        output, (h_n,) = self._run(input, hx, None)
        return output, h_n


class LSTM(RNNBase):
    """Long short-term memory, per step (torch's gate order i, f, g, o):

        i, f, g, o = σ, σ, tanh, σ of (x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh), split in four
        c_t = f ⊙ c_{t−1} + i ⊙ g,    h_t = o ⊙ tanh(c_t)

    - Paper: Hochreiter & Schmidhuber, "Long Short-Term Memory", Neural Computation 1997.
    """ + _ARGS + """
    forward(input, (h0, c0)) → output, (h_n, c_n). proj_size is not supported.

    Example::

        lstm = nn.LSTM(10, 20, batch_first=True)
        output, (h_n, c_n) = lstm(glassgrad.randn(3, 5, 10))  # (3, 5, 20), (1, 3, 20) ×2
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, dtype=None, generator=None):
        if proj_size:
            raise NotImplementedError("LSTM: proj_size is not supported by glassgrad")
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, dtype, generator)

    def forward(self, input, hx=None):
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise RuntimeError(f"{self._name()}: hx must be a tuple (h0, c0), got "
                               f"{type(hx).__name__}")
        h0, c0 = (None, None) if hx is None else hx
        output, (h_n, c_n) = self._run(input, h0, c0)
        return output, (h_n, c_n)


class GRU(RNNBase):
    """Gated recurrent unit, per step (torch's gates r, z, n; b_hn inside the reset product):

        r = σ(x W_irᵀ + b_ir + h W_hrᵀ + b_hr),   z = σ(x W_izᵀ + b_iz + h W_hzᵀ + b_hz)
        n = tanh(x W_inᵀ + b_in + r ⊙ (h W_hnᵀ + b_hn)),   h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}

    - Paper: Cho et al., "Learning Phrase Representations using RNN Encoder-Decoder for
      Statistical Machine Translation", EMNLP 2014.
    """ + _ARGS + """
    Example::

        gru = nn.GRU(10, 20, bidirectional=True)
        output, h_n = gru(glassgrad.randn(5, 3, 10))    # (5, 3, 40), (2, 3, 20)
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, dtype=None, generator=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, dtype, generator)

    def forward(self, input, hx=None):
        output, (h_n,) = self._run(input, hx, None)
        return output, h_n
