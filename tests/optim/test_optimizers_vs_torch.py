"""SGD (every variant), Adagrad, RMSprop, Adam, AdamW and RAdam take the same 20 steps as
PyTorch's, and saving / loading the state in the middle (through .npz + JSON) changes nothing."""
import math

import numpy as np
import pytest

from glassgrad import optim
from optim_harness import assert_same_history, run_glassgrad, run_torch

torch = pytest.importorskip("torch")

# (name, options for both, options of the second parameter group)
CASES = [
    ("SGD", dict(lr=0.1), dict(lr=0.05)),
    ("SGD", dict(lr=0.1, momentum=0.9), dict(momentum=0.5)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3), dict(lr=0.02)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True), dict(weight_decay=0.1)),
    ("SGD", dict(lr=0.05, weight_decay=0.2), dict(lr=0.01)),
    ("SGD", dict(lr=0.01, momentum=0.8, weight_decay=0.1, nesterov=True, maximize=True),
     dict(lr=0.02)),
    ("Adagrad", dict(lr=0.1), dict(lr=0.05)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1), dict(lr=0.2)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-6), dict(lr=0.05)),
    ("Adagrad", dict(lr=0.05, maximize=True), dict(lr=0.02)),
    ("RMSprop", dict(lr=0.01), dict(lr=0.02)),
    ("RMSprop", dict(lr=0.01, centered=True), dict(alpha=0.9)),
    ("RMSprop", dict(lr=0.01, momentum=0.9), dict(lr=0.005)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1), dict(lr=0.02)),
    ("RMSprop", dict(lr=0.01, maximize=True), dict(lr=0.02)),
    ("Adam", dict(lr=0.05), dict(lr=0.1)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.99), amsgrad=True), dict(lr=0.02)),
    ("Adam", dict(lr=0.05, weight_decay=0.1), dict(betas=(0.5, 0.9))),
    ("Adam", dict(lr=0.05, eps=1e-3, maximize=True), dict(lr=0.01)),
    ("AdamW", dict(lr=0.05), dict(lr=0.1)),
    ("AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True), dict(weight_decay=0.0)),
    ("RAdam", dict(lr=0.05), dict(lr=0.1)),
    ("RAdam", dict(lr=0.05, betas=(0.9, 0.99), weight_decay=0.1), dict(lr=0.02)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True), dict(lr=0.02)),
    ("RAdam", dict(lr=0.05, maximize=True), dict(lr=0.02)),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in opts.items())}" for name, opts, _ in CASES]


def makers(name, options):
    ours = lambda groups: getattr(optim, name)(groups, **options)            # noqa: E731
    theirs = lambda groups: getattr(torch.optim, name)(groups, foreach=False,  # noqa: E731
                                                       **options)
    return ours, theirs


@pytest.mark.parametrize("name,options,group_options", CASES, ids=IDS)
def test_twenty_steps_equal_torch(name, options, group_options):
    ours, theirs = makers(name, options)
    history, _, _ = run_glassgrad(ours, group_options)
    assert_same_history(history, run_torch(torch, theirs, group_options))


@pytest.mark.parametrize("name,options,group_options", CASES, ids=IDS)
def test_state_dict_round_trip_in_the_middle_changes_nothing(name, options, group_options):
    ours, theirs = makers(name, options)
    history, _, _ = run_glassgrad(ours, group_options, save_at=10)
    assert_same_history(history, run_torch(torch, theirs, group_options))


def test_radam_takes_both_branches_in_twenty_steps():
    """With β₂ = 0.999, ρ_t ≤ 5 for the first steps (un-adapted), then > 5: the comparison
    above covers both branches and the threshold between them."""
    beta2 = 0.999
    rho_inf = 2 / (1 - beta2) - 1
    rho = [rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t) for t in range(1, 21)]
    assert rho[0] <= 5 and rho[-1] > 5
    assert 1 < sum(r <= 5 for r in rho) < 19


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "RAdam"])
def test_state_dict_has_torch_keys(name):
    extra = dict(momentum=0.9) if name in ("SGD", "RMSprop") else {}
    ours, theirs = makers(name, dict(lr=0.01, **extra))
    _, opt, _ = run_glassgrad(ours, {}, steps=2)
    reference = theirs([torch.zeros(2, requires_grad=True)])
    p = reference.param_groups[0]["params"][0]
    for _ in range(2):
        p.grad = torch.ones(2)
        reference.step()
    ours_sd, theirs_sd = opt.state_dict(), reference.state_dict()
    assert set(ours_sd) == {"state", "param_groups"}
    assert set(ours_sd["state"][0]) == set(theirs_sd["state"][0])
    assert ours_sd["param_groups"][0]["params"] == [0]
    assert ours_sd["param_groups"][1]["params"] == [1, 2]
    ours_keys = set(ours_sd["param_groups"][0]) - {"params"}
    torch_keys = set(theirs_sd["param_groups"][0]) - {"params"}
    # torch's extra keys are its execution switches, which glassgrad does not have
    assert torch_keys - ours_keys <= {"foreach", "fused", "capturable", "differentiable"}
    assert ours_keys <= torch_keys
    if "step" in ours_sd["state"][0]:
        assert ours_sd["state"][0]["step"] == 2 == int(theirs_sd["state"][0]["step"])


INVALID = [
    ("SGD", dict(lr=-1), "Invalid learning rate: -1"),
    ("SGD", dict(lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
    ("SGD", dict(lr=0.1, weight_decay=-1e-3), "Invalid weight_decay value: -0.001"),
    ("SGD", dict(lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero "
                                         "dampening"),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
     "Nesterov momentum requires a momentum and zero dampening"),
    ("Adagrad", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("Adagrad", dict(lr_decay=-1), "Invalid lr_decay value: -1"),
    ("Adagrad", dict(initial_accumulator_value=-1), "Invalid initial_accumulator_value value: -1"),
    ("Adagrad", dict(eps=-1), "Invalid epsilon value: -1"),
    ("RMSprop", dict(alpha=-0.9), "Invalid alpha value: -0.9"),
    ("RMSprop", dict(momentum=-1), "Invalid momentum value: -1"),
    ("RMSprop", dict(eps=-1e-8), "Invalid epsilon value: -1e-08"),
    ("Adam", dict(lr=-1), "Invalid learning rate: -1"),
    ("Adam", dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    ("Adam", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    ("Adam", dict(eps=-1), "Invalid epsilon value: -1"),
    ("Adam", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
    ("AdamW", dict(weight_decay=-0.01), "Invalid weight_decay value: -0.01"),
    ("RAdam", dict(betas=(0.9, 1.5)), "Invalid beta parameter at index 1: 1.5"),
    ("RAdam", dict(lr=-2.0), "Invalid learning rate: -2.0"),
]


@pytest.mark.parametrize("name,options,message", INVALID,
                         ids=[f"{n}-{m}" for n, _, m in INVALID])
def test_invalid_hyperparameters_raise_with_torchs_words(name, options, message):
    import re
    with pytest.raises(ValueError, match=re.escape(message)):
        getattr(optim, name)([torch_free_param()], **options)
    with pytest.raises(ValueError, match=re.escape(message)):      # torch words it the same
        getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **options)


def torch_free_param():
    import glassgrad as gg
    return gg.zeros(1, requires_grad=True)


def test_invalid_message_says_what_was_expected():
    with pytest.raises(ValueError, match=r"Invalid learning rate: -1 \(Adam expects lr >= 0\)"):
        optim.Adam([torch_free_param()], lr=-1)


def test_an_added_group_is_validated_too():
    opt = optim.SGD([torch_free_param()], lr=0.1)
    with pytest.raises(ValueError, match="Invalid learning rate: -3"):
        opt.add_param_group({"params": [torch_free_param()], "lr": -3})
    assert len(opt.param_groups) == 1


def test_float32_kept_where_torch_keeps_float32():
    """Both sides stay float32; the harness's dtype check runs on every step above too."""
    ours, _ = makers("Adam", dict(lr=0.01))
    _, opt, params = run_glassgrad(ours, {}, steps=3)
    assert all(p.dtype == np.float32 for p in params)
    assert all(v.dtype == np.float32 for s in opt.state.values() for v in s.values()
               if hasattr(v, "dtype"))
    assert math.isfinite(float(params[0]._data.sum()))
