"""Every schedule's lr sequence (and OneCycleLR's momentum) equals torch's, step by step, for
two parameter groups; a state_dict round trip through JSON in the middle changes nothing."""
import json
import math
import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim
from glassgrad.optim import lr_scheduler as ours

torch = pytest.importorskip("torch")
tsched = torch.optim.lr_scheduler

STEPS = 40


def two_groups(lib, name, **options):
    """An optimiser over two one-element parameters, the second group with lr 0.05."""
    zeros = (lambda: gg.zeros(1, requires_grad=True)) if lib is optim else \
        (lambda: torch.zeros(1, requires_grad=True))
    return getattr(lib, name)([{"params": [zeros()]}, {"params": [zeros()], "lr": 0.05}],
                              **options)


# (name, optimiser, its options, a function making the scheduler from (module, optimiser))
CASES = [
    ("StepLR", "SGD", dict(lr=0.1), lambda m, o: m.StepLR(o, step_size=7, gamma=0.5)),
    ("MultiStepLR", "SGD", dict(lr=0.1),
     lambda m, o: m.MultiStepLR(o, milestones=[3, 10, 10, 25], gamma=0.3)),
    ("ExponentialLR", "SGD", dict(lr=0.1), lambda m, o: m.ExponentialLR(o, gamma=0.9)),
    ("CosineAnnealingLR", "SGD", dict(lr=0.1),
     lambda m, o: m.CosineAnnealingLR(o, T_max=12, eta_min=0.001)),   # past T_max: it rises
    ("LinearLR", "SGD", dict(lr=0.1),
     lambda m, o: m.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=8)),
    ("LinearLR-decay", "SGD", dict(lr=0.1),
     lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.2, total_iters=15)),
    ("LambdaLR", "SGD", dict(lr=0.1),
     lambda m, o: m.LambdaLR(o, lr_lambda=[lambda e: 0.95 ** e, lambda e: 1 / (1 + e)])),
    ("OneCycleLR-cos-SGD", "SGD", dict(lr=0.1, momentum=0.9),
     lambda m, o: m.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=STEPS + 1)),
    ("OneCycleLR-linear-Adam", "Adam", dict(lr=0.1),
     lambda m, o: m.OneCycleLR(o, max_lr=0.01, epochs=4, steps_per_epoch=11, pct_start=0.25,
                               anneal_strategy="linear")),
    ("OneCycleLR-three-phase", "SGD", dict(lr=0.1, momentum=0.9),
     lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=STEPS, three_phase=True,
                               base_momentum=0.8, max_momentum=0.9, div_factor=10.0,
                               final_div_factor=100.0)),
    ("SequentialLR", "SGD", dict(lr=0.1),
     lambda m, o: m.SequentialLR(o, [m.LinearLR(o, start_factor=0.2, total_iters=5),
                                     m.CosineAnnealingLR(o, T_max=20)], milestones=[5])),
    ("SequentialLR-three", "SGD", dict(lr=0.1),
     lambda m, o: m.SequentialLR(o, [m.ExponentialLR(o, gamma=0.8), m.StepLR(o, 4, 0.5),
                                     m.ExponentialLR(o, gamma=1.05)], milestones=[6, 20])),
]


def momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]


def sequence(scheduler, opt, steps, save_at=None, remake=None):
    """[(lrs, momenta)] before the first step and after each scheduler step."""
    out = [(scheduler.get_last_lr(), momenta(opt))]
    for t in range(steps):
        if save_at is not None and t == save_at:
            saved = json.loads(json.dumps(scheduler.state_dict()))        # JSON round trip
            opt_saved = opt.state_dict()
            scheduler, opt = remake()
            opt.load_state_dict(opt_saved)
            scheduler.load_state_dict(saved)
        opt.step()
        scheduler.step()
        out.append((scheduler.get_last_lr(), momenta(opt)))
    return out


def torch_sequence(optimizer, options, make, steps):
    opt = two_groups(torch.optim, optimizer, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scheduler = make(tsched, opt)
        return sequence(scheduler, opt, steps)


def assert_same(mine, theirs):
    assert len(mine) == len(theirs)
    for t, ((lrs, ms), (ref_lrs, ref_ms)) in enumerate(zip(mine, theirs)):
        assert lrs == pytest.approx(ref_lrs, rel=1e-12, abs=1e-15), f"lr at step {t}"
        assert ms == pytest.approx(ref_ms, rel=1e-12), f"momentum at step {t}"


@pytest.mark.parametrize("name,optimizer,options,make", CASES, ids=[c[0] for c in CASES])
def test_lr_sequence_equals_torch(name, optimizer, options, make):
    opt = two_groups(optim, optimizer, **options)
    mine = sequence(make(ours, opt), opt, STEPS)
    assert_same(mine, torch_sequence(optimizer, options, make, STEPS))


@pytest.mark.parametrize("name,optimizer,options,make", CASES, ids=[c[0] for c in CASES])
def test_state_dict_round_trip_in_the_middle_changes_nothing(name, optimizer, options, make):
    def remake():
        opt = two_groups(optim, optimizer, **options)
        return make(ours, opt), opt

    scheduler, opt = remake()
    mine = sequence(scheduler, opt, STEPS, save_at=17, remake=remake)
    assert_same(mine, torch_sequence(optimizer, options, make, STEPS))


def test_closed_form_step_epoch_matches_the_recursion():
    for make in (lambda o: ours.StepLR(o, 3, 0.5), lambda o: ours.ExponentialLR(o, 0.9),
                 lambda o: ours.CosineAnnealingLR(o, T_max=10),
                 lambda o: ours.MultiStepLR(o, [2, 5], 0.1),
                 lambda o: ours.LinearLR(o, 0.25, 1.0, 4)):
        opt = two_groups(optim, "SGD", lr=0.1)
        recursive = make(opt)
        for _ in range(7):
            recursive.step()
        jumped = make(two_groups(optim, "SGD", lr=0.1))
        jumped.step(7)
        assert jumped.get_last_lr() == pytest.approx(recursive.get_last_lr(), rel=1e-12)


PLATEAU = [
    dict(),
    dict(mode="max", factor=0.5, patience=2, threshold=0.1, threshold_mode="abs"),
    dict(patience=1, cooldown=2, min_lr=[0.01, 0.02], factor=0.3),
    dict(patience=0, threshold=0.05, min_lr=1e-3),
]


@pytest.mark.parametrize("options", PLATEAU, ids=[str(o) for o in PLATEAU])
def test_reduce_lr_on_plateau_equals_torch(options):
    metrics = [1.0, 0.9, 0.95, 0.95, 0.89, 0.9, 0.9, 0.9, 0.91, 0.5, 0.6, 0.6, 0.6, 0.6, 0.49,
               0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]
    if options.get("mode") == "max":
        metrics = [-m for m in metrics]

    def run(lib, module, save_at=None):
        opt = two_groups(lib, "SGD", lr=0.1)
        scheduler = module.ReduceLROnPlateau(opt, **options)
        lrs = []
        for t, metric in enumerate(metrics):
            if save_at == t:
                saved = json.loads(json.dumps(scheduler.state_dict()))
                scheduler = module.ReduceLROnPlateau(opt, **options)
                scheduler.load_state_dict(saved)
            scheduler.step(metric)
            lrs.append(scheduler.get_last_lr())
        return lrs

    reference = np.array(run(torch.optim, tsched))
    np.testing.assert_allclose(run(optim, ours), reference, rtol=1e-12)
    np.testing.assert_allclose(run(optim, ours, save_at=12), reference, rtol=1e-12)
    assert (reference[-1] != reference[0]).all()          # the case does reduce


def test_errors_use_torchs_words():
    opt = two_groups(optim, "SGD", lr=0.1)
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        ours.StepLR([], 3)
    with pytest.raises(ValueError, match="Starting multiplicative factor expected to be greater "
                                         "than 0"):
        ours.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        ours.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="mode maximum is unknown"):
        ours.ReduceLROnPlateau(opt, mode="maximum")
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        ours.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        ours.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(ValueError, match="number of schedulers 2 and the number of milestones "
                                         "to be equal to 2"):
        ours.SequentialLR(opt, [ours.StepLR(opt, 2), ours.StepLR(opt, 3)], milestones=[1, 2])
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups"):
        ours.StepLR(two_groups(optim, "SGD", lr=0.1), 3, last_epoch=4)
    adagrad = two_groups(optim, "Adagrad")
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        ours.OneCycleLR(adagrad, max_lr=0.1, total_steps=10)
    one_cycle = ours.OneCycleLR(opt, max_lr=0.1, total_steps=3, cycle_momentum=False)
    for _ in range(3):
        one_cycle.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total "
                                         "steps is 3"):
        one_cycle.step()


def test_scheduler_drives_the_optimisers_lr_and_wraps_lookahead():
    w = gg.tensor([1.0], requires_grad=True)
    opt = optim.Lookahead(optim.SGD([w], lr=1.0), k=100)
    scheduler = ours.StepLR(opt, step_size=1, gamma=0.5)
    for t in range(3):
        w.grad = gg.ones(1)
        opt.step()
        scheduler.step()
    # steps of 1, 0.5, 0.25 from the schedule's lrs
    assert w.item() == pytest.approx(1.0 - 1.75)
    assert opt.optimizer.param_groups[0]["lr"] == 0.125
    assert math.isclose(scheduler.get_last_lr()[0], 0.125)
