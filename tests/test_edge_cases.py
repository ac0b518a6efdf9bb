"""Edge cases where glassgrad must answer as torch does (each failed before its fix)."""
import numpy as np
import pytest

import glassgrad as gg


def test_the_gradient_of_x_to_the_zero_is_zero_also_at_zero():
    x = gg.tensor([0.0, 2.0], requires_grad=True)
    (x ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])
    x = gg.tensor([0.0, 2.0], requires_grad=True)
    (x ** gg.tensor([0.0, 1.0])).sum().backward()          # a tensor exponent, torch: [0, 1]
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0])


def test_var_without_degrees_of_freedom_is_inf_or_nan_never_negative():
    assert gg.tensor([1.0, 2.0]).var(correction=3).item() == np.inf
    assert gg.tensor([1.0, 2.0]).var(correction=2).item() == np.inf
    assert np.isnan(gg.tensor([1.0, 1.0]).var(correction=2).item())
    assert np.isclose(gg.tensor([1.0, 2.0]).var().item(), 0.5)


def test_max_and_min_of_an_integer_tensor():
    assert gg.tensor([1, 5, 3]).max().item() == 5 and gg.tensor([1, 5, 3]).min().item() == 1
    assert gg.tensor([2, 2]).amax().item() == 2          # ties among integers


def test_float_ops_on_small_integers_give_float32_as_torch():
    x = gg.tensor(np.array([1, 4], dtype=np.uint8))
    assert x.sqrt().dtype == np.float32 and (x * 0.5).dtype == np.float32
    assert gg.tensor(np.array([1, 4], dtype=np.float16)).sqrt().dtype == np.float16


def test_a_0d_tensor_reduces_over_dim_0_or_minus_1_as_torch():
    x = gg.tensor(3.0, requires_grad=True)
    assert x.sum(0).item() == 3.0 and x.mean(-1).item() == 3.0
    x.sum(0).backward()
    assert x.grad.item() == 1.0


def test_bad_sizes_and_ragged_lists_get_clear_errors():
    with pytest.raises(RuntimeError, match="zeros: trying to create a tensor with negative "
                                           "dimension -1"):
        gg.zeros(-1)
    with pytest.raises(TypeError, match="randn: size must be a tuple of ints, but found element "
                                        "of type float at pos 0"):
        gg.randn(2.5)
    with pytest.raises(ValueError, match="rows of different lengths"):
        gg.tensor([[1, 2], [3]])
    assert gg.zeros(np.int64(2), 3).shape == (2, 3)      # numpy integers are sizes too


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_dims_out_of_range_raise_naming_the_op(name):
    x = gg.randn(2, 3)
    with pytest.raises(IndexError, match=f"^{name}: Dimension out of range .* but got 2"):
        getattr(gg.nn.functional, name)(x, dim=2)
    with pytest.raises(IndexError, match=f"^{name}: Dimension out of range"):
        getattr(gg, name)(x, -3)
