"""overfit_one_batch: a healthy model memorises a batch; broken set-ups fail with a message."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn, optim
from glassgrad.debug import overfit_one_batch


def batch(n=16, seed=0):
    g = gg.Generator(seed)
    return gg.randn(n, 4, generator=g), gg.randint(0, 3, (n,), generator=g)


def mlp(seed=0):
    gg.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 3))


def test_a_healthy_model_memorises_one_batch_and_is_restored():
    model = mlp()
    before = {k: v._data.copy() for k, v in model.state_dict().items()}
    model.eval()
    result = overfit_one_batch(model, batch(), nn.CrossEntropyLoss(),
                               lambda params: optim.Adam(params, lr=1e-2))
    assert result.succeeded and result.final_loss <= 1e-2
    assert result.losses[0] > 0.5 and result.steps == len(result.losses) - 1 < 300
    assert str(result).startswith("overfit_one_batch: passed, the loss fell from ")
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value._data, before[key])
    assert not model.training                        # the caller's mode is kept


def test_without_restore_the_model_keeps_what_it_learnt():
    model = mlp()
    x, y = batch()
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    result = overfit_one_batch(model, (x, y), nn.CrossEntropyLoss(), optimizer, restore=False)
    assert result.succeeded
    assert nn.CrossEntropyLoss()(model(x), y).item() <= 1.5e-2


def test_broken_setups_fail_with_advice():
    x, y = batch()
    # A learning rate orders of magnitude too small gets nowhere in 25 steps.
    result = overfit_one_batch(mlp(), (x, y), nn.CrossEntropyLoss(),
                               lambda params: optim.SGD(params, lr=1e-6), steps=25)
    assert not result.succeeded and result.steps == 25 and len(result.losses) == 25
    assert "FAILED" in str(result) and "gradient_flow" in str(result)
    # A frozen model (no trainable parameter reached by backprop) cannot move either.
    frozen = mlp()
    head = nn.Linear(3, 3)
    model = nn.Sequential(frozen, head)
    for p in frozen.parameters():
        p.requires_grad_(False)
    with gg.no_grad():
        head.weight.fill_(0.0)
    result = overfit_one_batch(model, (x, y), nn.CrossEntropyLoss(),
                               lambda params: optim.SGD([p for p in params if p.requires_grad],
                                                        lr=1e-3), steps=10)
    assert not result.succeeded


def test_nan_loss_stops_early():
    model = mlp()
    result = overfit_one_batch(model, batch(), lambda out, t: out.sum() * float("nan"),
                               lambda params: optim.SGD(params, lr=0.1))
    assert not result.succeeded and len(result.losses) == 1 and np.isnan(result.final_loss)


def test_argument_errors():
    model = mlp()
    with pytest.raises(TypeError, match=r"batch must be a pair \(inputs, targets\), got tuple "
                                        r"of length 3"):
        overfit_one_batch(model, (1, 2, 3), nn.CrossEntropyLoss(), optim.SGD(
            model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match="steps must be a positive integer, got 0"):
        overfit_one_batch(model, batch(), nn.CrossEntropyLoss(), optim.SGD(
            model.parameters(), lr=0.1), steps=0)
    with pytest.raises(TypeError, match="optimizer must be an Optimizer or a function params -> "
                                        "Optimizer, got str"):
        overfit_one_batch(model, batch(), nn.CrossEntropyLoss(), "adam")
