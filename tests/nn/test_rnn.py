"""nn.RNN, nn.LSTM, nn.GRU and their cells against torch, with torch's weights copied in.

Each comparison runs a forward and a backward of a fixed random weighting of every output
(the sequence output and h_n, c_n) in both libraries, then compares outputs, the gradients of
the input and of the initial states, and every parameter's gradient: float32 to 1e-5, float64
to 1e-10.
"""
import resource
import sys

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.autograd.gradcheck import gradcheck, gradgradcheck
from glassgrad.nn.utils import rnn as rnn_utils

torch = pytest.importorskip("torch")

TOL = {np.float32: dict(rtol=1e-5, atol=1e-5), np.float64: dict(rtol=1e-10, atol=1e-10)}
LAYERS = ["RNN", "LSTM", "GRU"]


def make_pair(kind, *args, dtype=np.float32, **kwargs):
    """A glassgrad layer and a torch layer with the glassgrad layer's weights (as torch's
    names and shapes demand: load_state_dict is strict)."""
    gg.manual_seed(0)
    ours = getattr(nn, kind)(*args, **kwargs)
    theirs = getattr(torch.nn, kind)(*args, **kwargs)
    if dtype == np.float64:
        ours, theirs = ours.double(), theirs.double()
    state = {k: torch.from_numpy(np.array(v._data)) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(state)
    return ours, theirs


def states_of(kind, result):
    """(output, [h_n] or [h_n, c_n]) of either library's layer or cell."""
    output, hidden = result
    return output, list(hidden) if kind.startswith("LSTM") else [hidden]


def close(a, b, what, dtype):
    a = a._data if isinstance(a, gg.Tensor) else a.detach().numpy()
    b = b._data if isinstance(b, gg.Tensor) else b.detach().numpy()
    assert a.shape == b.shape, f"{what}: shape {a.shape} != torch's {b.shape}"
    assert a.dtype == dtype, f"{what}: dtype {a.dtype}, expected {np.dtype(dtype)}"
    np.testing.assert_allclose(a, b, err_msg=what, **TOL[dtype])


def compare(kind, ours, theirs, x, states=None, dtype=np.float32, lengths=None,
            batch_first=False, seed=1):
    """Forward + backward of both layers on `x` (and initial `states`); compare everything.

    `lengths`: pack the padded x with enforce_sorted=False first (gradients still reach x)."""
    rng = np.random.default_rng(seed)
    x = x.astype(dtype)
    states = [s.astype(dtype) for s in states or []]
    g_x = gg.tensor(x, requires_grad=True)
    t_x = torch.tensor(x, requires_grad=True)
    g_states = [gg.tensor(s, requires_grad=True) for s in states]
    t_states = [torch.tensor(s, requires_grad=True) for s in states]
    g_in, t_in = g_x, t_x
    if lengths is not None:
        g_in = rnn_utils.pack_padded_sequence(g_x, lengths, batch_first, enforce_sorted=False)
        t_in = torch.nn.utils.rnn.pack_padded_sequence(t_x, lengths, batch_first,
                                                       enforce_sorted=False)
    g_hx = t_hx = None
    if states:
        lstm = kind.startswith("LSTM")
        g_hx = tuple(g_states) if lstm else g_states[0]
        t_hx = tuple(t_states) if lstm else t_states[0]
    g_out, g_hidden = states_of(kind, ours(g_in, g_hx))
    t_out, t_hidden = states_of(kind, theirs(t_in, t_hx))
    if lengths is not None:
        for field in ("batch_sizes", "sorted_indices", "unsorted_indices"):
            np.testing.assert_array_equal(getattr(g_out, field)._data,
                                          getattr(t_out, field).numpy(), err_msg=field)
        g_out, t_out = g_out.data, t_out.data
    g_loss = t_loss = 0
    for i, (g, t) in enumerate(zip([g_out] + g_hidden, [t_out] + t_hidden)):
        close(g, t, f"{kind} output {i}", dtype)
        w = rng.standard_normal(g.shape).astype(dtype)
        g_loss = g_loss + (g * gg.tensor(w)).sum()
        t_loss = t_loss + (t * torch.tensor(w)).sum()
    g_loss.backward()
    t_loss.backward()
    close(g_x.grad, t_x.grad, f"{kind}: gradient of the input", dtype)
    for i, (g, t) in enumerate(zip(g_states, t_states)):
        close(g.grad, t.grad, f"{kind}: gradient of initial state {i}", dtype)
    t_params = dict(theirs.named_parameters())
    assert [n for n, _ in ours.named_parameters()] == list(t_params)
    for name, p in ours.named_parameters():
        close(p.grad, t_params[name].grad, f"{kind}: gradient of {name}", dtype)


# --- the layers ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("kind", LAYERS)
def test_layer_vs_torch_with_initial_states(kind, num_layers, bidirectional, dtype):
    ours, theirs = make_pair(kind, 5, 4, num_layers, bidirectional=bidirectional, dtype=dtype)
    rng = np.random.default_rng(0)
    n_states = 2 if kind == "LSTM" else 1
    layers = num_layers * (2 if bidirectional else 1)
    states = [rng.standard_normal((layers, 3, 4)) for _ in range(n_states)]
    compare(kind, ours, theirs, rng.standard_normal((6, 3, 5)), states, dtype)


@pytest.mark.parametrize("kind", LAYERS)
def test_layer_vs_torch_without_initial_states_and_batch_first(kind):
    ours, theirs = make_pair(kind, 5, 4, 2, batch_first=True, bidirectional=True)
    compare(kind, ours, theirs, np.random.default_rng(1).standard_normal((3, 6, 5)))


@pytest.mark.parametrize("kind", LAYERS)
def test_relu_and_no_bias_vs_torch(kind):
    extra = {"nonlinearity": "relu"} if kind == "RNN" else {}
    ours, theirs = make_pair(kind, 5, 4, 2, bias=False, **extra)
    assert not any("bias" in name for name, _ in ours.named_parameters())
    compare(kind, ours, theirs, np.random.default_rng(2).standard_normal((4, 2, 5)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", LAYERS)
def test_unbatched_input_vs_torch(kind, dtype):
    ours, theirs = make_pair(kind, 5, 4, 2, bidirectional=True, dtype=dtype)
    rng = np.random.default_rng(3)
    states = [rng.standard_normal((4, 4)) for _ in range(2 if kind == "LSTM" else 1)]
    compare(kind, ours, theirs, rng.standard_normal((6, 5)), states, dtype)
    output, _ = ours(gg.randn(6, 5))
    assert output.shape == (6, 8)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("kind", LAYERS)
def test_packed_unequal_lengths_vs_torch(kind, bidirectional, batch_first, dtype):
    """enforce_sorted=False, ties among the lengths, initial states in the original order:
    h_n holds each sequence's state at its own last step, as torch's does."""
    ours, theirs = make_pair(kind, 5, 4, 2, bidirectional=bidirectional,
                             batch_first=batch_first, dtype=dtype)
    rng = np.random.default_rng(4)
    shape = (4, 7, 5) if batch_first else (7, 4, 5)
    layers = 2 * (2 if bidirectional else 1)
    states = [rng.standard_normal((layers, 4, 4)) for _ in range(2 if kind == "LSTM" else 1)]
    compare(kind, ours, theirs, rng.standard_normal(shape), states, dtype,
            lengths=[3, 7, 1, 3], batch_first=batch_first)


@pytest.mark.parametrize("kind", LAYERS)
def test_packed_sorted_without_states_vs_torch(kind):
    ours, theirs = make_pair(kind, 5, 4)
    x = np.random.default_rng(5).standard_normal((5, 3, 5)).astype(np.float32)
    g_out, g_h = states_of(kind, ours(rnn_utils.pack_padded_sequence(gg.tensor(x), [5, 3, 2])))
    t_out, t_h = states_of(kind, theirs(torch.nn.utils.rnn.pack_padded_sequence(
        torch.tensor(x), [5, 3, 2])))
    assert g_out.sorted_indices is None and g_out.unsorted_indices is None
    close(g_out.data, t_out.data, "packed output", np.float32)
    for g, t in zip(g_h, t_h):
        close(g, t, "h_n", np.float32)


@pytest.mark.parametrize("kind", LAYERS)
def test_dropout_between_layers_only_in_training(kind):
    ours, theirs = make_pair(kind, 5, 4, 3, dropout=0.5)
    x = np.random.default_rng(6).standard_normal((4, 2, 5))
    ours.eval()
    theirs.eval()
    compare(kind, ours, theirs, x)                 # eval: no dropout, equal to torch's
    ours.train()
    out_a, _ = ours(gg.tensor(x.astype(np.float32)))
    out_b, _ = ours(gg.tensor(x.astype(np.float32)))
    assert not np.allclose(out_a._data, out_b._data), "training mode: masks differ per call"
    with pytest.warns(UserWarning, match="num_layers greater than 1"):   # as torch warns
        single = getattr(nn, kind)(5, 4, 1, dropout=0.5)
    single.train()
    with gg.no_grad():   # one layer: nothing between layers, so nothing dropped
        a, b = single(gg.tensor(x.astype(np.float32)))[0], single(gg.tensor(
            x.astype(np.float32)))[0]
    np.testing.assert_array_equal(a._data, b._data)


def test_dropout_masks_follow_the_generator():
    x = gg.randn(4, 2, 5)
    outs = []
    for _ in range(2):
        layer = nn.GRU(5, 4, 2, dropout=0.5, generator=gg.Generator(7))
        outs.append(layer(x)[0]._data)
    np.testing.assert_array_equal(outs[0], outs[1])


@pytest.mark.parametrize("kind", LAYERS)
def test_torch_state_dict_loads_and_gives_torch_outputs(kind):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, kind)(3, 5, num_layers=2, bidirectional=True)
    ours = getattr(nn, kind)(3, 5, num_layers=2, bidirectional=True)
    result = ours.load_state_dict({k: gg.tensor(v.numpy()) for k, v in
                                   theirs.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = np.random.default_rng(0).standard_normal((4, 2, 3)).astype(np.float32)
    with gg.no_grad():
        g_out, g_h = states_of(kind, ours(gg.tensor(x)))
    t_out, t_h = states_of(kind, theirs(torch.tensor(x)))
    close(g_out, t_out, "output", np.float32)
    for g, t in zip(g_h, t_h):
        close(g, t, "state", np.float32)


@pytest.mark.parametrize("kind, gates", [("RNN", 1), ("LSTM", 4), ("GRU", 3)])
def test_parameter_names_shapes_and_init(kind, gates):
    layer = getattr(nn, kind)(3, 5, num_layers=2, bidirectional=True,
                              generator=gg.Generator(1))
    theirs = getattr(torch.nn, kind)(3, 5, num_layers=2, bidirectional=True)
    shapes = {k: tuple(v.shape) for k, v in layer.state_dict().items()}
    assert shapes == {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    assert shapes["weight_ih_l0"] == (gates * 5, 3)
    assert shapes["weight_ih_l1_reverse"] == (gates * 5, 10)
    values = np.concatenate([p._data.ravel() for p in layer.parameters()])
    bound = 1 / np.sqrt(5)
    assert values.dtype == np.float32
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.9 * bound
    again = getattr(nn, kind)(3, 5, num_layers=2, bidirectional=True,
                              generator=gg.Generator(1))
    for a, b in zip(layer.parameters(), again.parameters()):
        np.testing.assert_array_equal(a._data, b._data)


def test_repr_and_arguments():
    assert repr(nn.LSTM(3, 5, 2, batch_first=True)) == "LSTM(3, 5, num_layers=2, batch_first=True)"
    assert repr(nn.RNN(3, 5, nonlinearity="relu")) == "RNN(3, 5, nonlinearity='relu')"
    assert repr(nn.GRUCell(3, 5, bias=False)) == "GRUCell(3, 5, bias=False)"
    with pytest.raises(ValueError, match="nonlinearity 'sigmoid'"):
        nn.RNN(3, 5, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="hidden_size must be a positive integer, got 0"):
        nn.GRU(3, 0)
    with pytest.raises(ValueError, match="dropout"):
        nn.LSTM(3, 5, dropout=1.5)
    with pytest.raises(NotImplementedError, match="proj_size"):
        nn.LSTM(3, 5, proj_size=2)


# --- the cells -------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_vs_torch(kind, batched, dtype):
    ours, theirs = make_pair(kind, 5, 4, dtype=dtype)
    rng = np.random.default_rng(7)
    lead = (3,) if batched else ()
    x = rng.standard_normal(lead + (5,)).astype(dtype)
    states = [rng.standard_normal(lead + (4,)).astype(dtype)
              for _ in range(2 if kind == "LSTMCell" else 1)]
    g_in = [gg.tensor(a, requires_grad=True) for a in [x] + states]
    t_in = [torch.tensor(a, requires_grad=True) for a in [x] + states]
    pack = (lambda s: tuple(s)) if kind == "LSTMCell" else (lambda s: s[0])
    g_out, t_out = ours(g_in[0], pack(g_in[1:])), theirs(t_in[0], pack(t_in[1:]))
    g_out = list(g_out) if kind == "LSTMCell" else [g_out]
    t_out = list(t_out) if kind == "LSTMCell" else [t_out]
    g_loss = t_loss = 0
    for g, t in zip(g_out, t_out):
        close(g, t, f"{kind} output", dtype)
        w = rng.standard_normal(g.shape).astype(dtype)
        g_loss, t_loss = g_loss + (g * gg.tensor(w)).sum(), t_loss + (t * torch.tensor(w)).sum()
    g_loss.backward()
    t_loss.backward()
    for i, (g, t) in enumerate(zip(g_in, t_in)):
        close(g.grad, t.grad, f"{kind}: gradient of input {i}", dtype)
    t_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        close(p.grad, t_params[name].grad, f"{kind}: gradient of {name}", dtype)
    default = ours(gg.tensor(x))                     # states default to zeros
    expected = theirs(torch.tensor(x))
    for g, t in zip(default if kind == "LSTMCell" else [default],
                    expected if kind == "LSTMCell" else [expected]):
        close(g.detach(), t, f"{kind} with zero states", dtype)


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cell_gradcheck_and_gradgradcheck(kind):
    gg.manual_seed(0)
    cell = getattr(nn, kind)(3, 2).double()
    params = list(cell.parameters())
    rng = np.random.default_rng(8)
    x = gg.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    states = [gg.tensor(rng.standard_normal((2, 2)), requires_grad=True)
              for _ in range(2 if kind == "LSTMCell" else 1)]

    def run(x, *rest):
        # The parameters are inputs too: gradcheck perturbs them in place, the cell reads them.
        hx = rest[:len(states)]
        out = cell(x, tuple(hx) if kind == "LSTMCell" else hx[0])
        return tuple(out) if kind == "LSTMCell" else out

    inputs = [x] + states + params
    assert gradcheck(run, inputs)
    assert gradgradcheck(run, inputs)


def test_cell_errors_name_the_cell_and_shapes():
    cell = nn.LSTMCell(5, 4)
    with pytest.raises(RuntimeError, match=r"LSTMCell\(5, 4\): expected input of shape "
                                           r"\(batch, 5\) or \(5,\), got \(3, 6\)"):
        cell(gg.randn(3, 6))
    with pytest.raises(RuntimeError, match=r"expected c of shape \(3, 4\), got \(2, 4\)"):
        cell(gg.randn(3, 5), (gg.randn(3, 4), gg.randn(2, 4)))
    with pytest.raises(RuntimeError, match=r"GRUCell\(5, 4\): expected hx of shape \(4,\)"):
        nn.GRUCell(5, 4)(gg.randn(5), gg.randn(1, 4))


# --- bad input -------------------------------------------------------------------------------
def test_layer_errors_name_the_layer_the_shapes_and_what_was_expected():
    lstm = nn.LSTM(5, 4, num_layers=2)
    with pytest.raises(RuntimeError, match=r"LSTM\(5, 4\): expected input of shape \(seq, "
                                           r"batch, features\) with features = input_size = 5.*"
                                           r"got \(7, 3, 6\)"):
        lstm(gg.randn(7, 3, 6))
    with pytest.raises(RuntimeError, match=r"LSTM\(5, 4\): expected h0 of shape \(2, 3, 4\) "
                                           r".*got \(2, 2, 4\)"):
        lstm(gg.randn(7, 3, 5), (gg.randn(2, 2, 4), gg.randn(2, 3, 4)))
    with pytest.raises(RuntimeError, match=r"expected c0 of shape \(2, 3, 4\) .*got \(1, 3, 4\)"):
        lstm(gg.randn(7, 3, 5), (gg.randn(2, 3, 4), gg.randn(1, 3, 4)))
    with pytest.raises(RuntimeError, match=r"hx must be a tuple \(h0, c0\)"):
        lstm(gg.randn(7, 3, 5), gg.randn(2, 3, 4))
    with pytest.raises(RuntimeError, match=r"GRU\(5, 4\): expected hx of shape \(1, 3, 4\)"):
        nn.GRU(5, 4)(gg.randn(7, 3, 5), gg.randn(1, 4))
    with pytest.raises(RuntimeError, match=r"RNN\(5, 4\): got a list of 2 tensors; sequences "
                                           r"of different lengths must be padded"):
        nn.RNN(5, 4)([gg.randn(3, 5), gg.randn(2, 5)])
    packed = rnn_utils.pack_sequence([gg.randn(3, 6), gg.randn(2, 6)])
    with pytest.raises(RuntimeError, match=r"GRU\(5, 4\): expected packed data of shape "
                                           r"\(N, 5\), got \(5, 6\)"):
        nn.GRU(5, 4)(packed)
    with pytest.raises(RuntimeError, match=r"RNN\(5, 4\): expected input of shape \(batch, seq, "
                                           r"features\).*got \(2, 3, 4, 5\)"):
        nn.RNN(5, 4, batch_first=True)(gg.randn(2, 3, 4, 5))


# --- backpropagation through time ------------------------------------------------------------
def test_ten_thousand_steps_backpropagate_with_memory_linear_in_length():
    """The engine walks iteratively (no recursion limit); the stored graph of the packed op is
    a few arrays per step, so peak memory grows linearly with the sequence length."""
    def peak_growth(steps):
        gg.manual_seed(0)
        layer = nn.LSTM(2, 8)
        x = gg.randn(steps, 1, 2, requires_grad=True)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        output, (h_n, c_n) = layer(x)
        (output.sum() + h_n.sum()).backward()
        assert x.grad.shape == x.shape and np.isfinite(x.grad._data).all()
        assert layer.weight_hh_l0.grad is not None
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before

    limit = sys.getrecursionlimit()
    peak_growth(10_000)          # would raise RecursionError in a recursive engine
    assert sys.getrecursionlimit() == limit
    # The composite definition itself (one node per op per step) also backpropagates.
    cell = nn.GRUCell(2, 3)
    h = gg.zeros(1, 3)
    xs = gg.randn(10_000, 1, 2)
    for t in range(10_000):
        h = cell(xs[t], h)
    h.sum().backward()
    assert np.isfinite(cell.weight_hh.grad._data).all()


def test_memory_of_a_long_sequence_is_linear():
    """Arrays kept for the backward, counted directly: those of 2,000 steps are twice those of
    1,000 (ru_maxrss cannot shrink, so it cannot show linearity inside one process)."""
    import gc
    import tracemalloc

    def kept(steps):
        gg.manual_seed(0)
        layer = nn.LSTM(4, 16)
        x = gg.randn(steps, 2, 4, requires_grad=True)
        gc.collect()
        tracemalloc.start()
        output, _ = layer(x)
        loss = output.sum()
        size, peak_forward = tracemalloc.get_traced_memory()
        loss.backward()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return size, peak

    small, large = kept(1000), kept(2000)
    assert 1.7 < large[0] / small[0] < 2.3, (small, large)
    assert 1.7 < large[1] / small[1] < 2.3, (small, large)


def test_hessian_vector_product_through_an_lstm_matches_torch():
    """The op's rule is the composite's derivative, so a second derivative is exact."""
    ours, theirs = make_pair("LSTM", 3, 2, dtype=np.float64)
    x = np.random.default_rng(9).standard_normal((4, 2, 3))
    v = np.random.default_rng(10).standard_normal((4, 2, 3))
    g_x = gg.tensor(x, requires_grad=True)
    (g_g,) = gg.autograd.grad(ours(g_x)[0].pow(2).sum(), g_x, create_graph=True)
    (g_hv,) = gg.autograd.grad((g_g * gg.tensor(v)).sum(), g_x)
    t_x = torch.tensor(x, requires_grad=True)
    (t_g,) = torch.autograd.grad(theirs(t_x)[0].pow(2).sum(), t_x, create_graph=True)
    (t_hv,) = torch.autograd.grad((t_g * torch.tensor(v)).sum(), t_x)
    close(g_hv, t_hv, "Hessian-vector product", np.float64)


def test_the_arrays_kept_for_the_backward_are_freed_after_it():
    lstm = nn.LSTM(3, 4)
    output, (h_n, c_n) = lstm(gg.randn(5, 2, 3))
    node = output.grad_fn
    while type(node).__name__ != "Recurrence":     # under the reshape and the slice
        node = node.inputs[0].grad_fn
    assert node.acts is not None
    output.sum().backward()
    assert node.acts is None and node.slopes is None and node.inputs_and_ones is None
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        output.sum().backward()
