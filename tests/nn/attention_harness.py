"""Attention and transformer modules against torch with copied weights, in float32 or float64:
outputs (and attention weights), gradients of the inputs and of every parameter.

Tolerances are the issue's: 1e-5 in float32, 1e-10 in float64, relative to each reference's
largest magnitude (a sum of many products is only that exact relative to its size).
"""
import numpy as np

import glassgrad as gg

TOL = {np.float32: 1e-5, np.float64: 1e-10}


def close(actual, expected, what, dtype):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    assert actual.dtype == np.dtype(dtype), f"{what}: dtype {actual.dtype}, expected {dtype}"
    tol = TOL[dtype]
    scale = max(1.0, float(np.abs(expected[np.isfinite(expected)]).max())) \
        if np.isfinite(expected).any() else 1.0
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol * scale, err_msg=what)


def copy_weights(gg_module, torch_module):
    """glassgrad's state into torch (the keys must be torch's, in torch's order)."""
    import torch
    state = gg_module.state_dict()
    target = torch_module.state_dict()
    assert list(state) == list(target), f"keys: glassgrad {list(state)}, torch {list(target)}"
    torch_module.load_state_dict({k: torch.from_numpy(np.array(v._data)) for k, v in
                                  state.items()})


def compare(gg_module, torch_module, inputs, dtype=np.float32, kwargs=None, torch_kwargs=None,
            grads=None, seed=0):
    """Run both modules in eval mode on `inputs` (numpy arrays; floats get gradients unless
    `grads` says otherwise) and compare every output, input gradient and parameter gradient.
    `kwargs` are passed to both (arrays converted to each framework's tensors)."""
    import torch
    if dtype == np.float64:
        torch_module.double()
    copy_weights(gg_module, torch_module)
    gg_module.eval()
    torch_module.eval()
    inputs = [None if a is None else np.asarray(a).astype(dtype) if np.asarray(a).dtype.kind ==
              "f" else np.asarray(a) for a in inputs]
    if grads is None:
        grads = [a is not None and a.dtype.kind == "f" for a in inputs]
    g_in = [None if a is None else gg.tensor(a, requires_grad=r) for a, r in zip(inputs, grads)]
    t_in = [None if a is None else torch.tensor(a, requires_grad=r) for a, r in zip(inputs, grads)]

    def convert(lib, value):
        if isinstance(value, np.ndarray):
            value = value.astype(dtype) if value.dtype.kind == "f" else value
            return gg.tensor(value) if lib == "gg" else torch.tensor(value)
        return value
    kwargs = kwargs or {}
    g_out = gg_module(*g_in, **{k: convert("gg", v) for k, v in kwargs.items()})
    t_out = torch_module(*t_in, **{k: convert("torch", v) for k, v in
                                   {**kwargs, **(torch_kwargs or {})}.items()})
    g_out = g_out if isinstance(g_out, tuple) else (g_out,)
    t_out = t_out if isinstance(t_out, tuple) else (t_out,)
    assert len(g_out) == len(t_out)
    rng = np.random.default_rng(seed + 1)
    g_loss, t_loss = 0, 0
    for i, (g, t) in enumerate(zip(g_out, t_out)):
        assert (g is None) == (t is None), f"output {i}: glassgrad {g}, torch {t}"
        if g is None:
            continue
        close(g.detach().numpy(), t.detach().numpy(), f"output {i}", dtype)
        seed_grad = rng.standard_normal(g.shape).astype(dtype)
        g_loss = g_loss + (g * gg.tensor(seed_grad)).sum()
        t_loss = t_loss + (t * torch.tensor(seed_grad)).sum()
    g_loss.backward()
    t_loss.backward()
    for i, (g, t, r) in enumerate(zip(g_in, t_in, grads)):
        if r:
            assert g.grad is not None, f"input {i} got no gradient"
            close(g.grad.numpy(), t.grad.numpy(), f"gradient of input {i}", dtype)
    t_params = dict(torch_module.named_parameters())
    for name, p in gg_module.named_parameters():
        t_grad = t_params[name].grad
        if t_grad is None:
            assert p.grad is None or not np.any(p.grad._data), f"{name}: only glassgrad has a grad"
            continue
        assert p.grad is not None, f"parameter {name} got no gradient"
        close(p.grad.numpy(), t_grad.numpy(), f"gradient of {name}", dtype)
    return g_out
