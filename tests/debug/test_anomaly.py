"""detect_anomaly: the first non-finite output or gradient names the op and the user's line."""
import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.debug.anomaly import AnomalyError, detect_anomaly


@pytest.fixture(autouse=True)
def quiet_numpy():
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def test_forward_nan_names_op_and_line():
    x = gg.tensor([1.0, -1.0], requires_grad=True)
    with pytest.raises(AnomalyError, match=r"Log produced non-finite output \(1 NaN") as info:
        with detect_anomaly():
            x.log()  # the line the error must point at
    assert "test_anomaly.py" in str(info.value)
    assert "the line the error must point at" in str(info.value)


def test_backward_inf_names_the_op_that_created_it():
    x = gg.tensor([0.0, 1.0], requires_grad=True)
    with pytest.raises(AnomalyError, match=r"Sqrt.backward returned a non-finite gradient") as e:
        with detect_anomaly():
            y = x.sqrt().sum()  # sqrt created here
            y.backward()
    assert "sqrt created here" in str(e.value)


def test_nan_already_in_inputs_is_not_blamed_on_later_ops():
    x = gg.tensor([np.nan, 1.0])
    with pytest.raises(AnomalyError, match="Mul produced"):
        with detect_anomaly():
            gg.tensor([1e30]) * gg.tensor([1e30])   # float32 overflow: the first Inf
    with detect_anomaly():
        (x * 2.0).exp()    # NaN came in from the data; these ops did not make it


def test_finite_computation_passes_and_mode_is_removed_after():
    x = gg.randn(3, 4, requires_grad=True)
    with detect_anomaly():
        (x.tanh() * 2).sum().backward()
    assert np.isfinite(x.grad._data).all()
    from glassgrad.autograd import grad_mode
    assert grad_mode._state.debug_modes == ()
    gg.tensor([-1.0]).log()    # no longer checked: no error
