"""Linear, Identity, Flatten, Unflatten against torch through the module harness."""
import math

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.autograd.gradcheck import gradcheck, gradgradcheck

from harness import arrays, check_module, check_state_dict_round_trip


def seeded(make):
    def build(seed):
        gg.manual_seed(seed)
        return make()
    return build


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(6, 5), (5,), (2, 3, 5)])
def test_linear_vs_torch(bias, shape):
    torch = pytest.importorskip("torch")
    gg.manual_seed(0)
    check_module(nn.Linear(5, 4, bias=bias), torch.nn.Linear(5, 4, bias=bias), arrays(0, shape))


def test_linear_on_a_tall_input_multiplies_in_blocks_with_the_same_result():
    """More than 2·GEMM_ROWS rows take the blocked product (a conv's rows do): same values,
    float64 in, float64 out, gradients unchanged."""
    from glassgrad.ops.linalg import GEMM_ROWS
    rows = 2 * GEMM_ROWS + 7                 # blocks, and a ragged last one
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        x = gg.tensor(rng.standard_normal((rows, 5)).astype(dtype), requires_grad=True)
        w = gg.tensor(rng.standard_normal((3, 5)).astype(dtype), requires_grad=True)
        b = gg.tensor(rng.standard_normal(3).astype(dtype))
        out = gg.nn.functional.linear(x, w, b)
        assert out.dtype == dtype and out.shape == (rows, 3)
        np.testing.assert_allclose(out._data, x._data @ w._data.T + b._data, rtol=1e-5,
                                   atol=1e-5)
        out.sum().backward()
        np.testing.assert_allclose(w.grad.numpy(), np.broadcast_to(x._data.sum(0), (3, 5)),
                                   rtol=1e-4)


def test_linear_state_dict_round_trip():
    check_state_dict_round_trip(seeded(lambda: nn.Linear(5, 3)), arrays(1, (4, 5)))


def test_linear_default_init_matches_torch_bounds():
    gg.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)          # kaiming_uniform_(a=√5) on fan_in 400 = U(±1/√400)
    for p in (layer.weight, layer.bias):
        assert p.dtype == np.float32
        assert np.abs(p._data).max() <= bound
        assert np.abs(p._data).max() > 0.95 * bound
    # a uniform on ±b has variance b²/3
    assert abs(layer.weight._data.var() / (bound ** 2 / 3) - 1) < 0.02


def test_linear_reproducible_from_seed():
    gg.manual_seed(3)
    a = nn.Linear(4, 4)
    gg.manual_seed(3)
    b = nn.Linear(4, 4)
    np.testing.assert_array_equal(a.weight._data, b.weight._data)


def test_linear_wrong_feature_count_names_layer_and_shapes():
    layer = nn.Linear(5, 4)
    with pytest.raises(RuntimeError, match=r"Linear\(in_features=5, out_features=4, bias=True\): "
                                           r"expected input of shape \(\*, 5\), got \(8, 3\)"):
        layer(gg.randn(8, 3))


def test_linear_second_derivative():
    layer = nn.Linear(3, 2).double()
    x = gg.randn(4, 3, dtype=gg.float64, requires_grad=True)
    assert gradcheck(lambda x, w, b: (layer(x) ** 2).sum(), (x, layer.weight, layer.bias))
    assert gradgradcheck(lambda x, w: (nn.functional.linear(x, w) ** 2).sum(),
                         (x, layer.weight))


def test_linear_repr_matches_torch():
    torch = pytest.importorskip("torch")
    assert repr(nn.Linear(3, 2, bias=False)) == repr(torch.nn.Linear(3, 2, bias=False))


def test_identity_flatten_unflatten_vs_torch():
    torch = pytest.importorskip("torch")
    x = arrays(2, (2, 3, 4, 5))
    check_module(nn.Identity(54, unused=True), torch.nn.Identity(54, unused=True), x)
    check_module(nn.Flatten(), torch.nn.Flatten(), x)
    check_module(nn.Flatten(0, 2), torch.nn.Flatten(0, 2), x)
    check_module(nn.Unflatten(2, (2, 2)), torch.nn.Unflatten(2, (2, 2)), x)
    check_module(nn.Unflatten(-1, (-1, 1)), torch.nn.Unflatten(-1, (-1, 1)), x)
    for ours, theirs in [(nn.Flatten(), torch.nn.Flatten()),
                         (nn.Unflatten(1, (2, 3)), torch.nn.Unflatten(1, (2, 3)))]:
        assert repr(ours) == repr(theirs)


def test_unflatten_round_trips_flatten_and_checks_sizes():
    x = gg.randn(2, 12)
    np.testing.assert_array_equal(nn.Flatten()(nn.Unflatten(1, (3, 4))(x))._data, x._data)
    with pytest.raises(RuntimeError, match=r"sizes \(5, 2\) do not multiply to dimension 1 of "
                                           r"the input of shape \(2, 12\)"):
        nn.Unflatten(1, (5, 2))(x)
    with pytest.raises(TypeError, match="tuple of ints"):
        nn.Unflatten(1, 12)
