"""quant.taylor: exact g and H, the Taylor objective over every rounding, and the rounding
choices it reads back (nearest, from a rounded weight)."""
import numpy as np
import pytest

from glassgrad import Tensor
from glassgrad.quant import round_nearest, taylor


def quadratic(a, b):
    """L(w) = ½ wᵀAw + bᵀw on a (2, 3) weight: g = Aw + b and H = A exactly."""
    def loss(w):
        flat = w.reshape(6)
        return 0.5 * (flat * (Tensor(a) @ flat)).sum() + (Tensor(b) * flat).sum()
    return loss


def test_gradient_and_hessian_are_exact_on_a_quadratic():
    rng = np.random.default_rng(0)
    m = rng.standard_normal((6, 6))
    a, b = m @ m.T + np.eye(6), rng.standard_normal(6)
    w = rng.standard_normal((2, 3))
    g, h = taylor.gradient_and_hessian(quadratic(a, b), w)
    np.testing.assert_allclose(g, a @ w.ravel() + b, atol=1e-10)
    np.testing.assert_allclose(h, a, atol=1e-10)


def test_taylor_equals_the_true_change_for_a_quadratic_loss():
    rng = np.random.default_rng(1)
    m = rng.standard_normal((6, 6))
    a, b = m @ m.T, rng.standard_normal(6)
    w = rng.standard_normal((2, 3))
    study = taylor.rounding_study(quadratic(a, b), w, bits=3)
    assert study["true"].shape == (64,)
    np.testing.assert_allclose(study["taylor"], study["true"], atol=1e-9)
    assert study["best"]["taylor"] == study["best"]["true"]
    assert study["spearman"]["taylor"] > 0.999


def test_roundings_nearest_and_reading_back_a_rounded_weight():
    rng = np.random.default_rng(2)
    w = rng.standard_normal((3, 4)).astype(np.float32)
    # the largest |w| sits on the tie w/s = -7.5 if negative, where float32 and float64
    # division may round differently; positive, it is clamped to q_max either way
    w.flat[np.abs(w).argmax()] = np.abs(w).max()
    up = taylor.all_roundings(w.size)
    assert up.shape == (4096, 12) and set(np.unique(up)) == {0.0, 1.0}
    nearest = taylor.nearest_up(w, 4)
    delta = taylor.rounding_deltas(w, nearest[None, :], 4)[0]
    np.testing.assert_allclose(w.ravel() + delta, round_nearest(w, 4, per_channel=False).ravel(),
                               atol=1e-6)
    rounded = round_nearest(w, 4, per_channel=False)
    np.testing.assert_array_equal(taylor.up_from_rounded(w, rounded, 4), nearest)
    assert (up[taylor.index_of(up, nearest)] == nearest).all()
    # every Δw lies within one grid step of w
    _, scale, _, _ = taylor.grid(w, 4)
    deltas = taylor.rounding_deltas(w, up[:50], 4)
    assert np.all(np.abs(deltas) <= scale.ravel()[None, :] + 1e-6)


def test_local_objective_is_the_layer_output_error():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((10, 4))
    deltas = rng.standard_normal((5, 8))
    direct = [np.mean(np.sum((x @ d.reshape(2, 4).T) ** 2, axis=1)) for d in deltas]
    np.testing.assert_allclose(taylor.local_objective(deltas, x, 2), direct)


def test_exhaustive_search_refuses_too_many_weights():
    with pytest.raises(ValueError, match="1 to 16 weights"):
        taylor.all_roundings(17)
