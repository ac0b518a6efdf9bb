"""Making tensors: tensor, as_tensor, from_numpy, zeros, ones, empty, full, arange, linspace,
eye and the *_like forms; dtypes as torch picks them (float32 for Python floats), shapes given
as varargs or a tuple, and the default dtype."""
import numpy as np
import pytest

import glassgrad as gg

torch = pytest.importorskip("torch")

TORCH_DTYPES = {torch.float32: np.float32, torch.float64: np.float64, torch.int64: np.int64,
                torch.int32: np.int32, torch.bool: np.bool_}


def _same(ours, theirs):
    """Same values, shape and dtype as torch's tensor."""
    assert isinstance(ours, gg.Tensor)
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == TORCH_DTYPES[theirs.dtype], (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours._data, theirs.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("data", [
    [1.0, 2.5], [[1, 2], [3, 4]], [True, False], 3.5, 7, [], [1, 2.5],
    np.arange(3.0), np.arange(3, dtype=np.int32), np.float32(2.0), [[0.1] * 3] * 2])
def test_tensor_dtypes_follow_torch(data):
    _same(gg.tensor(data), torch.tensor(data))


def test_tensor_with_dtype_and_requires_grad():
    x = gg.tensor([1, 2], dtype=gg.float64, requires_grad=True)
    assert x.dtype == np.float64 and x.requires_grad and x.is_leaf
    assert gg.tensor([1.7, 2.2], dtype=gg.int64).tolist() == [1, 2]


def test_tensor_copies_its_data():
    array = np.zeros(3, dtype=np.float32)
    t = gg.tensor(array)
    array[0] = 5.0
    assert t.tolist() == [0.0, 0.0, 0.0]
    u = gg.tensor(t)                      # from a tensor: a copy too
    assert not np.shares_memory(u._data, t._data)


def test_as_tensor_and_from_numpy_share_memory():
    array = np.zeros(3, dtype=np.float64)
    for t in (gg.as_tensor(array), gg.from_numpy(array)):
        assert np.shares_memory(t._data, array) and t.dtype == np.float64
    assert not np.shares_memory(gg.as_tensor(array, dtype=gg.float32)._data, array)
    t = gg.ones(2)
    assert gg.as_tensor(t) is t
    assert gg.as_tensor([1.0, 2.0]).dtype == np.float32


@pytest.mark.parametrize("name", ["zeros", "ones"])
def test_zeros_and_ones(name):
    ours, theirs = getattr(gg, name), getattr(torch, name)
    _same(ours(2, 3), theirs(2, 3))
    _same(ours((2, 3)), theirs((2, 3)))
    _same(ours([4]), theirs([4]))
    _same(ours(()), theirs(()))
    _same(ours(2, dtype=gg.int64), theirs(2, dtype=torch.int64))
    _same(ours(2, 2, dtype=gg.float64), theirs(2, 2, dtype=torch.float64))


def test_empty_has_the_shape_and_dtype():
    e = gg.empty(3, 2)
    assert e.shape == (3, 2) and e.dtype == np.float32
    assert gg.empty((4,), dtype=gg.int32).dtype == np.int32


@pytest.mark.parametrize("value", [1.5, 3, True, -2.0])
def test_full(value):
    _same(gg.full((2, 3), value), torch.full((2, 3), value))
    _same(gg.full([2], value, dtype=gg.float64), torch.full([2], value, dtype=torch.float64))


@pytest.mark.parametrize("args, kwargs", [
    ((5,), {}), ((2, 7), {}), ((1, 10, 3), {}), ((0, 1, 0.1), {}), ((1.0, 4), {}),
    ((-1, 1, 0.25), {}), ((5,), {"dtype": "float32"}), ((10, 0, -3), {}),
    ((3,), {"dtype": "float64"})])
def test_arange(args, kwargs):
    torch_kwargs = {k: getattr(torch, v) for k, v in kwargs.items()}
    ours_kwargs = {k: getattr(gg, v) for k, v in kwargs.items()}
    _same(gg.arange(*args, **ours_kwargs), torch.arange(*args, **torch_kwargs))


@pytest.mark.parametrize("args", [(0, 1, 5), (-2.0, 3.0, 11), (1, 1, 1), (0, 1, 0)])
def test_linspace(args):
    _same(gg.linspace(*args), torch.linspace(*args))


def test_eye():
    _same(gg.eye(3), torch.eye(3))
    _same(gg.eye(2, 4), torch.eye(2, 4))
    _same(gg.eye(3, dtype=gg.float64), torch.eye(3, dtype=torch.float64))


def test_like_forms_copy_shape_and_dtype_not_the_graph():
    source = gg.tensor([[1.0, 2.0]], dtype=gg.float64, requires_grad=True)
    for make, value in ((gg.zeros_like, 0.0), (gg.ones_like, 1.0)):
        t = make(source)
        assert t.shape == (1, 2) and t.dtype == np.float64 and not t.requires_grad
        assert t.tolist() == [[value, value]]
    assert gg.full_like(source, 7).tolist() == [[7.0, 7.0]]
    assert gg.full_like(source, 7).dtype == np.float64
    assert gg.empty_like(source).shape == (1, 2)
    assert gg.zeros_like(source, dtype=gg.float32).dtype == np.float32
    t = gg.ones_like(gg.tensor([1, 2]), requires_grad=False)
    assert t.dtype == np.int64 and t.tolist() == [1, 1]
    assert gg.zeros_like(source, requires_grad=True).requires_grad


def test_creation_with_requires_grad_makes_leaves():
    for t in (gg.zeros(2, requires_grad=True), gg.ones(2, requires_grad=True),
              gg.full((2,), 0.5, requires_grad=True), gg.eye(2, requires_grad=True),
              gg.linspace(0, 1, 3, requires_grad=True), gg.randn(2, requires_grad=True),
              gg.rand(2, requires_grad=True), gg.arange(0.0, 2.0, requires_grad=True)):
        assert t.requires_grad and t.is_leaf and t.grad is None


def test_default_dtype_can_be_set_and_restored():
    assert gg.get_default_dtype() == gg.float32
    try:
        gg.set_default_dtype(gg.float64)
        assert gg.tensor([1.0]).dtype == np.float64
        assert gg.zeros(2).dtype == np.float64 and gg.randn(2).dtype == np.float64
        assert gg.arange(0.0, 1.0, 0.5).dtype == np.float64
        assert gg.tensor([1]).dtype == np.int64        # integers are not affected
    finally:
        gg.set_default_dtype(gg.float32)
    assert gg.tensor([1.0]).dtype == np.float32
    with pytest.raises(TypeError, match=r"set_default_dtype: only floating-point dtypes are "
                                        r"allowed, got int64"):
        gg.set_default_dtype(gg.int64)


def test_dtype_names_are_numpy_dtypes_under_torch_names():
    assert gg.float32 == np.float32 and gg.float == gg.float32
    assert gg.float64 == gg.double == np.float64 and gg.long == gg.int64
    assert gg.dtypes.int == gg.int32 and gg.half == gg.float16 and gg.bool == np.bool_
    assert gg.ones(1).dtype == gg.float32
    assert gg.is_floating_point(gg.ones(1)) and not gg.is_floating_point(gg.tensor([1]))


def test_from_numpy_refuses_other_types():
    with pytest.raises(TypeError, match=r"from_numpy: expected a numpy.ndarray, got list"):
        gg.from_numpy([1.0, 2.0])
