"""glassgrad.train.tbptt: within a window its gradients are full BPTT's, memory does not grow
with the stream's length (full BPTT's does), and bad arguments are named."""
import gc
import tracemalloc

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.autograd import grad
from glassgrad.nn import functional as F
from glassgrad.train.tbptt import detach_state, train_tbptt, windows


class Tagger(nn.Module):
    """An LSTM and a linear head on every step: model(x, state) -> (output, state)."""

    def __init__(self, features=3, hidden=5):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x, state=None):
        output, state = self.lstm(x, state)
        return self.head(output), state


def stream(steps, seed=0, batch=2, features=3):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((steps, batch, features))
    return gg.tensor(x), gg.tensor(np.cumsum(x[..., :1], axis=0) * 0.1)


def grads(model):
    return [p.grad._data.copy() for p in model.parameters()]


def test_one_window_covering_the_stream_is_full_bptt():
    gg.manual_seed(0)
    model = Tagger().double()
    x, y = stream(12)
    train_tbptt(model, x, y, F.mse_loss, None, k=12)
    truncated = grads(model)
    model.zero_grad()
    F.mse_loss(model(x)[0], y).backward()
    for ours, full in zip(truncated, grads(model)):
        np.testing.assert_allclose(ours, full, rtol=1e-12, atol=1e-14)


def test_within_a_window_gradients_equal_full_bptts():
    gg.manual_seed(1)
    model = Tagger().double()
    x, y = stream(12, seed=1)
    k = 4
    params = list(model.parameters())
    # Full BPTT over the whole stream: the second window's loss and its gradients.
    x_full = gg.tensor(x._data, requires_grad=True)
    output, _ = model(x_full)
    second = F.mse_loss(output[k:2 * k], y[k:2 * k])
    full_input_grad = grad(second, x_full, retain_graph=True)[0]._data[k:2 * k]
    # ... and with the state entering the window held constant (what TBPTT computes).
    _, state = model(x[:k])
    const_state = detach_state(state)
    window_loss = F.mse_loss(model(x[k:2 * k], const_state)[0], y[k:2 * k])
    constant_state_param_grads = [g._data for g in grad(window_loss, params)]
    # TBPTT, stopped after two windows, the gradient of the second window alone.
    seen = []

    class Spy:
        def zero_grad(self):
            model.zero_grad()

        def step(self):
            seen.append(grads(model))
    x_tb = gg.tensor(x._data[:2 * k], requires_grad=True)
    losses, _ = train_tbptt(model, x_tb, y[:2 * k], F.mse_loss, Spy(), k=k)
    assert len(losses) == 2 and np.isclose(losses[1], window_loss.item(), rtol=1e-12)
    for ours, expected in zip(seen[1], constant_state_param_grads):
        np.testing.assert_allclose(ours, expected, rtol=1e-10, atol=1e-13)
    # The gradient with respect to the window's own inputs is full BPTT's.
    model.zero_grad()
    x_w = gg.tensor(x._data[k:2 * k], requires_grad=True)
    F.mse_loss(model(x_w, const_state)[0], y[k:2 * k]).backward()
    np.testing.assert_allclose(x_w.grad._data, full_input_grad, rtol=1e-10, atol=1e-13)


def _peak_bytes(run):
    gc.collect()
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_over_a_long_stream_and_full_bptts_grows():
    gg.manual_seed(2)
    model = Tagger(hidden=16)
    optimizer = gg.optim.SGD(model.parameters(), lr=0.01)
    short = tuple(t.float() for t in stream(200, seed=2, batch=8))
    long = tuple(t.float() for t in stream(800, seed=2, batch=8))

    def tbptt(data):
        return lambda: train_tbptt(model, *data, F.mse_loss, optimizer, k=20)

    def full(data):
        def run():
            F.mse_loss(model(data[0])[0], data[1]).backward()
        return run
    tbptt(short)()                                              # warm caches and the optimiser
    tbptt_short, tbptt_long = _peak_bytes(tbptt(short)), _peak_bytes(tbptt(long))
    full_short, full_long = _peak_bytes(full(short)), _peak_bytes(full(long))
    # Full BPTT keeps every step (~11 kB a step here): 4x the steps, ~4x the peak.
    assert full_long > 3 * full_short, (full_short, full_long)
    # TBPTT's peak is one window's whatever the length (a few hundred bytes of bookkeeping a
    # window, such as the list of losses, aside): under 2% of full BPTT's growth.
    assert tbptt_long < 1.5 * tbptt_short, (tbptt_short, tbptt_long)
    assert tbptt_long - tbptt_short < 0.02 * (full_long - full_short), (
        tbptt_short, tbptt_long, full_short, full_long)


def test_state_carries_over_between_windows():
    gg.manual_seed(3)
    model = Tagger().double()
    x, y = stream(9, seed=3)
    _, carried = train_tbptt(model, x, y, F.mse_loss, None, k=4)
    _, full_state = model(x)
    for a, b in zip(carried, full_state):
        np.testing.assert_allclose(a._data, b._data, rtol=1e-12)
        assert a.grad_fn is None


def test_windows_batch_first_and_the_last_short_window():
    x = gg.arange(2 * 7).reshape(2, 7)
    pieces = list(windows(x, 3, dim=1))
    assert [p.shape for p in pieces] == [(2, 3), (2, 3), (2, 1)]
    assert pieces[2].tolist() == [[6], [13]]


def test_bad_arguments_are_named():
    model = Tagger().double()
    x, y = stream(6)
    with pytest.raises(ValueError, match="tbptt: the window length k must be a positive "
                                         "integer, got 0"):
        train_tbptt(model, x, y, F.mse_loss, None, k=0)
    with pytest.raises(ValueError, match=r"train_tbptt: inputs of shape \(6, 2, 3\) and "
                                         r"targets of shape \(5, 2, 1\) differ"):
        train_tbptt(model, x, y[:5], F.mse_loss, None, k=2)
    with pytest.raises(TypeError, match="detach_state: expected a Tensor"):
        detach_state({"h": 1})
    with gg.no_grad(), pytest.raises(RuntimeError, match="train_tbptt: gradient recording"):
        train_tbptt(model, x, y, F.mse_loss, None, k=2)
