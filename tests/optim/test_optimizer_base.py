"""The Optimizer base: parameter groups, state, zero_grad, the closure, add_param_group,
state_dict / load_state_dict, errors, and float32 end to end."""
import json

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim
from optim_harness import to_checkpoint_and_back


def param(*values):
    return gg.tensor(np.array(values, dtype=np.float32), requires_grad=True)


def test_defaults_fill_each_group_and_a_group_keeps_its_own_options():
    a, b = param(1.0), param(2.0)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 0.5
    assert opt.param_groups[1]["momentum"] == 0.9       # filled from the defaults
    assert opt.param_groups[1]["params"] == [b] or opt.param_groups[1]["params"][0] is b
    assert set(opt.param_groups[0]) == {"params", "lr", "momentum", "dampening",
                                        "weight_decay", "nesterov", "maximize"}


def test_step_updates_in_place_and_state_is_keyed_by_parameter():
    w = param(1.0, -2.0)
    data = w._data
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    (w * w).sum().backward()
    opt.step()
    assert w._data is data                                # same array, updated in place
    np.testing.assert_allclose(w._data, [0.8, -1.6], rtol=1e-6)
    assert isinstance(opt.state[w]["momentum_buffer"], gg.Tensor)
    np.testing.assert_allclose(opt.state[w]["momentum_buffer"]._data, [2.0, -4.0])


def test_parameters_without_gradient_are_skipped():
    a, b = param(1.0), param(2.0)
    opt = optim.Adam([a, b], lr=0.1)
    (a * 3).sum().backward()
    opt.step()
    assert b.item() == 2.0 and b not in opt.state
    assert opt.state[a]["step"] == 1


def test_zero_grad_sets_to_none_or_zero():
    w = param(1.0, 2.0)
    opt = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(w.grad._data, [0.0, 0.0])
    opt.zero_grad()
    assert w.grad is None


def test_closure_runs_with_grad_enabled_and_its_loss_is_returned():
    w = param(3.0)
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with gg.no_grad():                                   # the closure still records its graph
        loss = opt.step(closure)
    assert loss.item() == 9.0
    assert w.item() == pytest.approx(3.0 - 0.25 * 6.0)


def test_update_runs_under_no_grad():
    seen = []

    class Probe(optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, dict(lr=0.1))

        def update_step(self, param, grad, state, group):
            seen.append(gg.is_grad_enabled())
            param -= group["lr"] * grad

    w = param(1.0)
    opt = Probe([w])
    (w * 2).sum().backward()
    opt.step()
    assert seen == [False] and w.item() == pytest.approx(0.8)


def test_a_subclass_without_update_says_what_to_write():
    w = param(1.0)
    opt = optim.Optimizer([w], {"lr": 0.1})
    w.grad = gg.ones(1)
    with pytest.raises(NotImplementedError, match="update_step"):
        opt.step()


@pytest.mark.parametrize("params,error,match", [
    ([], ValueError, "empty parameter list"),
    (param(1.0), TypeError, "iterable of Tensors or dicts"),
    ([np.zeros(2)], TypeError, "can only optimize Tensors, but one of the params"),
    ({param(1.0)}, TypeError, "ordered collections"),
])
def test_bad_params_raise(params, error, match):
    with pytest.raises(error, match=match):
        optim.SGD(params if not isinstance(params, set) else [{"params": params}], lr=0.1)


def test_non_leaf_duplicate_and_shared_parameters_raise():
    w = param(1.0, 2.0)
    with pytest.raises(ValueError, match=r"can't optimize a non-leaf Tensor .*shape \(2,\)"):
        optim.SGD([w * 2], lr=0.1)
    with pytest.raises(ValueError, match="duplicate parameters: index 0 and 1"):
        optim.SGD([w, w], lr=0.1)
    opt = optim.SGD([w], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [w]})
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([w])


def test_required_option():
    class NeedsLr(optim.Optimizer):
        def __init__(self, params, lr=optim.required):
            super().__init__(params, dict(lr=lr))

    with pytest.raises(ValueError, match="didn't specify a value of required optimization "
                                         "parameter lr"):
        NeedsLr([param(1.0)])
    assert NeedsLr([{"params": [param(1.0)], "lr": 0.1}]).param_groups[0]["lr"] == 0.1


def test_add_param_group_mid_training():
    a, b = param(1.0), param(1.0)
    opt = optim.Adam([a], lr=0.1)
    opt.add_param_group({"params": [b], "lr": 0.01})
    for p in (a, b):
        p.grad = gg.ones(1)
    opt.step()
    assert a.item() == pytest.approx(0.9, abs=1e-6) and b.item() == pytest.approx(0.99, abs=1e-6)
    assert opt.state_dict()["param_groups"][1]["params"] == [1]


def test_state_dict_is_json_and_npz_storable_and_round_trips():
    w, v = param(1.0, 2.0), param(3.0)
    opt = optim.Adam([{"params": [w]}, {"params": [v], "lr": 0.5}], lr=0.1, betas=(0.8, 0.9))
    for _ in range(3):
        opt.zero_grad()
        ((w * w).sum() + (v * v).sum()).backward()
        opt.step()
    sd = opt.state_dict()
    arrays = {f"{i}.{k}": t._data for i, s in sd["state"].items() for k, t in s.items()
              if isinstance(t, gg.Tensor)}
    assert set(arrays) == {"0.exp_avg", "0.exp_avg_sq", "1.exp_avg", "1.exp_avg_sq"}
    json.dumps(sd["param_groups"])                       # plain numbers, strings and lists
    loaded = to_checkpoint_and_back(sd)
    w2, v2 = param(*w._data), param(*v._data)
    fresh = optim.Adam([{"params": [w2]}, {"params": [v2]}], lr=0.3)
    fresh.load_state_dict(loaded)
    assert fresh.param_groups[1]["lr"] == 0.5 and fresh.param_groups[0]["betas"] == (0.8, 0.9)
    assert fresh.state[w2]["step"] == 3 and type(fresh.state[w2]["step"]) is int
    np.testing.assert_array_equal(fresh.state[v2]["exp_avg"]._data, opt.state[v]["exp_avg"]._data)
    assert fresh.state[v2]["exp_avg"]._data is not opt.state[v]["exp_avg"]._data   # a copy


def test_load_state_dict_errors_name_the_mismatch():
    w = param(1.0, 2.0)
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    w.grad = gg.ones(2)
    opt.step()
    sd = opt.state_dict()
    two_groups = optim.SGD([{"params": [param(1.0, 2.0)]}, {"params": [param(1.0)]}], lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups: 1 saved, 2"):
        two_groups.load_state_dict(sd)
    with pytest.raises(ValueError, match="group 0 has 1 parameters saved, 2 here"):
        optim.SGD([param(1.0), param(2.0)], lr=0.1).load_state_dict(sd)
    with pytest.raises(ValueError, match=r"'momentum_buffer' of parameter 0 has shape \(2,\), "
                                         r"but the parameter has shape \(3,\)"):
        optim.SGD([param(1.0, 2.0, 3.0)], lr=0.1).load_state_dict(sd)


def test_loaded_numpy_scalars_do_not_widen_float32():
    """np.float64 hyper-parameters (as an .npz may give back) would turn a float32 update
    into float64 under numpy's promotion rules; loading makes them Python floats."""
    w = param(1.0, 2.0)
    opt = optim.Adam([w], lr=0.1)
    w.grad = gg.ones(2)
    opt.step()
    sd = opt.state_dict()
    sd["param_groups"][0]["lr"] = np.float64(0.1)
    sd["param_groups"][0]["betas"] = [np.float64(0.9), np.float64(0.999)]
    sd["state"][0]["step"] = np.array(1)
    sd["state"][0]["exp_avg"] = sd["state"][0]["exp_avg"]._data.astype(np.float64)
    w2 = param(*w._data)
    fresh = optim.Adam([w2])
    fresh.load_state_dict(sd)
    w2.grad = gg.ones(2)
    fresh.step()
    assert w2._data.dtype == np.float32
    assert fresh.state[w2]["exp_avg"]._data.dtype == np.float32
    assert type(fresh.param_groups[0]["lr"]) is float


@pytest.mark.parametrize("make", [
    lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
    lambda p: optim.Adagrad(p, lr_decay=0.1, weight_decay=0.1),
    lambda p: optim.RMSprop(p, momentum=0.5, centered=True, weight_decay=0.1),
    lambda p: optim.Adam(p, amsgrad=True, weight_decay=0.1),
    lambda p: optim.AdamW(p),
    lambda p: optim.RAdam(p, weight_decay=0.1),
    lambda p: optim.LARS(p, exclude_bias_and_norm=False),
    lambda p: optim.LAMB(p),
    lambda p: optim.Lookahead(optim.Adam(p), k=2),
], ids=["SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "RAdam", "LARS", "LAMB", "Lookahead"])
def test_no_float64_leaks_into_parameters_or_state(make):
    rng = np.random.default_rng(0)
    params = [gg.tensor(rng.normal(size=s).astype(np.float32), requires_grad=True)
              for s in [(4, 3), (3,)]]
    opt = make(params)
    for _ in range(8):
        for p in params:
            p.grad = gg.tensor(rng.normal(size=p.shape).astype(np.float32))
        opt.step()
    for p in params:
        assert p._data.dtype == np.float32
    for s in opt.state.values():
        for value in s.values():
            if isinstance(value, gg.Tensor):
                assert value._data.dtype == np.float32
            else:
                assert isinstance(value, (int, float))


def test_float64_parameters_stay_float64():
    w = gg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    assert w.dtype == np.float64
    opt = optim.Adam([w], lr=0.1)
    w.grad = gg.tensor(np.ones(2))
    opt.step()
    assert w.dtype == np.float64 and opt.state[w]["exp_avg"].dtype == np.float64


def test_repr_lists_each_group():
    text = repr(optim.SGD([param(1.0)], lr=0.1))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "lr: 0.1" in text


def test_trains_an_nn_module():
    nn = pytest.importorskip("glassgrad.nn")
    F = nn.functional
    g = gg.Generator(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    x = gg.randn(64, 2, generator=g)
    y = (x[:, 0] * x[:, 1] > 0).long()
    opt = optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(60):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert all(p.dtype == np.float32 for p in model.parameters())
