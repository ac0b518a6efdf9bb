"""Optimisers' hyper-parameters of the wrong type or sign, and an optimiser's load_state_dict
that must not half-load (issue 18)."""
import re

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim

torch = pytest.importorskip("torch")


def _param():
    return gg.tensor([1.0, -2.0], requires_grad=True)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "RAdam"])
@pytest.mark.parametrize("value", ["0.1", None, [0.1], True])
def test_non_numeric_learning_rates_say_so(name, value):
    with pytest.raises(TypeError, match=rf"Invalid learning rate: {re.escape(repr(value))} "
                                        rf"\({name} expects a number, got "
                                        rf"{type(value).__name__}\)"):
        getattr(optim, name)([_param()], lr=value)


@pytest.mark.parametrize("name, kwargs, message", [
    ("SGD", dict(lr=0.1, momentum="0.9"), r"Invalid momentum value: '0.9'"),
    ("SGD", dict(lr=0.1, weight_decay="1e-4"), r"Invalid weight_decay value: '1e-4'"),
    ("Adam", dict(betas=("0.9", 0.999)), r"Invalid beta parameter at index 0: '0.9'"),
    ("Adam", dict(eps="1e-8"), r"Invalid epsilon value: '1e-8'"),
    ("RMSprop", dict(alpha=None), r"Invalid alpha value: None"),
])
def test_other_non_numeric_hyperparameters_say_so(name, kwargs, message):
    with pytest.raises(TypeError, match=message):
        getattr(optim, name)([_param()], **kwargs)


@pytest.mark.parametrize("name, kwargs", [
    ("SGD", dict(lr=-0.1)), ("SGD", dict(lr=0.1, momentum=-1)),
    ("SGD", dict(lr=0.1, weight_decay=-1)), ("Adam", dict(lr=-1e-3)),
    ("Adam", dict(betas=(1.0, 0.9))), ("Adam", dict(eps=-1)), ("Adam", dict(weight_decay=-1)),
    ("RMSprop", dict(alpha=-1)), ("Adagrad", dict(lr_decay=-1))
])
def test_negative_hyperparameters_in_torchs_words(name, kwargs):
    with pytest.raises(ValueError) as torch_error:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError) as ours:
        getattr(optim, name)([_param()], **kwargs)
    assert str(ours.value).startswith(str(torch_error.value))


def test_a_failed_optimizer_load_leaves_it_as_it_was():
    a, b = _param(), _param()
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    (a * a + b * b).sum().backward()
    opt.step()
    before_state = {id(p): {k: np.array(v._data) for k, v in s.items()}
                    for p, s in opt.state.items()}
    before_groups = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
    good = opt.state_dict()
    bad_lr = {"state": good["state"],
              "param_groups": [dict(good["param_groups"][0], lr=0.3),
                               dict(good["param_groups"][1], lr="fast")]}
    bad_shape = {"state": {0: {"momentum_buffer": np.zeros(5)}},
                 "param_groups": [dict(g, lr=0.2) for g in good["param_groups"]]}
    for bad, error in ((bad_lr, TypeError), (bad_shape, ValueError),
                       ({"param_groups": good["param_groups"]}, ValueError)):
        with pytest.raises(error):
            opt.load_state_dict(bad)
        assert [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups] \
            == before_groups
        assert {id(p): {k: np.array(v._data) for k, v in s.items()}
                for p, s in opt.state.items()}.keys() == before_state.keys()
        for p, s in opt.state.items():
            for k, v in s.items():
                np.testing.assert_array_equal(v._data, before_state[id(p)][k])
