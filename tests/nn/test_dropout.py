"""Dropout: inverted scaling keeps the expected value, eval is the identity, the gradient is
masked like the output, and generator= makes masks reproducible."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.nn import functional as F

from harness import arrays, check_module


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_inverted_scaling_keeps_expected_value(p):
    x = gg.full((400, 500), 2.0)
    out = F.dropout(x, p, training=True, generator=gg.Generator(0))
    kept = out._data != 0
    assert out.dtype == np.float32
    assert abs(1 - kept.mean() - p) < 0.01                      # fraction dropped ≈ p
    np.testing.assert_allclose(out._data[kept], 2.0 / (1 - p), rtol=1e-6)
    assert abs(out._data.mean() / 2.0 - 1) < 0.02                 # E[output] = input


def test_gradient_uses_the_same_mask_and_scale():
    x = gg.randn(50, 40, requires_grad=True)
    out = F.dropout(x, 0.3, generator=gg.Generator(1))
    out.sum().backward()
    mask = out._data != 0
    np.testing.assert_allclose(x.grad._data, mask / 0.7, rtol=1e-6)
    assert x.grad.dtype == np.float32


def test_eval_mode_is_identity_and_train_mode_drops():
    layer = nn.Dropout(0.5)
    x = gg.randn(20, 30)
    assert (layer(x)._data == 0).any()
    layer.eval()
    np.testing.assert_array_equal(layer(x)._data, x._data)
    np.testing.assert_array_equal(F.dropout(x, 0.9, training=False)._data, x._data)


def test_generator_reproducible_and_independent():
    x = gg.ones(30, 30)
    a = nn.Dropout(0.5, generator=gg.Generator(4))(x)
    b = nn.Dropout(0.5, generator=gg.Generator(4))(x)
    c = nn.Dropout(0.5, generator=gg.Generator(5))(x)
    np.testing.assert_array_equal(a._data, b._data)
    assert not np.array_equal(a._data, c._data)
    gg.manual_seed(2)
    d = F.dropout(x)
    gg.manual_seed(2)
    np.testing.assert_array_equal(d._data, F.dropout(x)._data)


def test_p_zero_and_one():
    x = gg.randn(4, 5, requires_grad=True)
    np.testing.assert_array_equal(F.dropout(x, 0.0)._data, x._data)
    out = F.dropout(x, 1.0)
    assert not out._data.any()
    out.sum().backward()
    assert not x.grad._data.any()


def test_bad_probability():
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but "
                                         "got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="but got -0.1"):
        F.dropout(gg.ones(2), -0.1)


def test_vs_torch_where_deterministic():
    torch = pytest.importorskip("torch")
    x = arrays(0, (6, 7))
    check_module(nn.Dropout(0.4), torch.nn.Dropout(0.4), x, modes=("eval",))
    check_module(nn.Dropout(0.0), torch.nn.Dropout(0.0), x)
    assert repr(nn.Dropout(0.4)) == repr(torch.nn.Dropout(0.4))
