"""Recurrences over a whole (packed) sequence: Elman, LSTM and GRU, one op for all time steps.

The step equations, with `xw` = x_t W_ihᵀ + b_ih already computed for every step at once:

    Elman  h' = act(xw + h W_hhᵀ + b_hh)                      act = tanh or relu
    LSTM   i, f, g, o = split₄(xw + h W_hhᵀ + b_hh)            (torch's gate order)
           c' = σ(f) c + σ(i) tanh(g),   h' = σ(o) tanh(c')
    GRU    a = h W_hhᵀ + b_hh   (b_hn stays inside the reset gate, as in torch)
           r = σ(xw_r + a_r),  z = σ(xw_z + a_z),  n = tanh(xw_n + r a_n),  h' = (1 − z) n + z h

`step` writes one step in glassgrad ops and `scan` unrolls it over the sequence: that composite
is the *definition* (differentiable to any order). `Recurrence` is the same computation as one
primitive, promoted for speed (shared/DESIGN.md: only with a benchmark in hand):

- a composite pays the engine's per-op overhead ~15 times per step, and cutting per-step slices
  out of the projected inputs costs a full-size zero array per step in the backward (quadratic
  in the length); its weight gradient is 40 small products instead of one large one. Measured on
  2 cores (LSTM, input 64, hidden 128, T 40, batch 64, training step): composite 44 steps/s,
  torch 136; this op: see benchmarks (`python -m benchmarks --only lstm gru`).
- `forward` is a numpy loop over the steps; `backward_array` (used when no graph of the
  gradient is recorded) is hand-written BPTT: the gate gradients of all steps are written into
  one array, so dW_hh is one product over all steps.
- `backward`, the rule, re-runs the composite on the op's inputs and differentiates it, so a
  second derivative (a Hessian-vector product through an LSTM) is exact. It never reads the
  gate activations that forward keeps for `backward_array`.

Packed sequences: the rows of `xw` are time-major, `batch_sizes[t]` rows per step, sequences
sorted by decreasing length (nn.utils.rnn.PackedSequence's layout). A step updates the first
`batch_sizes[t]` rows of the state; in the forward direction the other rows have ended, in the
reverse direction they have not started yet and still hold h0.
"""
import numpy as np

from ..autograd import grad_mode
from ..autograd.function import Function
from ..tensor import Tensor
from .activation import relu, sigmoid, tanh
from .elementwise import clone
from .linalg import linear
from .movement import cat

MODES = ("RNN_TANH", "RNN_RELU", "LSTM", "GRU")
GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def step(mode, xw, h, c, w_hh, b_hh):
    """One step of the recurrence in glassgrad ops: (h', c') (c' is None but for the LSTM).

    xw: (B, G·H) the step's input projection (with b_ih); h, c: (B, H); w_hh: (G·H, H).
    """
    hw = linear(h, w_hh, b_hh)
    if mode == "RNN_TANH":
        return tanh(xw + hw), None
    if mode == "RNN_RELU":
        return relu(xw + hw), None
    H = h.shape[-1]
    if mode == "LSTM":
        gates = xw + hw
        i, f = sigmoid(gates[:, :H]), sigmoid(gates[:, H:2 * H])
        g, o = tanh(gates[:, 2 * H:3 * H]), sigmoid(gates[:, 3 * H:])
        c = f * c + i * g
        return o * tanh(c), c
    r = sigmoid(xw[:, :H] + hw[:, :H])
    z = sigmoid(xw[:, H:2 * H] + hw[:, H:2 * H])
    n = tanh(xw[:, 2 * H:] + r * hw[:, 2 * H:])
    return n + z * (h - n), None          # = (1 − z) n + z h, one op fewer


def _offsets(batch_sizes):
    return np.concatenate([[0], np.cumsum(batch_sizes)]).astype(int)


def scan(mode, xw, h0, c0, w_hh, b_hh, batch_sizes, reverse=False):
    """The recurrence unrolled in glassgrad ops (the definition of `Recurrence`).

    Returns the packed outputs (N, H), or (N, 2H) holding [h_t, c_t] for the LSTM.
    """
    offsets, steps = _offsets(batch_sizes), len(batch_sizes)
    batch = h0.shape[0]
    h, c = h0, c0
    outputs = [None] * steps
    for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
        size = batch_sizes[t]
        x_t = xw[offsets[t]:offsets[t] + size]
        h_prev = h if size == batch else h[:size]
        c_prev = None if c is None else (c if size == batch else c[:size])
        h_new, c_new = step(mode, x_t, h_prev, c_prev, w_hh, b_hh)
        outputs[t] = h_new if c_new is None else cat([h_new, c_new], 1)
        # Rows past `size` keep their state: ended sequences, or (reverse) ones not yet begun.
        h = h_new if size == batch else cat([h_new, h[size:]], 0)
        if c is not None:
            c = c_new if size == batch else cat([c_new, c[size:]], 0)
    return outputs[0] if steps == 1 else cat(outputs, 0)


def _sigmoid(a):
    """σ in place, as ops.Sigmoid computes it: (1 + tanh(a/2)) / 2 never overflows."""
    a *= 0.5
    np.tanh(a, out=a)
    a += 1.0
    a *= 0.5
    return a


class Recurrence(Function):
    """The whole recurrence as one op (see the module docstring for why and what it computes).

    Inputs: xw (N, G·H) packed input projections, h0 (B, H), c0 (B, H) or None, w_hh (G·H, H),
    b_hh (G·H,) or None; parameters mode, batch_sizes (a tuple of ints), reverse.
    Output: (N, H) hidden states, or (N, 2H) = [h_t, c_t] for the LSTM.
    """

    save_output = True

    @staticmethod
    def forward(ctx, xw, h0, c0, w_hh, b_hh, mode, batch_sizes, reverse):
        H, B = h0.shape[1], h0.shape[0]
        offsets = _offsets(batch_sizes)
        ctx.mode, ctx.batch_sizes, ctx.reverse = mode, batch_sizes, reverse
        lstm, gru = mode == "LSTM", mode == "GRU"
        dtype = np.result_type(xw, h0, w_hh)
        out = np.empty((xw.shape[0], 2 * H if lstm else H), dtype=dtype)
        # What backward_array needs (never read by the rule `backward`): the activated gates;
        # for the GRU also h W_hnᵀ + b_hn, which the reset gate multiplies.
        acts = np.empty((xw.shape[0], 4 * H if (lstm or gru) else H), dtype=dtype)
        h = np.array(h0, dtype=dtype)
        c = np.array(c0, dtype=dtype) if lstm else None
        w_t = w_hh.T
        for t in (range(len(batch_sizes) - 1, -1, -1) if reverse else range(len(batch_sizes))):
            size = batch_sizes[t]
            rows = slice(offsets[t], offsets[t] + size)
            hp = h[:size]
            if lstm:
                a = acts[rows]
                np.matmul(hp, w_t, out=a)
                a += xw[rows]
                if b_hh is not None:
                    a += b_hh
                _sigmoid(a[:, :2 * H])
                np.tanh(a[:, 2 * H:3 * H], out=a[:, 2 * H:3 * H])
                _sigmoid(a[:, 3 * H:])
                c_new = a[:, H:2 * H] * c[:size]
                c_new += a[:, :H] * a[:, 2 * H:3 * H]
                h_new = np.tanh(c_new)
                h_new *= a[:, 3 * H:]
                out[rows, :H], out[rows, H:] = h_new, c_new
                c[:size] = c_new
            elif gru:
                a = acts[rows]
                hw = hp @ w_t
                if b_hh is not None:
                    hw += b_hh
                a[:, :2 * H] = xw[rows, :2 * H]
                a[:, :2 * H] += hw[:, :2 * H]
                _sigmoid(a[:, :2 * H])
                a[:, 3 * H:] = hw[:, 2 * H:]
                n = a[:, 2 * H:3 * H]
                np.multiply(a[:, :H], hw[:, 2 * H:], out=n)
                n += xw[rows, 2 * H:]
                np.tanh(n, out=n)
                h_new = hp - n
                h_new *= a[:, H:2 * H]
                h_new += n
                out[rows] = h_new
            else:
                a = out[rows]
                np.matmul(hp, w_t, out=a)
                a += xw[rows]
                if b_hh is not None:
                    a += b_hh
                if mode == "RNN_TANH":
                    np.tanh(a, out=a)
                else:
                    np.maximum(a, 0, out=a)
                h_new = a
            h[:size] = h_new
        ctx.acts = acts if (lstm or gru) else None
        return out

    @staticmethod
    def backward(ctx, grad):
        """The rule: the derivative of the composite `scan` at the op's inputs."""
        from ..autograd.engine import grad as autograd_grad
        inputs = list(ctx.inputs[:5])
        needs = [isinstance(t, Tensor) and t.requires_grad for t in inputs]
        create_graph = grad_mode._enabled
        # Stand-ins for the inputs, so the derivative is taken with respect to each input
        # alone; under create_graph a clone keeps the gradient's graph joined to the input.
        stand_ins = [(clone(t) if create_graph else Tensor(t._data, requires_grad=True))
                     if need else t for t, need in zip(inputs, needs)]
        with grad_mode.enable_grad():
            out = scan(ctx.mode, *stand_ins, ctx.batch_sizes, ctx.reverse)
        wrt = [s for s, need in zip(stand_ins, needs) if need]
        found = iter(autograd_grad(out, wrt, grad, create_graph=create_graph, allow_unused=True))
        return tuple(next(found) if need else None for need in needs)

    @staticmethod
    def backward_array(ctx, grad):
        """Hand-written BPTT in numpy (no graph of the gradient): the same derivative as the
        rule, checked against it by tests/op_db.py. One pass backwards through the steps, the
        gate gradients of every step into one array, then dW_hh = Σ_t dgates_tᵀ h_{t-1} as one
        product over all steps."""
        xw, h0, c0, w_hh, b_hh = ctx.inputs[:5]
        xw, h0, w_hh = xw._data, h0._data, w_hh._data
        c0 = None if c0 is None else c0._data
        mode, batch_sizes, reverse = ctx.mode, ctx.batch_sizes, ctx.reverse
        out, acts = ctx._out_data, ctx.acts
        H, B, steps = h0.shape[1], h0.shape[0], len(batch_sizes)
        offsets = _offsets(batch_sizes)
        lstm, gru = mode == "LSTM", mode == "GRU"
        dtype = out.dtype
        d_pre = np.empty((xw.shape[0], w_hh.shape[0]), dtype=dtype)   # d(h W_hhᵀ + b_hh)
        d_xw = np.empty_like(d_pre) if gru else d_pre                 # equal but for the GRU
        h_prev_all = np.empty((xw.shape[0], H), dtype=dtype)
        dh = np.zeros((B, H), dtype=dtype)
        dc = np.zeros((B, H), dtype=dtype) if lstm else None

        def previous(state, first, t, size):
            """The state before step t, for its `size` rows (from the output, or h0/c0)."""
            p = t + 1 if reverse else t - 1
            if p < 0 or p >= steps:
                return first[:size]
            lo, before = offsets[p], batch_sizes[p]
            if before >= size:
                return state[lo:lo + size]
            return np.concatenate([state[lo:lo + before], first[before:size]])

        for t in (range(steps) if reverse else range(steps - 1, -1, -1)):
            size = batch_sizes[t]
            rows = slice(offsets[t], offsets[t] + size)
            hp = previous(out[:, :H], h0, t, size)
            h_prev_all[rows] = hp
            if lstm:
                dh_t = grad[rows, :H] + dh[:size]
                dc_t = grad[rows, H:] + dc[:size]
                a = acts[rows]
                i, f, g, o = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
                tc = np.tanh(out[rows, H:])
                dc_t += dh_t * o * (1 - tc * tc)
                cp = previous(out[:, H:], c0, t, size)
                d = d_pre[rows]
                d[:, :H] = dc_t * g * i * (1 - i)
                d[:, H:2 * H] = dc_t * cp * f * (1 - f)
                d[:, 2 * H:3 * H] = dc_t * i * (1 - g * g)
                d[:, 3 * H:] = dh_t * tc * o * (1 - o)
                dh[:size] = d @ w_hh
                dc[:size] = dc_t * f
            elif gru:
                dh_t = grad[rows] + dh[:size]
                a = acts[rows]
                r, z, n, hw_n = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
                d, dx = d_pre[rows], d_xw[rows]
                dn = dh_t * (1 - z) * (1 - n * n)           # d(xw_n + r a_n)
                dx[:, 2 * H:] = dn
                d[:, 2 * H:] = dn * r
                d[:, :H] = dn * hw_n * r * (1 - r)
                d[:, H:2 * H] = dh_t * (hp - n) * z * (1 - z)
                dx[:, :2 * H] = d[:, :2 * H]
                dh[:size] = dh_t * z + d @ w_hh
            else:
                dh_t = grad[rows] + dh[:size]
                h_t = out[rows]
                d = d_pre[rows]
                if mode == "RNN_TANH":
                    np.multiply(dh_t, 1 - h_t * h_t, out=d)
                else:
                    np.multiply(dh_t, h_t > 0, out=d)
                dh[:size] = d @ w_hh
        needs = ctx.needs_input_grad
        return (d_xw if needs[0] else None,
                dh if needs[1] else None,
                dc if lstm and needs[2] else None,
                d_pre.T @ h_prev_all if needs[3] else None,
                d_pre.sum(0) if b_hh is not None and needs[4] else None)


def recurrence(mode, xw, h0, c0, w_hh, b_hh, batch_sizes, reverse=False):
    """Run the recurrence `mode` ('RNN_TANH', 'RNN_RELU', 'LSTM', 'GRU') over packed inputs.

    xw (N, G·H): x_t W_ihᵀ + b_ih of every step, time-major, batch_sizes[t] rows at step t
    (non-increasing); h0, c0 (B, H) with B = batch_sizes[0]. Returns (N, H), or (N, 2H) =
    [h_t, c_t] for the LSTM. The op `Recurrence`; its definition is `scan`.
    """
    if mode not in MODES:
        raise ValueError(f"recurrence: mode must be one of {MODES}, got {mode!r}")
    batch_sizes = tuple(int(s) for s in batch_sizes)
    H = h0.shape[-1]
    if xw.ndim != 2 or xw.shape[1] != GATES[mode] * H or xw.shape[0] != sum(batch_sizes):
        raise RuntimeError(f"recurrence ({mode}): xw of shape {tuple(xw.shape)}, expected "
                           f"({sum(batch_sizes)}, {GATES[mode] * H})")
    if (mode == "LSTM") != (c0 is not None):
        raise RuntimeError(f"recurrence ({mode}): c0 is needed by the LSTM and only by it")
    return Recurrence.apply(xw, h0, c0, w_hh, b_hh, mode=mode, batch_sizes=batch_sizes,
                            reverse=bool(reverse))
