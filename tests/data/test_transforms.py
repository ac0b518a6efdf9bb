"""Augmentation: each transform's effect, per-sample draws in a batch, seeding, types and
shapes kept, the numpy rotation equal to scipy's, and the errors."""
import importlib.util
import sys

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data import transforms as T


def images(n=16, c=2, h=6, w=7, seed=0):
    return np.random.default_rng(seed).random((n, c, h, w)).astype(np.float32)


def test_flips_act_per_sample():
    x = images()
    out = T.RandomHorizontalFlip(p=0.5, generator=gg.Generator(0))(x)
    flipped = [np.array_equal(o, s[..., ::-1]) for o, s in zip(out, x)]
    kept = [np.array_equal(o, s) for o, s in zip(out, x)]
    assert all(f or k for f, k in zip(flipped, kept)) and any(flipped) and any(kept)
    out = T.RandomVerticalFlip(p=1.0)(x[0])                 # one (C, H, W) image
    np.testing.assert_array_equal(out, x[0][:, ::-1, :])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=0.0)(x), x)


def test_same_generator_seed_same_augmentation():
    x = images()

    def make(seed):
        return T.Compose([T.RandomCrop(6, padding=1, generator=gg.Generator(seed)),
                          T.Cutout(3, generator=gg.Generator(seed)),
                          T.GaussianNoise(0.1, generator=gg.Generator(seed))])
    np.testing.assert_array_equal(make(4)(x), make(4)(x))
    assert not np.array_equal(make(4)(x), make(5)(x))
    assert "RandomCrop(size=(6, 6), padding=1" in repr(make(4))


def test_tensor_in_tensor_out_float32_kept():
    x = gg.tensor(images(4))
    for transform in [T.RandomHorizontalFlip(), T.RandomVerticalFlip(), T.RandomRotation(30),
                      T.RandomCrop(5, padding=2), T.Cutout(2), T.GaussianNoise(0.1)]:
        out = transform(x)
        assert isinstance(out, gg.Tensor) and out.dtype == np.float32, transform
    assert T.RandomCrop(5, padding=2)(x).shape == (4, 2, 5, 5)
    assert T.GaussianNoise(0.1)(np.zeros(3, dtype=np.uint8)).dtype == np.float32


def test_random_crop_is_a_window_of_the_padded_image():
    x = images(8, h=5, w=5)
    out = T.RandomCrop((5, 5), padding=2, fill=-1.0, generator=gg.Generator(0))(x)
    padded = np.pad(x, [(0, 0), (0, 0), (2, 2), (2, 2)], constant_values=-1.0)
    for o, p in zip(out, padded):
        windows = [p[:, i:i + 5, j:j + 5] for i in range(5) for j in range(5)]
        assert any(np.array_equal(o, win) for win in windows)
    with pytest.raises(ValueError, match=r"crop size \(9, 9\) is larger than the padded image "
                                         r"\(7, 7\)"):
        T.RandomCrop(9, padding=1)(x)


def test_cutout_masks_one_patch_per_hole():
    x = np.ones((20, 1, 10, 10), np.float32)
    out = T.Cutout(4, n_holes=1, generator=gg.Generator(0))(x)
    zeros = (out == 0).sum(axis=(1, 2, 3))
    assert zeros.max() == 16 and zeros.min() >= 4          # a patch, clipped at the border
    for o in out[:, 0]:                                      # the masked pixels form a rectangle
        rows, cols = np.nonzero(o == 0)
        assert len(rows) == (np.ptp(rows) + 1) * (np.ptp(cols) + 1)
    more = T.Cutout(2, n_holes=5, fill=0.5, generator=gg.Generator(0))(x)
    assert set(np.unique(more)) <= {0.5, 1.0}


def test_gaussian_noise_statistics():
    x = np.zeros((200, 50), np.float32)
    out = T.GaussianNoise(std=0.5, mean=1.0, generator=gg.Generator(0))(x)
    assert abs(out.mean() - 1.0) < 0.01 and abs(out.std() - 0.5) < 0.01


def test_rotation_by_90_is_rot90_and_angles_stay_in_range():
    square = images(1, c=1, h=7, w=7)
    backends = [False] + ([True] if importlib.util.find_spec("scipy") else [])
    for interpolation in ("nearest", "bilinear"):
        for use_scipy in backends:
            out = T.rotate(square, [90.0], interpolation, use_scipy=use_scipy)
            np.testing.assert_allclose(out[0, 0], np.rot90(square[0, 0]), atol=1e-6)
    same = T.RandomRotation((0, 0))(square)
    np.testing.assert_allclose(same, square, atol=1e-6)
    with pytest.raises(ValueError, match=r"degrees must be a number or \(min, max\)"):
        T.RandomRotation((10, -10))
    with pytest.raises(ValueError, match="interpolation must be 'nearest' or 'bilinear'"):
        T.rotate(square, [1.0], "cubic")


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_numpy_rotation_equals_scipy(interpolation):
    pytest.importorskip("scipy")
    x = images(6, h=9, w=11)
    angles = [33.0, -71.5, 180.0, 12.25, 0.0, 270.0]
    ours = T.rotate(x, angles, interpolation, fill=0.25, use_scipy=False)
    scipys = T.rotate(x, angles, interpolation, fill=0.25, use_scipy=True)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, scipys, atol=1e-5)


def test_random_shift_roll_and_pad():
    signals = np.arange(2 * 3 * 10, dtype=np.float32).reshape(2, 3, 10)
    out = T.RandomShift(3, mode="roll", generator=gg.Generator(0))(signals)
    for o, s in zip(out, signals):
        shifts = [k for k in range(-3, 4) if np.array_equal(o, np.roll(s, k, axis=-1))]
        assert len(shifts) == 1                   # every channel shifted together
    one = np.arange(1.0, 9.0, dtype=np.float32)  # an (L,) signal
    out = T.RandomShift(2, mode="pad", fill=-1.0, generator=gg.Generator(1))(one)
    assert out.shape == (8,)
    k = [k for k in range(-2, 3) if np.array_equal(
        out, np.where((np.arange(8) - k >= 0) & (np.arange(8) - k < 8),
                      np.roll(one, k), -1.0))]
    assert len(k) == 1
    with pytest.raises(ValueError, match="mode must be 'roll' or 'pad'"):
        T.RandomShift(2, mode="wrap")


def test_random_scale_per_sample():
    signals = np.ones((50, 2, 5), np.float32)
    out = T.RandomScale(0.5, 2.0, generator=gg.Generator(0))(gg.tensor(signals))
    factors = out._data[:, 0, 0]
    assert np.all(out._data == factors[:, None, None])          # one factor per sample
    assert factors.min() >= 0.5 and factors.max() <= 2.0 and np.unique(factors).size == 50
    with pytest.raises(ValueError, match="need low <= high"):
        T.RandomScale(2, 1)


def test_wrong_shapes_are_named():
    with pytest.raises(ValueError, match=r"RandomHorizontalFlip: expected an image \(C, H, W\) "
                                         r"or a batch \(N, C, H, W\), got shape \(5, 5\)"):
        T.RandomHorizontalFlip()(np.zeros((5, 5)))
    with pytest.raises(ValueError, match=r"RandomShift: expected a signal \(L,\) or \(C, L\), "
                                         r"or a batch \(N, C, L\), got shape \(1, 2, 3, 4\)"):
        T.RandomShift(1)(np.zeros((1, 2, 3, 4)))


def test_rotation_without_scipy_uses_numpy(monkeypatch):
    x = images(2, h=5, w=5)
    with_scipy = T.RandomRotation(40, generator=gg.Generator(0))(x)
    for name in ("scipy", "scipy.ndimage"):
        monkeypatch.setitem(sys.modules, name, None)        # import now raises ImportError
    without = T.RandomRotation(40, generator=gg.Generator(0))(x)
    np.testing.assert_allclose(without, with_scipy, atol=1e-5)
    with pytest.raises(ImportError):
        T.rotate(x, [10.0, 20.0], use_scipy=True)
