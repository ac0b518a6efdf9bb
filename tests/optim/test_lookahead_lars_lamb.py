"""Lookahead, LARS and LAMB (which torch lacks) against plain numpy transcriptions of their
papers' algorithms, written here line by line from the papers; 20 steps on the harness's
problem, and a state-dict round trip in the middle."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim
from optim_harness import (assert_same_history, gradient, problem, run_glassgrad,
                           to_checkpoint_and_back)


def run_numpy(update, state_of, group_options, steps=20, seed=0):
    """Feed the numpy transcription the harness's gradients; parameter 0 alone in group 0."""
    init, a, c, noise = problem(seed, steps)
    values = [v.copy() for v in init]
    states = [state_of(v) for v in values]
    history = []
    for t in range(1, steps + 1):
        grads = gradient(values, a, c, noise[t - 1])
        for i, (w, g) in enumerate(zip(values, grads)):
            values[i] = update(w, g, states[i], t, group_options if i > 0 else {})
        history.append([v.copy() for v in values])
    return history


# --- Lookahead: Zhang, Lucas, Hinton & Ba (2019), Algorithm 1, inner optimiser SGD+momentum --
def lookahead_numpy(k, alpha, lr, mu):
    def state_of(w):
        return {"slow": w.copy(), "buf": None}

    def update(w, g, s, t, options):
        lr_ = options.get("lr", lr)
        s["buf"] = g.copy() if s["buf"] is None else mu * s["buf"] + g   # inner A: SGD momentum
        w = w - lr_ * s["buf"]                                           # θ_{t,i}
        if t % k == 0:
            s["slow"] = s["slow"] + alpha * (w - s["slow"])             # φ ← φ + α(θ - φ)
            w = s["slow"].copy()                                          # θ ← φ
        return w
    return update, state_of


@pytest.mark.parametrize("k,alpha", [(5, 0.5), (3, 0.8), (1, 0.3)])
@pytest.mark.parametrize("save_at", [None, 7])
def test_lookahead_matches_the_paper(k, alpha, save_at):
    make = lambda groups: optim.Lookahead(optim.SGD(groups, lr=0.05, momentum=0.9),  # noqa
                                          k=k, alpha=alpha)
    history, opt, _ = run_glassgrad(make, {"lr": 0.02}, save_at=save_at)
    update, state_of = lookahead_numpy(k, alpha, lr=0.05, mu=0.9)
    assert_same_history(history, run_numpy(update, state_of, {"lr": 0.02}))
    assert opt.lookahead_step == 20


def test_lookahead_state_dict_holds_slow_weights_and_the_inner_state():
    w = gg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.Lookahead(optim.Adam([w], lr=0.1), k=2, alpha=0.5)
    w.grad = gg.ones(2)
    opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups", "inner_state_dict", "lookahead_step"}
    np.testing.assert_array_equal(sd["state"][0]["slow_buffer"]._data, [1.0, 2.0])   # φ_0 = θ_0
    assert set(sd["inner_state_dict"]["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    assert sd["param_groups"][0]["k"] == 2 and sd["param_groups"][0]["alpha"] == 0.5
    loaded = to_checkpoint_and_back(sd)
    w2 = gg.tensor([5.0, 5.0], requires_grad=True)
    fresh = optim.Lookahead(optim.Adam([w2], lr=0.3), k=7, alpha=0.1)
    fresh.load_state_dict(loaded)
    assert fresh.param_groups[0]["k"] == 2 and fresh.param_groups[0]["lr"] == 0.1
    assert fresh.param_groups is fresh.optimizer.param_groups          # still shared
    assert fresh.optimizer.state[w2]["step"] == 1 and fresh.lookahead_step == 1
    with pytest.raises(ValueError, match="no 'inner_state_dict'"):
        fresh.load_state_dict(opt.optimizer.state_dict())


def test_lookahead_shares_groups_with_its_inner_optimiser_and_validates():
    w = gg.zeros(2, requires_grad=True)
    inner = optim.SGD([w], lr=0.1)
    opt = optim.Lookahead(inner)
    opt.param_groups[0]["lr"] = 0.5                      # what a scheduler does
    assert inner.param_groups[0]["lr"] == 0.5
    b = gg.zeros(1, requires_grad=True)
    opt.add_param_group({"params": [b]})
    assert len(inner.param_groups) == 2 and "slow_buffer" in opt.state[b]
    with pytest.raises(ValueError, match=r"Invalid k: 0 \(Lookahead expects an integer k >= 1\)"):
        optim.Lookahead(optim.SGD([gg.zeros(1, requires_grad=True)], lr=0.1), k=0)
    with pytest.raises(ValueError, match="Invalid alpha: 1.5"):
        optim.Lookahead(optim.SGD([gg.zeros(1, requires_grad=True)], lr=0.1), alpha=1.5)
    with pytest.raises(TypeError, match="Lookahead wraps an Optimizer"):
        optim.Lookahead([w])


# --- LARS: You, Gitman & Ginsburg (2017), Algorithm 1 -----------------------------------------
def lars_numpy(lr, m, beta, eta, eps, exclude):
    def state_of(w):
        return {"v": np.zeros_like(w)}

    def update(w, g, s, t, options):
        lr_ = options.get("lr", lr)
        if exclude and w.ndim == 1:
            s["v"] = m * s["v"] + lr_ * g
        else:
            w_norm, g_norm = np.linalg.norm(w), np.linalg.norm(g)
            local_lr = eta * w_norm / (g_norm + beta * w_norm + eps)        # λ^l
            if w_norm == 0 or g_norm == 0:
                local_lr = 1.0
            s["v"] = m * s["v"] + lr_ * local_lr * (g + beta * w)         # v_{t+1}
        return w - s["v"]                                                 # w_{t+1}
    return update, state_of


@pytest.mark.parametrize("exclude", [True, False])
@pytest.mark.parametrize("save_at", [None, 10])
def test_lars_matches_the_paper(exclude, save_at):
    options = dict(lr=2.0, momentum=0.9, weight_decay=0.01, trust_coefficient=0.02, eps=1e-8,
                   exclude_bias_and_norm=exclude)
    make = lambda groups: optim.LARS(groups, **options)                # noqa: E731
    history, _, _ = run_glassgrad(make, {"lr": 1.0}, save_at=save_at)
    update, state_of = lars_numpy(2.0, 0.9, 0.01, 0.02, 1e-8, exclude)
    reference = run_numpy(update, state_of, {"lr": 1.0})
    assert_same_history(history, reference, rtol=1e-5, atol=1e-6)
    moved = [np.abs(h - init).max() for h, init in zip(history[-1], problem()[0])]
    assert min(moved) > 1e-3                            # every layer actually moved


def test_lars_trust_ratio_is_one_for_a_zero_layer():
    w = gg.zeros(2, 2, requires_grad=True)
    opt = optim.LARS([w], lr=0.1, momentum=0.0, weight_decay=0.5, trust_coefficient=0.001)
    w.grad = gg.ones(2, 2)
    opt.step()
    np.testing.assert_allclose(w._data, -0.1 * np.ones((2, 2)))       # λ = 1, not η·0/‖g‖


# --- LAMB: You et al. (2019), Algorithm 2, φ = identity ------------------------------------
def lamb_numpy(lr, beta1, beta2, eps, lam):
    def state_of(w):
        return {"m": np.zeros_like(w), "v": np.zeros_like(w)}

    def update(x, g, s, t, options):
        lr_ = options.get("lr", lr)
        s["m"] = beta1 * s["m"] + (1 - beta1) * g
        s["v"] = beta2 * s["v"] + (1 - beta2) * g * g
        m_hat = s["m"] / (1 - beta1 ** t)
        v_hat = s["v"] / (1 - beta2 ** t)
        r = m_hat / (np.sqrt(v_hat) + eps)
        u = r + lam * x
        x_norm, u_norm = np.linalg.norm(x), np.linalg.norm(u)
        ratio = x_norm / u_norm if x_norm > 0 and u_norm > 0 else 1.0
        return x - lr_ * ratio * u
    return update, state_of


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
@pytest.mark.parametrize("save_at", [None, 10])
def test_lamb_matches_the_paper(weight_decay, save_at):
    options = dict(lr=0.05, betas=(0.9, 0.99), eps=1e-6, weight_decay=weight_decay)
    make = lambda groups: optim.LAMB(groups, **options)                # noqa: E731
    history, _, _ = run_glassgrad(make, {"lr": 0.02}, save_at=save_at)
    update, state_of = lamb_numpy(0.05, 0.9, 0.99, 1e-6, weight_decay)
    assert_same_history(history, run_numpy(update, state_of, {"lr": 0.02}),
                        rtol=1e-5, atol=1e-6)


def test_lamb_layer_steps_scale_with_the_weights_not_the_gradient():
    """The trust ratio makes each layer move by γ‖x‖ (for λ = 0): the gradient's scale drops
    out, which is what lets LAMB use one lr for layers of very different gradient sizes."""
    for scale in (1e-3, 1.0, 1e3):
        x = gg.tensor([3.0, 4.0], requires_grad=True)
        opt = optim.LAMB([x], lr=0.1, weight_decay=0.0)
        x.grad = gg.tensor([scale, -2 * scale])
        opt.step()
        assert np.linalg.norm(x._data - [3.0, 4.0]) == pytest.approx(0.1 * 5.0, rel=1e-4)


def test_lamb_trust_ratio_is_one_for_a_zero_layer():
    x = gg.zeros(3, requires_grad=True)
    opt = optim.LAMB([x], lr=0.1, weight_decay=0.0, eps=0.0)
    x.grad = gg.tensor([1.0, -1.0, 2.0])
    opt.step()
    np.testing.assert_allclose(x._data, [-0.1, 0.1, -0.1], rtol=1e-5)     # r = sign(g) at t=1


@pytest.mark.parametrize("make,match", [
    (lambda p: optim.LARS(p, lr=-1), "Invalid learning rate: -1"),
    (lambda p: optim.LARS(p, trust_coefficient=0), "Invalid trust_coefficient value: 0"),
    (lambda p: optim.LARS(p, momentum=-0.1), "Invalid momentum value: -0.1"),
    (lambda p: optim.LAMB(p, betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    (lambda p: optim.LAMB(p, weight_decay=-1), "Invalid weight_decay value: -1"),
])
def test_invalid_hyperparameters(make, match):
    with pytest.raises(ValueError, match=match):
        make([gg.zeros(1, requires_grad=True)])
