"""The optimiser-test harness: run two optimisers on the same parameters and the same gradients
and compare the parameters after every step.

The gradient is that of a fixed quadratic plus fixed noise, computed in numpy from the current
parameters, so both sides see the gradient their own parameters give (the dynamics are
compared, not just one update) while autograd stays out of the test:

    g_t = a ⊙ (θ_{t-1} - c) + n_t

The parameters come in two groups, the second with its own learning rate, so per-group
options are compared too. Optionally the glassgrad optimiser is saved in the middle, through
.npz + JSON as a checkpoint would store it, and a fresh one (on fresh parameters) continues.
"""
import io
import json

import numpy as np

import glassgrad as gg

SHAPES = [(3, 4), (4,), (2, 2, 3)]


def problem(seed=0, steps=20, shapes=SHAPES, dtype=np.float32):
    """Initial parameters, and the (a, c, noise) that define the gradients."""
    rng = np.random.default_rng(seed)
    init = [rng.normal(size=s).astype(dtype) for s in shapes]
    a = [rng.uniform(0.5, 2.0, size=s).astype(dtype) for s in shapes]
    c = [rng.normal(size=s).astype(dtype) for s in shapes]
    noise = [[(0.3 * rng.normal(size=s)).astype(dtype) for s in shapes] for _ in range(steps)]
    return init, a, c, noise


def gradient(values, a, c, noise_t):
    return [ai * (v - ci) + ni for v, ai, ci, ni in zip(values, a, c, noise_t)]


def glassgrad_params(values):
    return [gg.tensor(v.copy(), requires_grad=True) for v in values]


def groups(params, group_options):
    """Two groups: the first parameter alone with the defaults, the rest with `group_options`."""
    return [{"params": params[:1]}, dict({"params": params[1:]}, **group_options)]


def to_checkpoint_and_back(state_dict):
    """Store a state dict as a checkpoint would, arrays in .npz and the rest in JSON, and read
    it back: what survives is what a no-pickle checkpoint can keep."""
    arrays = {}

    def pack(value, path):
        if isinstance(value, gg.Tensor):
            value = value._data
        if isinstance(value, np.ndarray):
            arrays[path] = value
            return {"__array__": path}
        if isinstance(value, dict):
            return {str(k): pack(v, f"{path}.{k}") for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [pack(v, f"{path}.{i}") for i, v in enumerate(value)]
        return value

    text = json.dumps(pack(state_dict, "root"))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    buffer.seek(0)
    loaded = np.load(buffer)

    def unpack(value):
        if isinstance(value, dict):
            if set(value) == {"__array__"}:
                return loaded[value["__array__"]]
            return {k: unpack(v) for k, v in value.items()}
        if isinstance(value, list):
            return [unpack(v) for v in value]
        return value

    return unpack(json.loads(text))


def run_glassgrad(make_optimizer, group_options, steps=20, save_at=None, seed=0):
    """The parameters after each step; with save_at, the optimiser is checkpointed after that
    many steps and a fresh optimiser on fresh parameters carries on."""
    init, a, c, noise = problem(seed, steps)
    params = glassgrad_params(init)
    opt = make_optimizer(groups(params, group_options))
    history = []
    for t in range(steps):
        if save_at is not None and t == save_at:
            saved = to_checkpoint_and_back(opt.state_dict())
            params = glassgrad_params([p._data for p in params])
            opt = make_optimizer(groups(params, group_options))
            opt.load_state_dict(saved)
        for p, g in zip(params, gradient([p._data for p in params], a, c, noise[t])):
            p.grad = gg.tensor(g)
        opt.step()
        history.append([p._data.copy() for p in params])
    return history, opt, params


def run_torch(torch, make_optimizer, group_options, steps=20, seed=0):
    init, a, c, noise = problem(seed, steps)
    params = [torch.tensor(v.copy(), requires_grad=True) for v in init]
    opt = make_optimizer(groups(params, group_options))
    history = []
    for t in range(steps):
        values = [p.detach().numpy() for p in params]
        for p, g in zip(params, gradient(values, a, c, noise[t])):
            p.grad = torch.from_numpy(g.copy())
        opt.step()
        history.append([p.detach().numpy().copy() for p in params])
    return history


def assert_same_history(ours, reference, rtol=1e-5, atol=1e-6):
    assert len(ours) == len(reference)
    for t, (mine, theirs) in enumerate(zip(ours, reference)):
        for i, (x, y) in enumerate(zip(mine, theirs)):
            assert x.dtype == y.dtype, f"step {t + 1}, parameter {i}: dtype {x.dtype} vs {y.dtype}"
            np.testing.assert_allclose(x, y, rtol=rtol, atol=atol,
                                       err_msg=f"step {t + 1}, parameter {i}")
