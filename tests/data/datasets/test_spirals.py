"""two_spirals: float32 points and int64 labels, the same for the same generator seed, and
without noise every point lies on its own arm (radius t/3π at angle t + kπ)."""
import math

import numpy as np

import glassgrad as gg
from glassgrad.data.datasets import two_spirals


def test_shapes_dtypes_and_seeding():
    points, labels = two_spirals(200, generator=gg.Generator(3))
    assert points.shape == (200, 2) and points.dtype == np.float32
    assert labels.shape == (200,) and labels.dtype == np.int64
    assert set(np.unique(labels)) == {0, 1}
    again, same = two_spirals(200, generator=gg.Generator(3))
    np.testing.assert_array_equal(points, again)
    np.testing.assert_array_equal(labels, same)
    assert not np.array_equal(points, two_spirals(200, generator=gg.Generator(4))[0])


def test_without_noise_each_point_is_on_its_arm():
    points, labels = two_spirals(500, noise=0.0, generator=gg.Generator(0))
    radius = np.hypot(points[:, 0], points[:, 1]).astype(np.float64)
    assert radius.max() <= 1.0 + 1e-6                      # t <= 3π, divided by 3π
    t = radius * 3 * math.pi
    angle = np.arctan2(points[:, 1], points[:, 0])
    # the angle of the point equals t + kπ, up to whole turns
    difference = np.angle(np.exp(1j * (angle - t - math.pi * labels)))
    np.testing.assert_allclose(difference, 0.0, atol=1e-4)
