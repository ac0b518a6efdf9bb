"""Empty and 0-d tensors where torch works (issue 18): softmax and logsumexp over an empty dim,
chunk and split of an empty tensor, max/min with a dim on a 0-d tensor."""
import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.nn import functional as F

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0,), (2, 0, 4)])
@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("name", ["logsumexp", "softmax", "log_softmax"])
def test_softmax_family_over_empty_dims_matches_torch(name, shape, dim):
    x = gg.zeros(*shape, dtype=gg.float64, requires_grad=True)
    tx = torch.zeros(*shape, dtype=torch.float64, requires_grad=True)
    if name == "logsumexp":
        with np.errstate(divide="ignore"):
            out = x.logsumexp(dim)
        expected = tx.logsumexp(dim)
    else:
        out = getattr(F, name)(x, dim)
        expected = getattr(torch, name)(tx, dim)
    assert tuple(out.shape) == tuple(expected.shape)
    np.testing.assert_array_equal(out._data, expected.detach().numpy())   # -inf over nothing
    with np.errstate(divide="ignore", invalid="ignore"):
        out.sum().backward()
    expected.sum().backward()
    assert x.grad.shape == shape


@pytest.mark.parametrize("shape, args", [((0,), (2,)), ((0,), (3,)), ((0, 3), (2, 1)),
                                         ((0, 3), (2, 0)), ((5,), (2,))])
def test_chunk_matches_torch(shape, args):
    pieces = gg.zeros(*shape).chunk(*args)
    expected = torch.zeros(*shape).chunk(*args)
    assert [tuple(p.shape) for p in pieces] == [tuple(p.shape) for p in expected]


@pytest.mark.parametrize("shape, args", [((0,), (2,)), ((0, 3), (1, 0)), ((0, 3), ([1, 2], 1)),
                                         ((0,), ([0, 0],)), ((5,), (2,))])
def test_split_matches_torch(shape, args):
    pieces = gg.zeros(*shape).split(*args)
    expected = torch.zeros(*shape).split(*args)
    assert [tuple(p.shape) for p in pieces] == [tuple(p.shape) for p in expected]


def test_chunk_refuses_a_non_positive_count():
    with pytest.raises(ValueError, match=r"chunk: chunks must be a positive int, got 0"):
        gg.zeros(4).chunk(0)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_with_a_dim_on_a_0d_tensor(name, dim, keepdim):
    x = gg.tensor(2.5, requires_grad=True)
    values, indices = getattr(x, name)(dim, keepdim)
    t_values, t_indices = getattr(torch.tensor(2.5), name)(dim, keepdim)
    assert values.shape == tuple(t_values.shape) and indices.shape == tuple(t_indices.shape)
    assert values.item() == 2.5 and indices.item() == 0 and indices.dtype == np.int64
    values.backward()
    assert x.grad.item() == 1.0


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "prod", "logsumexp", "argmax",
                                  "argmin", "all", "any", "std", "var"])
@pytest.mark.parametrize("dim", [0, -1])
def test_reductions_with_a_dim_on_a_0d_tensor_match_torch(name, dim):
    out = getattr(gg.tensor(2.0), name)(dim)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")        # torch warns that std/var of one value is NaN
        expected = getattr(torch.tensor(2.0), name)(dim)
    assert out.shape == tuple(expected.shape) == ()
    np.testing.assert_array_equal(out._data, expected.numpy())
