"""Recurrences over a whole (packed) sequence: Elman, LSTM and GRU, one op for all time steps.

The step equations, with xw = x_t W_ihᵀ + b_ih (every step's projection in one product):

    Elman  h' = act(xw + h W_hhᵀ + b_hh)                      act = tanh or relu
    LSTM   i, f, g, o = split₄(xw + h W_hhᵀ + b_hh)            (torch's gate order)
           c' = σ(f) c + σ(i) tanh(g),   h' = σ(o) tanh(c')
    GRU    a = h W_hhᵀ + b_hh   (b_hn stays inside the reset gate, as in torch)
           r = σ(xw_r + a_r),  z = σ(xw_z + a_z),  n = tanh(xw_n + r a_n),  h' = (1 − z) n + z h

`step` writes one step in glassgrad ops and `scan` unrolls it over the sequence: that composite
is the *definition* (differentiable to any order). `Recurrence` is the same computation as one
primitive, promoted for speed (shared/DESIGN.md: only with a benchmark in hand):

- the composite pays the engine's per-op overhead ~15 times per step, and cutting each step's
  slice out of the projected inputs costs a full-size zero array per step in the backward
  (quadratic in the length); its weight gradients are T small products instead of one large
  one. Measured on 2 cores (LSTM, input 64, hidden 128, T 40, batch 64, one training step):
  composite 44 steps/s, torch 136. This op: 59–65 against torch's 122–139 (LSTM; torch runs
  oneDNN's fused LSTM, and numpy's products alone take 8 ms of the step), 87 against 67 (GRU),
  by `python -m benchmarks --only lstm gru`.
- `forward` is a numpy loop over the steps after one product for all the input projections;
  `backward_array` (used when no graph of the gradient is recorded) is hand-written BPTT: the
  gate gradients of all steps go into one array, then every weight and bias gradient is one
  product.
- `backward`, the rule, re-runs the composite on the op's inputs and differentiates it, so a
  second derivative (a Hessian-vector product through an LSTM) is exact. It never reads the
  arrays that forward keeps for `backward_array` (gate activations and slopes, c_t, tanh c_t).

Output: the states h_t of every step (N rows, packed), then h_n, each sequence's state after
its own last step (B rows), then, for the LSTM, c_n (B rows).

Packed sequences: the rows of x are time-major, `batch_sizes[t]` rows per step, sequences
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


def scan(mode, x, w_ih, b_ih, h0, c0, w_hh, b_hh, batch_sizes, reverse=False):
    """The recurrence unrolled in glassgrad ops (the definition of `Recurrence`): every step's
    input projection in one product, then `step` at each step.

    Returns (N + B, H): the packed states h_t, then h_n, each sequence's state after its last
    step (for the LSTM (N + 2B, H): c_n after h_n).
    """
    xw = linear(x, w_ih, b_ih)
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
        outputs[t] = (h_new, c_new)
        # Rows past `size` keep their state: ended sequences, or (reverse) ones not yet begun.
        h = h_new if size == batch else cat([h_new, h[size:]], 0)
        if c is not None:
            c = c_new if size == batch else cat([c_new, c[size:]], 0)
    # After the loop each row of h (and c) holds its sequence's last state: h_n (and c_n).
    return cat([h for h, _ in outputs] + [h] + ([] if c is None else [c]), 0)


class _Steps:
    """The packed layout: which rows each step reads and writes, and the state before it."""

    def __init__(self, batch_sizes, reverse):
        self.sizes, self.reverse, self.count = batch_sizes, reverse, len(batch_sizes)
        self.offsets = _offsets(batch_sizes)

    def order(self, backwards=False):
        forward = range(self.count - 1, -1, -1) if self.reverse else range(self.count)
        return reversed(forward) if backwards else forward

    def rows(self, t):
        return slice(self.offsets[t], self.offsets[t] + self.sizes[t])

    def previous(self, states, first, t):
        """The state before step t for its rows: from the step before (rows of `states`), or
        from `first` (h0, c0) for the rows that begin here."""
        size, p = self.sizes[t], t + 1 if self.reverse else t - 1
        if p < 0 or p >= self.count:
            return first[:size]
        lo, before = self.offsets[p], self.sizes[p]
        if before >= size:
            return states[lo:lo + size]
        return np.concatenate([states[lo:lo + before], first[before:size]])

    def final(self, states, first):
        """Each sequence's state after its last step: (B, H), in packed order."""
        if self.reverse:                      # the reverse direction ends at step 0
            return states[:self.sizes[0]]
        batch = self.sizes[0]
        lengths = (np.asarray(self.sizes)[None, :] > np.arange(batch)[:, None]).sum(1)
        return states[self.offsets[lengths - 1] + np.arange(batch)]

    def all_previous(self, states, first, out=None):
        """`previous` for every step at once: (N, H), row for row with `states`."""
        out = np.empty_like(states) if out is None else out
        for t in range(self.count):
            out[self.rows(t)] = self.previous(states, first, t)
        return out


# σ(a) = (1 + tanh(a/2)) / 2, as ops.Sigmoid computes it (it never overflows). With the
# sigmoid gates' pre-activations halved (exact in floating point), one tanh serves all gates,
# then a·scale + shift turns the sigmoid ones into σ.
def _halving(mode, H):
    """Per gate row: 0.5 for the sigmoid gates, 1 for tanh (LSTM's g, GRU's n) and Elman."""
    gates = GATES[mode]
    scale = np.full(gates * H, 0.5 if mode in ("LSTM", "GRU") else 1.0)
    tanh_gate = {"LSTM": 2, "GRU": 2}.get(mode)
    if tanh_gate is not None:
        scale[tanh_gate * H:(tanh_gate + 1) * H] = 1.0
    return scale


def _lstm_forward(ctx, acts, h0, c0, w_hh, halve, steps, hs):
    """acts: the input part of the halved pre-activations, both biases in; made T = tanh of
    them (so tanh(g) for g), with σ = (1 + T)/2 for the other gates in `sigmoids`. Scalar
    operations on whole blocks: numpy's broadcast of a per-gate vector is three times slower."""
    H = h0.shape[1]
    w_t = (w_hh * halve[:, None]).T
    # For backward_array, while each step's values are in cache: 1 − T², from T = tanh(·),
    # which is tanh' for g and 4σ' for the sigmoid gates (σ' = σ(1 − σ) = (1 − T²)/4).
    slopes, sigmoids = np.empty_like(acts), np.empty_like(acts)
    tc = np.empty_like(hs)                                           # tanh(c_t)
    cs = np.empty_like(hs)                                           # c_t
    for t in steps.order():
        rows = steps.rows(t)
        a, slope, sig = acts[rows], slopes[rows], sigmoids[rows]
        a += steps.previous(hs, h0, t) @ w_t
        np.tanh(a, out=a)
        np.multiply(a, a, out=slope)
        np.subtract(1, slope, out=slope)
        np.multiply(a, 0.5, out=sig)
        sig += 0.5                     # σ(i), σ(f), σ(o) (and an unused σ(2g))
        c = cs[rows]
        np.multiply(sig[:, H:2 * H], steps.previous(cs, c0, t), out=c)
        c += sig[:, :H] * a[:, 2 * H:3 * H]
        np.tanh(c, out=tc[rows])
        np.multiply(tc[rows], sig[:, 3 * H:], out=hs[rows])
    ctx.acts, ctx.sigmoids, ctx.slopes, ctx.tanh_c, ctx.cells = acts, sigmoids, slopes, tc, cs


def _lstm_backward(ctx, grad, dh, dc, c0, w_hh, steps):
    """grad: of the states h_t; dh, dc: of h_n, c_n (each row met at its sequence's last step,
    where the loop backwards starts it), carried back through the steps."""
    H = dh.shape[1]
    sig, slopes, tc, cs = ctx.sigmoids, ctx.slopes, ctx.tanh_c, ctx.cells
    i, f, o, g = sig[:, :H], sig[:, H:2 * H], sig[:, 3 * H:], ctx.acts[:, 2 * H:3 * H]
    d_gates = np.empty_like(sig)
    for t in steps.order(backwards=True):
        rows, size = steps.rows(t), steps.sizes[t]
        dh_t = grad[rows] + dh[:size]
        dc_t = dc[:size]                # c_t is not an output: only what step t+1 sends
        tc_t = tc[rows]
        through = tc_t * tc_t                      # dc_t += dh_t · o (1 − tanh² c_t)
        np.subtract(1, through, out=through)
        through *= o[rows]
        through *= dh_t
        dc_t += through
        # d(pre-activation) = (what multiplies the gate) · (the gate's slope); the sigmoid
        # gates' 1/4 (see _lstm_forward) goes in with dc_t/4 and dh_t/4.
        dc_4, dh_4 = dc_t * 0.25, dh_t * 0.25
        d = d_gates[rows].reshape(size, 4, H)
        np.multiply(g[rows], dc_4, out=d[:, 0])
        np.multiply(steps.previous(cs, c0, t), dc_4, out=d[:, 1])
        np.multiply(i[rows], dc_t, out=d[:, 2])
        np.multiply(tc_t, dh_4, out=d[:, 3])
        d_rows = d_gates[rows]
        d_rows *= slopes[rows]
        np.multiply(dc_t, f[rows], out=dc[:size])
        np.matmul(d_rows, w_hh, out=dh[:size])
    return d_gates, d_gates, dh, dc


def _gru_forward(ctx, acts, h0, w_hh, b_hh, halve, steps, out):
    """acts (N, 4H) = [r, z, n, h W_hnᵀ + b_hn]; r and z start as the halved input parts
    (b_hr, b_hz in), n as x W_inᵀ + b_in."""
    H = h0.shape[1]
    w_t = (w_hh * halve[:, None]).T
    b_n = None if b_hh is None else b_hh[2 * H:]
    for t in steps.order():
        rows = steps.rows(t)
        a, hp = acts[rows], steps.previous(out, h0, t)
        hw = hp @ w_t
        rz = a[:, :2 * H]
        rz += hw[:, :2 * H]
        np.tanh(rz, out=rz)
        rz *= 0.5
        rz += 0.5
        hw_n = a[:, 3 * H:]
        if b_n is None:
            hw_n[...] = hw[:, 2 * H:]
        else:
            np.add(hw[:, 2 * H:], b_n, out=hw_n)
        n = a[:, 2 * H:3 * H]
        n += a[:, :H] * hw_n
        np.tanh(n, out=n)
        h = out[rows]
        np.subtract(hp, n, out=h)
        h *= a[:, H:2 * H]
        h += n                          # (1 − z) n + z h
    ctx.acts = acts


def _gru_backward(ctx, grad, dh, h0, w_hh, steps, out):
    H = h0.shape[1]
    acts = ctx.acts
    r, z, n, hw_n = acts[:, :H], acts[:, H:2 * H], acts[:, 2 * H:3 * H], acts[:, 3 * H:]
    # Each gate's gradient is dh_t times a factor known from the forward pass.
    dn = (1 - z) * (1 - n * n)                               # d(xw_n + r a_n) / dh_t
    rows_all = acts.shape[0]
    factors = np.empty((rows_all, 3 * H), dtype=out.dtype)
    np.multiply(dn * hw_n, r * (1 - r), out=factors[:, :H])                      # d a_r
    np.multiply(steps.all_previous(out, h0) - n, z * (1 - z), out=factors[:, H:2 * H])  # d a_z
    np.multiply(dn, r, out=factors[:, 2 * H:])                                    # d a_n
    d_pre = np.empty((rows_all, 3 * H), dtype=out.dtype)
    dh_all = np.empty((rows_all, H), dtype=out.dtype)
    for t in steps.order(backwards=True):
        rows, size = steps.rows(t), steps.sizes[t]
        dh_t = np.add(grad[rows], dh[:size], out=dh_all[rows])
        np.multiply(factors[rows].reshape(size, 3, H), dh_t[:, None, :],
                    out=d_pre[rows].reshape(size, 3, H))
        np.matmul(d_pre[rows], w_hh, out=dh[:size])
        dh[:size] += dh_t * z[rows]
    d_xw = d_pre.copy()
    np.multiply(dh_all, dn, out=d_xw[:, 2 * H:])          # xw_n is outside the reset product
    return d_xw, d_pre, dh, None


def _elman_forward(mode, h0, w_hh, steps, out):
    """out: the input part of the pre-activations, both biases in; made the states."""
    w_t = w_hh.T
    for t in steps.order():
        a = out[steps.rows(t)]
        a += steps.previous(out, h0, t) @ w_t
        if mode == "RNN_TANH":
            np.tanh(a, out=a)
        else:
            np.maximum(a, 0, out=a)


def _elman_backward(mode, grad, dh, w_hh, steps, out):
    slope = 1 - out * out if mode == "RNN_TANH" else (out > 0).astype(out.dtype)
    d_pre = np.empty_like(out)
    for t in steps.order(backwards=True):
        rows, size = steps.rows(t), steps.sizes[t]
        d = np.add(grad[rows], dh[:size], out=d_pre[rows])
        d *= slope[rows]
        np.matmul(d, w_hh, out=dh[:size])
    return d_pre, d_pre, dh, None


class Recurrence(Function):
    """The whole recurrence as one op (see the module docstring for why and what it computes).

    Inputs: x (N, F) packed input steps, w_ih (G·H, F), b_ih (G·H,) or None, h0 (B, H), c0
    (B, H) or None, w_hh (G·H, H), b_hh (G·H,) or None; parameters mode, batch_sizes (a tuple
    of ints), reverse. Output (N + B, H): the states h_t, then h_n (LSTM: (N + 2B, H), c_n last).
    """

    save_output = True
    # What backward_array needs; the rule `backward` never reads them.
    acts = sigmoids = slopes = tanh_c = cells = inputs_and_ones = None

    def release(self):
        """Drop the kept arrays with the rest, once the backward has run."""
        super().release()
        self.acts = self.sigmoids = self.slopes = self.tanh_c = self.cells = None
        self.inputs_and_ones = None

    @staticmethod
    def forward(ctx, x, w_ih, b_ih, h0, c0, w_hh, b_hh, mode, batch_sizes, reverse):
        ctx.mode, ctx.batch_sizes, ctx.reverse = mode, batch_sizes, reverse
        steps = _Steps(batch_sizes, reverse)
        (N, F), H = x.shape, h0.shape[1]
        dtype = np.result_type(x, w_ih, h0, w_hh)
        halve = _halving(mode, H).astype(dtype)
        # [x | 1 | h_{t-1}]: the input and a column of ones (the biases) for the projection
        # of all steps in one product; backward_array adds the previous states and gets every
        # weight gradient from one more product.
        z = np.empty((N, F + 1 + H), dtype=dtype)
        z[:, :F], z[:, F] = x, 1
        bias = np.zeros(w_ih.shape[0], dtype=dtype)
        if b_ih is not None:
            bias += b_ih
        if b_hh is not None:
            # The GRU's b_hn stays inside the reset product, r ⊙ (h W_hnᵀ + b_hn).
            shared = 2 * H if mode == "GRU" else len(bias)
            bias[:shared] += b_hh[:shared]
        weights = np.concatenate([w_ih, bias[:, None]], 1) * halve[:, None]
        ctx.inputs_and_ones = z
        B = h0.shape[0]
        out = np.empty((N + (2 if mode == "LSTM" else 1) * B, H), dtype=dtype)
        hs = out[:N]
        if mode == "LSTM":
            _lstm_forward(ctx, z[:, :F + 1] @ weights.T, h0, c0, w_hh, halve, steps, hs)
            out[N + B:] = steps.final(ctx.cells, c0)
        elif mode == "GRU":
            acts = np.empty((N, 4 * H), dtype=dtype)
            acts[:, :3 * H] = z[:, :F + 1] @ weights.T
            _gru_forward(ctx, acts, h0, w_hh, b_hh, halve, steps, hs)
        else:
            np.matmul(z[:, :F + 1], weights.T, out=hs)
            _elman_forward(mode, h0, w_hh, steps, hs)
        out[N:N + B] = steps.final(hs, h0)
        return out

    @staticmethod
    def backward(ctx, grad):
        """The rule: the derivative of the composite `scan` at the op's inputs."""
        from ..autograd.engine import grad as autograd_grad
        inputs = list(ctx.inputs[:7])
        needs = [isinstance(t, Tensor) and t.requires_grad for t in inputs]
        create_graph = grad_mode._state.enabled
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
        rule, checked against it by tests/op_db.py. One loop backwards through the steps keeps
        only the recurrent part and writes every step's gate gradients into one array; then
        all the weight and bias gradients are one product, d_allᵀ [x | 1 | h_{t−1}]."""
        x, w_ih, b_ih, h0, c0, w_hh, b_hh = ctx.inputs[:7]
        h0, w_hh = h0._data, w_hh._data
        steps = _Steps(ctx.batch_sizes, ctx.reverse)
        z, (N, F), B = ctx.inputs_and_ones, x.shape, h0.shape[0]
        hs, grad_h = ctx._out_data[:N], grad[:N]
        dh = grad[N:N + B].copy()           # of h_n: where the loop backwards starts
        if ctx.mode == "LSTM":
            d_x_part, d_h_part, dh0, dc0 = _lstm_backward(ctx, grad_h, dh, grad[N + B:].copy(),
                                                          c0._data, w_hh, steps)
        elif ctx.mode == "GRU":
            d_x_part, d_h_part, dh0, dc0 = _gru_backward(ctx, grad_h, dh, h0, w_hh, steps, hs)
        else:
            d_x_part, d_h_part, dh0, dc0 = _elman_backward(ctx.mode, grad_h, dh, w_hh, steps,
                                                           hs)
        needs = ctx.needs_input_grad
        d_w_ih = d_b_ih = d_w_hh = d_b_hh = None
        if needs[1] or needs[2] or needs[5] or needs[6]:
            steps.all_previous(hs, h0, out=z[:, F + 1:])
            if d_x_part is d_h_part:          # LSTM, Elman: one product for all of them
                products = d_x_part.T @ z
                d_w_ih, d_b_ih = products[:, :F], products[:, F]
                d_w_hh, d_b_hh = products[:, F + 1:], products[:, F]
            else:                             # GRU: b_hn sits inside the reset product
                products = d_x_part.T @ z[:, :F + 1]
                d_w_ih, d_b_ih = products[:, :F], products[:, F]
                products = d_h_part.T @ z[:, F:]          # [1 | h_{t-1}]
                d_b_hh, d_w_hh = products[:, 0], products[:, 1:]
        return (d_x_part @ w_ih._data if needs[0] else None,
                d_w_ih if needs[1] else None,
                d_b_ih if b_ih is not None and needs[2] else None,
                dh0 if needs[3] else None,
                dc0 if needs[4] else None,
                d_w_hh if needs[5] else None,
                d_b_hh if b_hh is not None and needs[6] else None)


def recurrence(mode, x, w_ih, b_ih, h0, c0, w_hh, b_hh, batch_sizes, reverse=False):
    """Run the recurrence `mode` ('RNN_TANH', 'RNN_RELU', 'LSTM', 'GRU') over packed inputs.

    x (N, F): the input steps, time-major, batch_sizes[t] rows at step t (non-increasing);
    w_ih (G·H, F), b_ih, w_hh (G·H, H), b_hh (G·H,) (biases may be None); h0, c0 (B, H) with
    B = batch_sizes[0] (c0 only for the LSTM). Returns (N + B, H): the states h_t of every
    step, then h_n, each sequence's state after its own last step (LSTM: (N + 2B, H), c_n last).
    The op `Recurrence`; its definition is `scan`.
    """
    if mode not in MODES:
        raise ValueError(f"recurrence: mode must be one of {MODES}, got {mode!r}")
    batch_sizes = tuple(int(s) for s in batch_sizes)
    H, G = h0.shape[-1], GATES[mode]
    if x.ndim != 2 or x.shape[0] != sum(batch_sizes):
        raise RuntimeError(f"recurrence ({mode}): x of shape {tuple(x.shape)}, expected "
                           f"({sum(batch_sizes)}, features) for batch_sizes {batch_sizes}")
    if tuple(w_ih.shape) != (G * H, x.shape[1]) or tuple(w_hh.shape) != (G * H, H):
        raise RuntimeError(f"recurrence ({mode}): weights of shapes {tuple(w_ih.shape)} and "
                           f"{tuple(w_hh.shape)}, expected ({G * H}, {x.shape[1]}) and "
                           f"({G * H}, {H})")
    if h0.ndim != 2 or h0.shape[0] != batch_sizes[0]:
        raise RuntimeError(f"recurrence ({mode}): h0 of shape {tuple(h0.shape)}, expected "
                           f"({batch_sizes[0]}, {H})")
    if (mode == "LSTM") != (c0 is not None):
        raise RuntimeError(f"recurrence ({mode}): c0 is needed by the LSTM and only by it")
    return Recurrence.apply(x, w_ih, b_ih, h0, c0, w_hh, b_hh, mode=mode,
                            batch_sizes=batch_sizes, reverse=bool(reverse))
