"""copy.deepcopy, copy.copy and pickle of tensors, Parameters and modules (issue 18): torch's
rules, and never a RecursionError through a long graph."""
import copy
import pickle

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn


def _long_chain(steps=10_000):
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(steps):
        y = y + 1.0
    return x, y


def test_deepcopy_of_a_non_leaf_at_the_end_of_a_long_graph_raises_torchs_error():
    _, y = _long_chain()
    with pytest.raises(RuntimeError, match=r"Only Tensors created explicitly by the user "
                                           r"\(graph leaves\) support the deepcopy protocol at "
                                           r"the moment.*AddBackward0"):
        copy.deepcopy(y)
    detached = copy.deepcopy(y.detach())
    np.testing.assert_array_equal(detached._data, [10001.0, 10002.0])
    assert detached.grad_fn is None and not detached.requires_grad


def test_pickle_and_copy_of_a_non_leaf_give_a_leaf_without_the_graph():
    _, y = _long_chain()
    for clone in (pickle.loads(pickle.dumps(y)), copy.copy(y)):
        assert clone.grad_fn is None and clone.requires_grad and clone.grad is None
        np.testing.assert_array_equal(clone._data, y._data)
    unpickled = pickle.loads(pickle.dumps(y))
    unpickled._data[0] = -1.0
    assert y._data[0] == 10001.0                       # pickle copies the values


def test_deepcopy_of_a_leaf_copies_values_flag_and_grad():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3.0).sum().backward()
    c = copy.deepcopy(x)
    assert c is not x and c.requires_grad and c.grad_fn is None
    np.testing.assert_array_equal(c.grad._data, [3.0, 3.0])
    c._data[0] = 9.0
    c.grad._data[0] = 9.0
    assert x._data[0] == 1.0 and x.grad._data[0] == 3.0
    pair = copy.deepcopy([x, x])                      # the memo keeps shared tensors shared
    assert pair[0] is pair[1]
    assert pickle.loads(pickle.dumps(x)).grad is None   # pickle drops .grad, as torch


def test_deepcopy_of_parameters_and_modules_after_training():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    loss = model(gg.ones(2, 3)).sum()
    loss.backward()
    clone = copy.deepcopy(model)
    for (name, p), q in zip(model.named_parameters(), clone.parameters()):
        assert type(q) is nn.Parameter and q is not p, name
        np.testing.assert_array_equal(q._data, p._data)
        np.testing.assert_array_equal(q.grad._data, p.grad._data)
    clone[0].weight._data[...] = 0.0
    assert model[0].weight._data.any()
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored(gg.ones(1, 3))._data, model(gg.ones(1, 3))._data)
