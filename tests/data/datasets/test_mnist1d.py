"""MNIST-1D: our generator against the reference package (bit for bit), shapes and dtypes,
no global random state touched, and the .npz cache."""
import os
import random
from dataclasses import replace

import numpy as np
import pytest

from glassgrad.data import split_of
from glassgrad.data.datasets import MNIST1DArgs, load_mnist1d, make_mnist1d
from glassgrad.data.datasets.mnist1d import _gaussian_smooth, templates

KEYS = ("x", "y", "x_test", "y_test")


def reference(args):
    """The mnist1d package's make_dataset (no file I/O; it reseeds numpy's global RNG, so the
    global state is saved and restored around it)."""
    data = pytest.importorskip("mnist1d.data")
    state, py_state = np.random.get_state(), random.getstate()
    try:
        ref_args = data.get_dataset_args()
        for key, value in vars(args).items():
            setattr(ref_args, key, list(value) if key == "padding" else value)
        return data.make_dataset(ref_args)
    finally:
        np.random.set_state(state)
        random.setstate(py_state)


@pytest.mark.parametrize("args", [MNIST1DArgs(),
                                  MNIST1DArgs(num_samples=600, seed=3, shuffle_seq=True,
                                              train_split=0.5, final_seq_length=30)])
def test_generator_reproduces_reference_exactly(args):
    ref = reference(args)
    ours = make_mnist1d(args)
    for key in KEYS:
        np.testing.assert_array_equal(ours[key], ref[key], err_msg=key)
    np.testing.assert_array_equal(templates(), reference_templates())


def reference_templates():
    return pytest.importorskip("mnist1d.data").get_templates()["x"]


def test_gaussian_smooth_equals_scipy_bit_for_bit():
    ndimage = pytest.importorskip("scipy.ndimage")
    rng = np.random.default_rng(0)
    for n in (5, 17, 72):
        x = rng.standard_normal(n)
        np.testing.assert_array_equal(_gaussian_smooth(x), ndimage.gaussian_filter(x, 2))
    rows = rng.standard_normal((3, 72))
    np.testing.assert_array_equal(_gaussian_smooth(rows)[1], ndimage.gaussian_filter(rows[1], 2))


def test_load_shapes_dtypes_flags_and_no_global_state():
    state = np.random.get_state()[1].copy()
    x_train, y_train, x_test, y_test = load_mnist1d()
    np.testing.assert_array_equal(np.random.get_state()[1], state)   # global RNG untouched
    assert x_train.shape == (4000, 40) and x_test.shape == (1000, 40)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    assert sorted(np.unique(y_train)) == list(range(10))
    assert split_of(x_test) == "test" and split_of(x_train) == "train"
    x_train[0] = 99.0                                   # callers get copies of the memory cache
    assert load_mnist1d().x_train[0, 0] != 99.0


def test_npz_cache_round_trip_and_args_mismatch(tmp_path):
    path = str(tmp_path / "mnist1d.npz")
    small = MNIST1DArgs(num_samples=100)
    first = load_mnist1d(small, cache=path)
    assert os.path.exists(path) and os.listdir(tmp_path) == ["mnist1d.npz"]
    with np.load(path, allow_pickle=False) as f:       # a plain .npz, no pickle
        np.testing.assert_array_equal(f["x_train"], first.x_train)
    second = load_mnist1d(small, cache=path)
    np.testing.assert_array_equal(second.x_test, first.x_test)
    other = load_mnist1d(replace(small, seed=1), cache=path)   # other args: regenerated
    assert not np.array_equal(other.x_train, first.x_train)
    with pytest.raises(ValueError, match=r"cache must be a path ending in .npz, got 'data.pkl'"):
        load_mnist1d(small, cache="data.pkl")
