"""A failed Module.load_state_dict leaves the model untouched (issue 18): everything is checked
first, then copied."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn


def _model():
    gg.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))


def _snapshot(model):
    return {k: np.array(v._data) for k, v in model.state_dict().items()}


def _good_state():
    gg.manual_seed(1)
    other = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    return {k: v._data * 0 + 7 for k, v in other.state_dict().items()}


@pytest.mark.parametrize("spoil, message", [
    (lambda s: s.pop("2.bias"), r'Missing key\(s\) in state_dict: "2.bias"'),
    (lambda s: s.update(extra=np.ones(1)), r'Unexpected key\(s\) in state_dict: "extra"'),
    (lambda s: s.update({"2.weight": np.ones((3, 4))}), r"size mismatch for 2.weight: copying "
                                                         r"a param with shape \(3, 4\)"),
    (lambda s: s.update({"2.weight": np.full((2, 4), "x")}), r"dtype mismatch for 2.weight: "
                                                              r"copying a ndarray of dtype <U1"),
    (lambda s: s.update({"2.bias": None}), r"dtype mismatch for 2.bias: copying a NoneType of "
                                           r"dtype object"),
    (lambda s: s.update({"2.bias": [[1.0], [1.0, 2.0]]}), r"invalid value for 2.bias: list is "
                                                          r"not an array of numbers"),
    (lambda s: s.update({"2.bias": np.ones(2) * 1j}), r"dtype mismatch for 2.bias.*complex128"),
])
def test_a_failed_load_changes_nothing(spoil, message):
    model = _model()
    before = _snapshot(model)
    state = _good_state()
    spoil(state)
    with pytest.raises(RuntimeError, match=message):
        model.load_state_dict(state)
    after = _snapshot(model)
    for key in before:
        np.testing.assert_array_equal(after[key], before[key], err_msg=key)


def test_non_strict_load_of_the_valid_part_and_a_non_mapping():
    model = _model()
    state = _good_state()
    state.pop("2.bias")
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["2.bias"]
    assert (model[0].weight._data == 7).all()
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        model.load_state_dict([("0.weight", np.ones((4, 3)))])
