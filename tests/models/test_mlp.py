"""MLP helper: layer layout and names equal torch's Sequential, outputs and gradients vs torch,
activations and dropout options, training on a small problem, errors."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.models import MLP
from glassgrad.nn import functional as F

from nn.harness import check_module, check_state_dict_round_trip   # tests/nn/harness.py


def test_layout_and_state_dict_keys_match_torch_sequential():
    torch = pytest.importorskip("torch")
    model = MLP(784, [512, 256], 10, dropout=0.1)
    theirs = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Dropout(0.1),
                                 torch.nn.Linear(512, 256), torch.nn.ReLU(), torch.nn.Dropout(0.1),
                                 torch.nn.Linear(256, 10))
    assert list(model.state_dict()) == list(theirs.state_dict())
    assert repr(model).replace("MLP(", "Sequential(", 1) == repr(theirs)
    theirs.load_state_dict({k: torch.tensor(v._data) for k, v in model.state_dict().items()})
    model.eval()
    theirs.eval()
    x = np.random.default_rng(0).standard_normal((4, 784)).astype(np.float32)
    np.testing.assert_allclose(model(gg.tensor(x))._data,
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)


def test_outputs_and_all_gradients_vs_torch_in_both_modes():
    torch = pytest.importorskip("torch")
    gg.manual_seed(0)
    model = MLP(6, [16, 8], 3, activation="gelu", dropout=0.0)
    theirs = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.GELU(), torch.nn.Linear(16, 8),
                                 torch.nn.GELU(), torch.nn.Linear(8, 3))
    x = np.random.default_rng(1).standard_normal((5, 6)).astype(np.float32)
    check_module(model, theirs, [x])

    def make(seed):
        gg.manual_seed(seed)
        return MLP(6, [16], 3, dropout=0.3)
    check_state_dict_round_trip(make, [x])


@pytest.mark.parametrize("activation, kind", [("tanh", nn.Tanh), ("gelu", nn.GELU),
                                              (nn.Sigmoid, nn.Sigmoid),
                                              (lambda: nn.LeakyReLU(0.2), nn.LeakyReLU)])
def test_activation_choices(activation, kind):
    model = MLP(3, [5, 5], 2, activation=activation)
    acts = [m for m in model if not isinstance(m, nn.Linear)]
    assert len(acts) == 2 and all(isinstance(m, kind) for m in acts) and acts[0] is not acts[1]
    assert model(gg.randn(7, 3)).shape == (7, 2)


def test_no_hidden_layers_is_linear_and_no_bias_option():
    model = MLP(3, [], 2, bias=False)
    assert len(model) == 1 and isinstance(model[0], nn.Linear) and model[0].bias is None


def test_dropout_only_in_training():
    model = MLP(10, [50], 1, dropout=0.5)
    x = gg.randn(4, 10)
    model.eval()
    np.testing.assert_array_equal(model(x)._data, model(x)._data)
    model.train()
    gg.manual_seed(0)
    a = model(x)._data
    gg.manual_seed(1)
    assert not np.array_equal(a, model(x)._data)


def test_learns_two_spirals_subset():
    """A 2-32-32-2 tanh MLP fits a small nonlinear problem (XOR-like quadrants) with SGD."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (200, 2)).astype(np.float32)
    y = ((x[:, 0] > 0) ^ (x[:, 1] > 0)).astype(np.int64)
    gg.manual_seed(0)
    model = MLP(2, [32, 32], 2, activation="tanh")
    xs, ys = gg.tensor(x), gg.tensor(y)
    for _ in range(300):
        model.zero_grad()
        loss = F.cross_entropy(model(xs), ys)
        loss.backward()
        with gg.no_grad():
            for p in model.parameters():
                p._data -= 0.5 * p.grad._data
    accuracy = (model(xs)._data.argmax(1) == y).mean()
    assert accuracy > 0.95, accuracy


def test_errors():
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        MLP(2, [3], 1, activation="swish")
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\), got 1.0"):
        MLP(2, [3], 1, dropout=1.0)
    with pytest.raises(TypeError, match="activation\\(\\) returned int, not a Module"):
        MLP(2, [3], 1, activation=lambda: 3)
    with pytest.raises(RuntimeError, match=r"Linear\(in_features=2, .*got \(4, 3\)"):
        MLP(2, [3], 1)(gg.randn(4, 3))
