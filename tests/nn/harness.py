"""The module-test harness: a glassgrad layer against its PyTorch twin.

`check_module(gg_layer, torch_layer, inputs)`:
  1. the state-dict keys (parameter and buffer names) must equal torch's;
  2. glassgrad's weights and buffers are copied into the torch layer;
  3. in train mode, then in eval mode: outputs, every input gradient and every parameter
     gradient must agree to float32 tolerances, and so must the buffers after the forward
     (running statistics);
  4. the glassgrad output, gradients and parameters stay float32.
`check_state_dict_round_trip(make_layer, inputs)` saves one layer's state dict, loads it into
a freshly made one and checks they compute the same thing.

The output gradient is a fixed random array (not ones), so a wrong transpose or a gradient sent
to the wrong element cannot hide behind a symmetric seed.
"""
import numpy as np

import glassgrad as gg

RTOL, ATOL = 1e-4, 1e-5       # float32: a few ulps of each sum, relative to its size


def arrays(seed, *shapes, dtype=np.float32):
    """Standard-normal float32 arrays, reproducible from `seed`."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(dtype) for shape in shapes]


def assert_close(actual, expected, what, rtol=RTOL, atol=ATOL):
    """Elementwise closeness, with the absolute tolerance scaled to the reference's magnitude."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    scale = max(1.0, float(np.abs(expected).max())) if expected.size else 1.0
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol * scale, err_msg=what)


def copy_state_to_torch(gg_module, torch_module, name_map=None):
    """Copy every parameter and buffer from glassgrad into torch (names must match torch's)."""
    import torch
    name_map = name_map or {}
    gg_state = {name_map.get(k, k): v for k, v in gg_module.state_dict().items()}
    torch_state = torch_module.state_dict()
    assert list(gg_state) == list(torch_state), (
        f"state_dict keys differ from torch's: glassgrad {list(gg_state)}, "
        f"torch {list(torch_state)}")
    with torch.no_grad():
        for key, value in torch_state.items():
            assert tuple(value.shape) == tuple(gg_state[key].shape), (
                f"{key}: glassgrad shape {tuple(gg_state[key].shape)}, torch {tuple(value.shape)}")
            value.copy_(torch.from_numpy(np.array(gg_state[key]._data)))


def _to_tensors(inputs, grads):
    import torch
    g_in = [None if a is None else gg.tensor(a, requires_grad=bool(r))
            for a, r in zip(inputs, grads)]
    t_in = [None if a is None else torch.tensor(a, requires_grad=bool(r))
            for a, r in zip(inputs, grads)]
    return g_in, t_in


def run_and_compare(gg_module, torch_module, inputs, grads=None, seed=0, rtol=RTOL, atol=ATOL,
                    what=""):
    """One forward and backward of both modules on the same inputs; compare everything.

    `inputs`: numpy arrays (None passes through); `grads`: which of them get gradients (default:
    the floating-point ones). Returns the glassgrad output.
    """
    import torch
    if grads is None:
        grads = [a is not None and np.asarray(a).dtype.kind == "f" for a in inputs]
    g_in, t_in = _to_tensors(inputs, grads)
    gg_module.zero_grad()
    torch_module.zero_grad()
    g_out, t_out = gg_module(*g_in), torch_module(*t_in)
    assert g_out.dtype == np.float32, f"{what}output dtype {g_out.dtype}, expected float32"
    assert_close(g_out.detach().numpy(), t_out.detach().numpy(), f"{what}output", rtol, atol)

    trainable = [name for name, p in gg_module.named_parameters() if p.requires_grad]
    if any(grads) or trainable:
        seed_grad = np.random.default_rng(seed + 1).standard_normal(g_out.shape)
        seed_grad = seed_grad.astype(np.float32)
        (g_out * gg.tensor(seed_grad)).sum().backward()
        (t_out * torch.tensor(seed_grad)).sum().backward()
        for i, (g, t, r) in enumerate(zip(g_in, t_in, grads)):
            if r:
                assert g.grad is not None, f"{what}input {i} got no gradient"
                assert g.grad.dtype == np.float32, f"{what}input {i} gradient is {g.grad.dtype}"
                assert_close(g.grad.numpy(), t.grad.numpy(), f"{what}gradient of input {i}",
                             rtol, atol)
        t_params = dict(torch_module.named_parameters())
        for name, p in gg_module.named_parameters():
            t_grad = t_params[name].grad
            if t_grad is None:
                assert p.grad is None or not np.any(p.grad._data), \
                    f"{what}{name}: torch has no gradient, glassgrad has one"
                continue
            assert p.grad is not None, f"{what}parameter {name} got no gradient"
            assert p.grad.dtype == np.float32, f"{what}{name} gradient is {p.grad.dtype}"
            assert_close(p.grad.numpy(), t_grad.numpy(), f"{what}gradient of {name}", rtol, atol)

    t_buffers = dict(torch_module.named_buffers())
    for name, b in gg_module.named_buffers():
        assert_close(b._data, t_buffers[name].numpy(), f"{what}buffer {name} after forward",
                     rtol, atol)
    return g_out


def check_module(gg_module, torch_module, inputs, grads=None, modes=("train", "eval"), seed=0,
                 rtol=RTOL, atol=ATOL, name_map=None):
    """Copy glassgrad's weights into torch, then compare both in each mode of `modes`.

    Checks that parameter names equal torch's (through the state-dict keys) and that every
    parameter is float32. Returns the glassgrad outputs, one per mode.
    """
    for name, p in gg_module.named_parameters():
        assert p.dtype == np.float32, f"parameter {name} is {p.dtype}, expected float32"
    copy_state_to_torch(gg_module, torch_module, name_map)
    outputs = []
    for mode in modes:
        gg_module.train(mode == "train")
        torch_module.train(mode == "train")
        assert gg_module.training == (mode == "train")
        outputs.append(run_and_compare(gg_module, torch_module, inputs, grads, seed, rtol, atol,
                                       what=f"[{type(gg_module).__name__}, {mode}] "))
    return outputs


def check_state_dict_round_trip(make_module, inputs, mode="eval"):
    """state_dict → load_state_dict into a new module (different initial weights) → same output.

    `make_module(seed)` builds the layer with weights drawn from `seed`.
    """
    source, target = make_module(0), make_module(1)
    source.train(mode == "train")
    target.train(mode == "train")
    state = source.state_dict()
    for key, value in state.items():
        assert isinstance(value, gg.Tensor), f"state_dict[{key!r}] is {type(value).__name__}"
        assert not value.requires_grad, f"state_dict[{key!r}] is not detached"
    result = target.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    for key, value in target.state_dict().items():
        np.testing.assert_array_equal(value._data, state[key]._data, err_msg=key)
    with gg.no_grad():
        g_in = [None if a is None else gg.tensor(a) for a in inputs]
        np.testing.assert_array_equal(target(*g_in)._data, source(*g_in)._data)
