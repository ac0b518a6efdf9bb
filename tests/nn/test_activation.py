"""Activation layers and functions against torch: values, gradients, second derivatives,
stability at extreme inputs, and float32 throughout."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.autograd.gradcheck import gradcheck, gradgradcheck
from glassgrad.nn import functional as F

from harness import arrays, check_module

# (glassgrad layer, torch layer name, torch constructor args)
LAYERS = [
    (lambda: nn.ReLU(), "ReLU", ()),
    (lambda: nn.LeakyReLU(0.2), "LeakyReLU", (0.2,)),
    (lambda: nn.Sigmoid(), "Sigmoid", ()),
    (lambda: nn.Tanh(), "Tanh", ()),
    (lambda: nn.GELU(), "GELU", ()),
    (lambda: nn.GELU("tanh"), "GELU", ("tanh",)),
    (lambda: nn.Softplus(), "Softplus", ()),
    (lambda: nn.Softplus(2.0, 5.0), "Softplus", (2.0, 5.0)),
    (lambda: nn.SiLU(), "SiLU", ()),
    (lambda: nn.ELU(0.5), "ELU", (0.5,)),
    (lambda: nn.Softmax(dim=1), "Softmax", (1,)),
    (lambda: nn.Softmax(dim=-1), "Softmax", (-1,)),
    (lambda: nn.LogSoftmax(dim=1), "LogSoftmax", (1,)),
]


@pytest.mark.parametrize("make, torch_name, args", LAYERS,
                         ids=[f"{n}{a}" for _, n, a in LAYERS])
def test_layer_vs_torch(make, torch_name, args):
    torch = pytest.importorskip("torch")
    x = arrays(0, (4, 5, 3))[0] * 3
    x[0, 0, :] = 0.0                        # the kink of relu/softplus/elu, where bugs hide
    ours, theirs = make(), getattr(torch.nn, torch_name)(*args)
    check_module(ours, theirs, [x])
    assert repr(ours) == repr(theirs)


FUNCTIONS = [
    ("relu", {}), ("leaky_relu", {"negative_slope": 0.1}), ("sigmoid", {}), ("tanh", {}),
    ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("softplus", {"beta": 0.5}), ("silu", {}),
    ("elu", {"alpha": 2.0}), ("logsigmoid", {}), ("softmax", {"dim": 0}),
    ("log_softmax", {"dim": -1}),
]


@pytest.mark.parametrize("name, kwargs", FUNCTIONS, ids=[f"{n}{k}" for n, k in FUNCTIONS])
def test_functional_stable_at_extremes(name, kwargs):
    """Values and gradients equal torch's at ±1e4 and stay finite (no overflow in unused
    branches)."""
    torch = pytest.importorskip("torch")
    values = np.array([[-1e4, -50.0, -1.0, 0.0, 1.0, 50.0, 1e4]], dtype=np.float32)
    ours = gg.tensor(values, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    out = getattr(F, name)(ours, **kwargs)
    ref = getattr(torch.nn.functional, name)(theirs, **kwargs)
    np.testing.assert_allclose(out._data, ref.detach().numpy(), rtol=1e-5, atol=1e-6)
    out.sum().backward()
    ref.sum().backward()
    assert np.isfinite(ours.grad._data).all() and ours.grad.dtype == np.float32
    np.testing.assert_allclose(ours.grad._data, theirs.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, kwargs", FUNCTIONS, ids=[f"{n}{k}" for n, k in FUNCTIONS])
def test_functional_second_derivative(name, kwargs):
    x = gg.tensor(np.array([[-2.0, -0.7, 0.3, 1.1], [0.6, -1.4, 2.2, -0.2]]), requires_grad=True)
    fn = getattr(F, name)
    assert gradcheck(lambda t: fn(t, **kwargs), (x,))
    if name not in ("relu", "leaky_relu"):          # piecewise linear: second derivative is 0
        assert gradgradcheck(lambda t: fn(t, **kwargs), (x,))


def test_softmax_implicit_dim_warns_like_torch():
    x = gg.randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = F.softmax(x)
    np.testing.assert_allclose(out._data.sum(1), 1.0, rtol=1e-6)
    assert F.log_softmax(x, dim=1, dtype=gg.float64).dtype == np.float64


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh'"):
        nn.GELU("fast")
