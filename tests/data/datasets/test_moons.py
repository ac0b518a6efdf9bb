"""two_moons: float32 points and int64 labels, the same for the same generator seed, and
without noise each class lies on its own half circle."""
import numpy as np

import glassgrad as gg
from glassgrad.data.datasets import two_moons


def test_shapes_dtypes_and_seeding():
    points, labels = two_moons(150, generator=gg.Generator(1))
    assert points.shape == (150, 2) and points.dtype == np.float32
    assert labels.shape == (150,) and labels.dtype == np.int64
    assert set(np.unique(labels)) == {0, 1}
    again, _ = two_moons(150, generator=gg.Generator(1))
    np.testing.assert_array_equal(points, again)


def test_without_noise_each_class_is_a_half_circle():
    points, labels = two_moons(400, noise=0.0, generator=gg.Generator(0))
    x, y = (points.astype(np.float64) * 1.5 + [0.5, 0.25]).T     # undo the centring
    upper, lower = labels == 0, labels == 1
    # label 0: (cos t, sin t); label 1: (1 - cos t, 0.5 - sin t); t in [0, π]
    np.testing.assert_allclose(x[upper] ** 2 + y[upper] ** 2, 1.0, atol=1e-5)
    np.testing.assert_allclose((x[lower] - 1) ** 2 + (y[lower] - 0.5) ** 2, 1.0, atol=1e-5)
    assert (y[upper] >= -1e-6).all() and (y[lower] <= 0.5 + 1e-6).all()
