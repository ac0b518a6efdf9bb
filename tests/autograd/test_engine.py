"""The backward engine: gradients against torch, accumulation, diamonds, backward(inputs=),
autograd.grad, retain_graph/create_graph, hooks during the walk, deep graphs (100,000 ops) and
memory: the graph is freed after backward, and 10,000 training steps leave memory flat."""
import gc
import os
import subprocess
import sys
import tracemalloc
import weakref

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import grad

torch = pytest.importorskip("torch")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _pair(array, requires_grad=True):
    """The same float64 values as a glassgrad leaf and a torch leaf."""
    return (gg.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def _composite(lib, x, w, b):
    """A small graph touching broadcasting, reductions, matmul and a tensor used many times."""
    h = (x @ w + b).tanh()
    return (h * h).sum() + (h.exp() * x.sum()).mean() - (w * w).sum() / 3.0


# --- gradients --------------------------------------------------------------------------------
def test_gradients_of_a_composite_graph_match_torch():
    rng = np.random.default_rng(0)
    x, xt = _pair(rng.standard_normal((4, 3)))
    w, wt = _pair(rng.standard_normal((3, 5)))
    b, bt = _pair(rng.standard_normal(5))
    loss = _composite(gg, x, w, b)
    loss.backward()
    _composite(torch, xt, wt, bt).backward()
    for ours, theirs in ((x, xt), (w, wt), (b, bt)):
        np.testing.assert_allclose(ours.grad._data, theirs.grad.numpy(), rtol=1e-12, atol=1e-12)
        assert ours.grad.shape == ours.shape and ours.grad.dtype == np.float64


def test_float32_leaves_get_float32_gradients():
    x = gg.randn(4, 3, requires_grad=True)
    b = gg.randn(3, requires_grad=True)
    ((x * 0.5 + b) ** 2 / 3.0).mean().backward()
    assert x.grad.dtype == np.float32 and b.grad.dtype == np.float32
    # a float64 constant (a numpy array) multiplied in must not widen the gradient either
    y = gg.randn(3, requires_grad=True)
    (y * np.array([1.0, 2.0, 3.0])).sum().backward()
    assert y.grad.dtype == np.float32
    np.testing.assert_allclose(y.grad._data, [1.0, 2.0, 3.0])


def test_gradients_accumulate_across_backward_calls():
    x = gg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    first = x.grad
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad._data, 4 * x._data)
    assert x.grad is first            # accumulated into the same tensor, as torch does
    x.grad = None
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad._data, [3.0, 3.0, 3.0])


def test_retain_graph_allows_a_second_backward_through_the_same_graph():
    x = gg.tensor([0.5, 1.5], dtype=gg.float64, requires_grad=True)
    y = (x.sin() * x).sum()
    y.backward(retain_graph=True)
    once = x.grad._data.copy()
    y.backward()
    np.testing.assert_allclose(x.grad._data, 2 * once)
    np.testing.assert_allclose(once, np.sin(x._data) + x._data * np.cos(x._data))


def test_diamond_graph_sums_both_paths():
    """a is used by two branches that meet again: d(out)/dx must add both paths."""
    arr = np.array([0.3, -1.2, 2.0])
    x, xt = _pair(arr)

    def f(t):
        a = t * 2.0
        left, right = a * a, a.exp()
        return (left + right * a).sum()

    f(x).backward()
    f(xt).backward()
    np.testing.assert_allclose(x.grad._data, xt.grad.numpy(), rtol=1e-12)


def test_tensor_used_as_both_operands():
    x = gg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x * x).sum().backward()
    np.testing.assert_allclose(x.grad._data, 3 * x._data ** 2)
    x.grad = None
    (x / x).sum().backward()
    np.testing.assert_allclose(x.grad._data, [0.0, 0.0, 0.0], atol=1e-7)


def test_gradient_is_summed_back_over_broadcast_axes():
    col = gg.ones(3, 1, requires_grad=True)
    row = gg.ones(4, requires_grad=True)
    scalar = gg.tensor(2.0, requires_grad=True)
    (col * row * scalar).sum().backward()
    assert col.grad.shape == (3, 1) and row.grad.shape == (4,) and scalar.grad.shape == ()
    np.testing.assert_allclose(col.grad._data, np.full((3, 1), 8.0))
    np.testing.assert_allclose(row.grad._data, np.full(4, 6.0))
    assert scalar.grad.item() == 12.0


def test_backward_of_a_non_scalar_with_a_gradient():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    v = gg.tensor([10.0, -1.0])
    (x * x).backward(v)
    np.testing.assert_allclose(x.grad._data, [20.0, -4.0])
    np.testing.assert_allclose(v._data, [10.0, -1.0])   # the caller's gradient is not touched


def test_backward_on_a_leaf():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    v = gg.tensor([3.0, 4.0])
    x.backward(v)
    x.backward(v)
    np.testing.assert_allclose(x.grad._data, [6.0, 8.0])
    np.testing.assert_allclose(v._data, [3.0, 4.0])


def test_backward_inputs_restricts_which_leaves_receive_gradients():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    w = gg.tensor([3.0, 4.0], requires_grad=True)
    loss = (x * w).sum()
    loss.backward(inputs=[w], retain_graph=True)
    assert x.grad is None
    np.testing.assert_allclose(w.grad._data, [1.0, 2.0])
    loss.backward(inputs=[w, x])            # accumulates into w, starts x
    np.testing.assert_allclose(w.grad._data, [2.0, 4.0])
    np.testing.assert_allclose(x.grad._data, [3.0, 4.0])


def test_backward_inputs_may_name_a_non_leaf():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    (y * y).sum().backward(inputs=[y])
    np.testing.assert_allclose(y.grad._data, 2 * y._data)
    assert x.grad is None


def test_autograd_backward_takes_several_outputs():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    gg.autograd.backward([(x * 2.0).sum(), x * 3.0], [None, gg.tensor([1.0, -1.0])])
    np.testing.assert_allclose(x.grad._data, [5.0, -1.0])


# --- autograd.grad ----------------------------------------------------------------------------
def test_grad_returns_gradients_without_touching_dot_grad():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    w = gg.tensor([3.0, 4.0], requires_grad=True)
    gx, gw = grad((x * w * w).sum(), [x, w])
    np.testing.assert_allclose(gx._data, w._data ** 2)
    np.testing.assert_allclose(gw._data, 2 * x._data * w._data)
    assert x.grad is None and w.grad is None
    assert not gx.requires_grad and gx.grad_fn is None
    (single,) = grad((x * x).sum(), x)      # a single input still gives a tuple
    np.testing.assert_allclose(single._data, 2 * x._data)


def test_grad_with_grad_outputs_and_several_outputs():
    x = gg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (g,) = grad([x * 2.0, (x * x).sum()], [x], grad_outputs=[gg.tensor([1.0, 0.0, -1.0]), None])
    np.testing.assert_allclose(g._data, [2.0, 0.0, -2.0] + 2 * x._data)


def test_grad_with_respect_to_a_non_leaf():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    (gy,) = grad((y * y).sum(), y)
    np.testing.assert_allclose(gy._data, 2 * y._data)
    # y's own node was not needed for d z / d y, so it did not run and was not freed
    (g,) = grad(y, y, gg.ones(2))
    np.testing.assert_allclose(g._data, [1.0, 1.0])
    gy2, gx = grad((y * y).sum(), [y, x])
    np.testing.assert_allclose(gy2._data, gy._data)
    np.testing.assert_allclose(gx._data, 4 * y._data)


def test_grad_allow_unused_gives_none():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    unused = gg.tensor([5.0], requires_grad=True)
    gx, gu = grad((x * x).sum(), [x, unused], allow_unused=True)
    assert gu is None
    np.testing.assert_allclose(gx._data, 2 * x._data)


# --- higher order -----------------------------------------------------------------------------
def test_grad_of_grad_of_grad():
    x = gg.tensor([0.3, -1.1, 2.0], dtype=gg.float64, requires_grad=True)
    (g1,) = grad(x.sin().sum(), x, create_graph=True)
    (g2,) = grad(g1.sum(), x, create_graph=True)
    (g3,) = grad(g2.sum(), x)
    np.testing.assert_allclose(g1._data, np.cos(x._data), rtol=1e-14)
    np.testing.assert_allclose(g2._data, -np.sin(x._data), rtol=1e-14)
    np.testing.assert_allclose(g3._data, -np.cos(x._data), rtol=1e-14)
    assert g1.requires_grad and g1.grad_fn is not None and not g3.requires_grad


def test_second_order_mixed_partials_match_torch():
    rng = np.random.default_rng(1)
    x, xt = _pair(rng.standard_normal((2, 3)))
    w, wt = _pair(rng.standard_normal((3, 2)))
    v = rng.standard_normal((2, 3))

    def loss(lib, a, b):
        return ((a @ b).tanh() ** 2).sum()

    (gx,) = grad(loss(gg, x, w), [x], create_graph=True)
    (gw,) = grad((gx * gg.tensor(v)).sum(), [w])
    (gxt,) = torch.autograd.grad(loss(torch, xt, wt), [xt], create_graph=True)
    (gwt,) = torch.autograd.grad((gxt * torch.tensor(v)).sum(), [wt])
    np.testing.assert_allclose(gw._data, gwt.numpy(), rtol=1e-10, atol=1e-12)


def test_create_graph_accumulation_into_grad_is_differentiable():
    x = gg.tensor([1.0, -2.0, 0.5], dtype=gg.float64, requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.grad_fn is not None
    (x ** 3).sum().backward(create_graph=True)
    np.testing.assert_allclose(x.grad._data, 6 * x._data ** 2)
    (g,) = grad(x.grad.sum(), x)          # d/dx of 2 * 3x² = 12x
    np.testing.assert_allclose(g._data, 12 * x._data)


def test_create_graph_does_not_alias_the_callers_gradient():
    """Regression: x.grad used to be the caller's v itself, then changed by a later backward."""
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    v = gg.tensor([1.0, 1.0])
    (x + 0.0).backward(v, create_graph=True)
    assert x.grad is not v and not np.shares_memory(x.grad._data, v._data)
    (x * 1.0).sum().backward()
    np.testing.assert_allclose(x.grad._data, [2.0, 2.0])
    np.testing.assert_allclose(v._data, [1.0, 1.0])


# --- hooks and retain_grad during the walk ----------------------------------------------------
def test_leaf_hook_sees_the_total_gradient_once():
    """As torch: a leaf used three times calls its hook once, with the summed gradient, so a
    non-linear hook (clipping) acts on the total."""
    x, xt = _pair(np.array([1.0, 2.0]))
    calls, calls_t = [], []
    x.register_hook(lambda g: calls.append(g._data.copy()) or g.clamp(max=3.0))
    xt.register_hook(lambda g: calls_t.append(g.detach().numpy().copy()) or g.clamp(max=3.0))
    (x * x + 3.0 * x).sum().backward()
    (xt * xt + 3.0 * xt).sum().backward()
    assert len(calls) == len(calls_t) == 1
    np.testing.assert_allclose(calls[0], calls_t[0])
    np.testing.assert_allclose(x.grad._data, xt.grad.numpy())
    (g,) = grad((x * x).sum(), x)         # grad() runs a leaf's hooks too, as torch does
    np.testing.assert_allclose(g._data, [2.0, 3.0])


def test_non_leaf_hook_and_retain_grad():
    x, xt = _pair(np.array([1.0, -2.0, 3.0]))
    seen = {}
    for lib, leaf in (("gg", x), ("torch", xt)):
        y = leaf * 3.0
        y.retain_grad()
        y.register_hook(lambda g, lib=lib: seen.setdefault(lib, []).append(1) or g * 10.0)
        (y * y + y).sum().backward()
        seen[lib + "_y"] = y.grad
    assert len(seen["gg"]) == len(seen["torch"]) == 1    # once, with the summed gradient
    np.testing.assert_allclose(seen["gg_y"]._data, seen["torch_y"].numpy())
    np.testing.assert_allclose(x.grad._data, xt.grad.numpy())


def test_hooks_see_create_graph_gradients_as_tensors_in_the_graph():
    x = gg.tensor([1.0, 2.0], dtype=gg.float64, requires_grad=True)
    handle = x.register_hook(lambda g: g * g)      # a non-linear hook, differentiated through
    (x ** 2).sum().backward(create_graph=True)
    np.testing.assert_allclose(x.grad._data, (2 * x._data) ** 2)
    handle.remove()                        # or it would square this gradient too
    (g,) = grad(x.grad.sum(), x)           # d/dx (2x)² = 8x
    np.testing.assert_allclose(g._data, 8 * x._data)


# --- what is recorded -------------------------------------------------------------------------
def test_no_graph_without_an_input_that_requires_grad():
    a, b = gg.randn(3), gg.randn(3)
    out = (a * b + 1.0).exp().sum()
    assert out.grad_fn is None and not out.requires_grad and out.is_leaf


def test_graph_is_freed_after_backward():
    """Intermediate tensors held only by the graph die once backward has run (no retain)."""
    x = gg.randn(16, 16, requires_grad=True)
    hidden = (x @ x).tanh()
    ref = weakref.ref(hidden)
    loss = (hidden * hidden).sum()
    del hidden
    assert ref() is not None              # the graph holds it
    loss.backward()
    assert ref() is None                  # freed with the graph, although loss is alive
    assert loss.grad_fn.inputs is None


def test_graph_has_no_reference_cycles():
    """Dropping the output frees the whole graph by reference counting, without the cycle
    collector, and a retained graph still goes when the output does."""
    gc.disable()
    try:
        x = gg.randn(8, requires_grad=True)
        y = x.exp()
        hidden = y * y
        y_ref, node_ref = weakref.ref(y), weakref.ref(hidden.grad_fn)
        out = (hidden.sigmoid() + y).sum()
        out.backward(retain_graph=True)
        del y, hidden, out
        assert y_ref() is None and node_ref() is None
    finally:
        gc.enable()


def test_chain_of_100000_ops_backpropagates():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    z = x
    for _ in range(100_000):
        z = z * 1.0
    z.sum().backward()
    np.testing.assert_allclose(x.grad._data, [1.0, 1.0])
    del z                                 # already released by backward; must not recurse


def test_chain_of_100000_ops_dropped_without_backward():
    """Freeing a 100,000-deep graph must not overflow the C stack or hit the recursion limit.
    Run in a child process, so that a crash there is a failure here, not a dead test run."""
    code = (
        "import gc, sys, weakref\n"
        "import glassgrad as gg\n"
        "sys.setrecursionlimit(1000)\n"
        "x = gg.tensor([1.0, 2.0], requires_grad=True)\n"
        "z = x + 1.0\n"
        "first = weakref.ref(z.grad_fn)\n"
        "for _ in range(100000):\n"
        "    z = z * 1.0\n"
        "del z\n"
        "assert first() is None, 'graph not freed'\n"
        "z = x\n"
        "for _ in range(50000):\n"
        "    z = z.exp().log()\n"
        "del z\n"
        "gc.collect()\n"
        "print('ok')\n")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"


# --- memory over a training run ---------------------------------------------------------------
def _memory_now():
    """Resident memory (Linux), else the traced Python heap: the bound below suits both."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return tracemalloc.get_traced_memory()[0]


def test_ten_thousand_sgd_steps_leave_memory_flat():
    g = gg.Generator(0)
    w1 = gg.randn(2, 16, generator=g, requires_grad=True)
    b1 = gg.zeros(16, requires_grad=True)
    w2 = gg.randn(16, 1, generator=g, requires_grad=True)
    b2 = gg.zeros(1, requires_grad=True)
    params = [w1, b1, w2, b2]
    x = gg.randn(8, 2, generator=g)
    y = x[:, :1] * x[:, 1:]

    def step():
        hidden = (x @ w1 + b1).tanh()
        loss = ((hidden @ w2 + b2 - y) ** 2).mean()
        loss.backward()
        with gg.no_grad():
            for p in params:
                p.sub_(p.grad * 0.05)
                p.grad = None
        return loss.item()

    tracing = not os.path.exists("/proc/self/statm")
    if tracing:
        tracemalloc.start()
    try:
        first = step()
        for _ in range(199):                        # warm-up: caches, allocator pools
            step()
        before = _memory_now()
        for _ in range(10_000):
            last = step()
        growth = _memory_now() - before
    finally:
        if tracing:
            tracemalloc.stop()
    assert last < first * 0.1                       # it did train
    # A leaked graph per step (~several KB) would grow by tens of MB over 10,000 steps.
    assert growth < 4 * 2 ** 20, f"memory grew by {growth / 2 ** 20:.1f} MiB over 10,000 steps"
