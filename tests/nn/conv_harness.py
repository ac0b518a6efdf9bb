"""Helpers for the convolution, pooling and normalisation tests: run a glassgrad function and its
torch counterpart on the same float32 arrays, and compare outputs and every input gradient (the
function-level twin of harness.check_module, whose arrays/assert_close it shares).

The output gradient is a fixed random array (not ones), so a wrong transpose or a gradient sent to
the wrong window element cannot hide behind a symmetric seed.
"""
import numpy as np

import glassgrad as gg

from harness import ATOL, RTOL, arrays, assert_close  # noqa: F401  (re-exported)


def compare_with_torch(gg_fn, torch_fn, inputs, kwargs=None, grads=None, seed=0, rtol=RTOL,
                       atol=ATOL):
    """Outputs, then gradients of every input flagged in `grads` (default: all), equal torch's.

    `inputs` are numpy arrays (or None, passed through). Returns the glassgrad output.
    """
    import torch
    kwargs = kwargs or {}
    grads = [a is not None for a in inputs] if grads is None else grads
    g_in = [None if a is None else gg.tensor(a, requires_grad=r) for a, r in zip(inputs, grads)]
    t_in = [None if a is None else torch.tensor(a, requires_grad=r) for a, r in zip(inputs, grads)]
    g_out, t_out = gg_fn(*g_in, **kwargs), torch_fn(*t_in, **kwargs)
    if isinstance(t_out, tuple):                    # (values, indices) from return_indices
        np.testing.assert_array_equal(g_out[1]._data, t_out[1].numpy(), err_msg="indices")
        g_out, t_out = g_out[0], t_out[0]
    assert g_out.dtype == np.float32, f"output dtype {g_out.dtype}, expected float32"
    assert_close(g_out.detach().numpy(), t_out.detach().numpy(), "output", rtol, atol)
    if any(grads):
        seed_grad = np.random.default_rng(seed + 1).standard_normal(g_out.shape)
        seed_grad = seed_grad.astype(np.float32)
        (g_out * gg.tensor(seed_grad)).sum().backward()
        (t_out * torch.tensor(seed_grad)).sum().backward()
        for i, (g, t, r) in enumerate(zip(g_in, t_in, grads)):
            if r:
                assert g.grad.dtype == np.float32, f"input {i} gradient is {g.grad.dtype}"
                assert_close(g.grad.numpy(), t.grad.numpy(), f"gradient of input {i}", rtol,
                             atol)
    return g_out


def double(*arrays_):
    """float64 tensors requiring grad, for gradcheck/gradgradcheck."""
    return [gg.tensor(a.astype(np.float64), requires_grad=True) for a in arrays_]
