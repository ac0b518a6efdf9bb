"""Edge cases where glassgrad must answer as torch does (each failed before its fix)."""
import numpy as np

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
