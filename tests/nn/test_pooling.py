"""Pooling: max/avg/adaptive-avg pooling (1-D and 2-D) against torch (outputs, input gradients,
return_indices), torch's tie and NaN rules, second derivatives, the MaxPool primitive's two
backward forms agreeing, and the errors. The pooling modules' tests are at the end."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd.gradcheck import gradcheck, gradgradcheck
from glassgrad.nn.functional import (adaptive_avg_pool1d, adaptive_avg_pool2d, avg_pool1d,
                                     avg_pool2d, max_pool1d, max_pool2d)

from conv_harness import arrays, compare_with_torch, double
from harness import check_module

torch = pytest.importorskip("torch")
TF = torch.nn.functional

MAX2D_CASES = [
    ((2, 3, 8, 8), {"kernel_size": 2}),                                   # tiles: fast path
    ((2, 3, 9, 7), {"kernel_size": 2, "return_indices": True}),           # ragged end dropped
    ((2, 3, 9, 7), {"kernel_size": 3, "stride": 2, "padding": 1, "return_indices": True}),
    ((2, 3, 9, 7), {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 1),
                    "dilation": (2, 1), "ceil_mode": True, "return_indices": True}),
    ((3, 9, 7), {"kernel_size": 2, "ceil_mode": True, "return_indices": True}),  # unbatched
    ((2, 3, 8, 8), {"kernel_size": 3, "stride": 1, "padding": 1}),        # overlapping
]


@pytest.mark.parametrize("shape, kwargs", MAX2D_CASES)
def test_max_pool2d_matches_torch(shape, kwargs):
    compare_with_torch(max_pool2d, TF.max_pool2d, arrays(1, shape), kwargs)


@pytest.mark.parametrize("shape, kwargs", [
    ((2, 3, 11), {"kernel_size": 2, "return_indices": True}),
    ((2, 3, 11), {"kernel_size": 4, "stride": 3, "padding": 2, "ceil_mode": True,
                  "return_indices": True}),
    ((3, 11), {"kernel_size": 3, "dilation": 2, "return_indices": True}),
    ((5, 32, 40), {"kernel_size": 2}),                                    # benchmark's
])
def test_max_pool1d_matches_torch(shape, kwargs):
    compare_with_torch(max_pool1d, TF.max_pool1d, arrays(2, shape), kwargs)


@pytest.mark.parametrize("kwargs", [{"kernel_size": 2, "return_indices": True},
                                    {"kernel_size": 3, "stride": 1, "padding": 1,
                                     "return_indices": True}])
def test_max_pool_ties_go_to_the_first_maximum_like_torch(kwargs):
    x = np.random.default_rng(3).integers(0, 2, (2, 3, 8, 8)).astype(np.float32)
    compare_with_torch(max_pool2d, TF.max_pool2d, [x], kwargs)


def test_max_pool_propagates_nan():
    x = gg.zeros(1, 1, 4, 4)
    x._data[0, 0, 1, 2] = np.nan
    out = max_pool2d(x, 2).numpy()
    assert np.isnan(out[0, 0, 0, 1]) and np.isfinite(np.delete(out.ravel(), 1)).all()


def test_max_pool_indices_without_graph():
    x = arrays(4, (2, 3, 7, 7))[0]
    with gg.no_grad():
        values, indices = max_pool2d(gg.tensor(x), 3, 2, 1, return_indices=True)
    t_values, t_indices = TF.max_pool2d(torch.tensor(x), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(values.numpy(), t_values.numpy())
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())
    assert indices.dtype == np.int64


@pytest.mark.parametrize("shape, kwargs", [
    ((2, 3, 8, 8), {"kernel_size": 2}),
    ((2, 3, 9, 7), {"kernel_size": 2}),
    ((2, 3, 9, 7), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ((2, 3, 9, 7), {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    ((2, 3, 9, 7), {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    ((2, 3, 10, 7), {"kernel_size": (3, 2), "stride": (3, 2), "padding": (1, 1),
                     "ceil_mode": True, "count_include_pad": False}),
    ((2, 3, 9, 7), {"kernel_size": 3, "stride": 2, "padding": 1, "divisor_override": 5}),
    ((3, 6, 6), {"kernel_size": 3}),                                      # unbatched
])
def test_avg_pool2d_matches_torch(shape, kwargs):
    compare_with_torch(avg_pool2d, TF.avg_pool2d, arrays(5, shape), kwargs)


@pytest.mark.parametrize("kwargs", [{"kernel_size": 2},
                                    {"kernel_size": 3, "stride": 2, "padding": 1,
                                     "ceil_mode": True},
                                    {"kernel_size": 3, "stride": 2, "padding": 1,
                                     "count_include_pad": False}])
def test_avg_pool1d_matches_torch(kwargs):
    compare_with_torch(avg_pool1d, TF.avg_pool1d, arrays(6, (2, 3, 11)), kwargs)


@pytest.mark.parametrize("output_size", [1, 3, 4, (2, 5), (None, 3), (12, 9), (8, 7)])
def test_adaptive_avg_pool2d_matches_torch(output_size):
    compare_with_torch(adaptive_avg_pool2d, TF.adaptive_avg_pool2d, arrays(7, (2, 3, 8, 7)),
                       {"output_size": output_size})


@pytest.mark.parametrize("output_size", [1, 3, 5, 7, 13])
def test_adaptive_avg_pool1d_matches_torch(output_size):
    compare_with_torch(adaptive_avg_pool1d, TF.adaptive_avg_pool1d, arrays(8, (2, 3, 10)),
                       {"output_size": output_size})


@pytest.mark.parametrize("fn, kwargs", [
    (max_pool2d, {"kernel_size": 2}),
    (max_pool2d, {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}),
    (max_pool1d, {"kernel_size": 3, "stride": 1, "dilation": 2}),
    (avg_pool2d, {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}),
    (avg_pool1d, {"kernel_size": 2, "ceil_mode": True}),
    (adaptive_avg_pool2d, {"output_size": (3, 2)}),
    (adaptive_avg_pool1d, {"output_size": 3}),
])
def test_pool_first_and_second_derivatives(fn, kwargs):
    shape = (1, 2, 5) if fn in (max_pool1d, avg_pool1d, adaptive_avg_pool1d) else (1, 2, 5, 4)
    (x,) = double(*arrays(9, shape))

    def f(x):
        return fn(x, **kwargs) ** 2        # squared, so the second derivative is not zero
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


@pytest.mark.parametrize("kwargs", [{"kernel_size": 2},
                                    {"kernel_size": 3, "stride": 1, "padding": 1},
                                    {"kernel_size": 2, "stride": 3}])      # gaps between windows
def test_max_pool_backward_array_agrees_with_backward(kwargs):
    """MaxPool's numpy algorithm (backward_array) and its backward rule give one gradient."""
    (x,) = arrays(10, (2, 3, 8, 8))
    outputs = []
    for create_graph in (False, True):
        xt = gg.tensor(x, requires_grad=True)
        out = max_pool2d(xt, **kwargs)
        g = gg.tensor(np.random.default_rng(11).standard_normal(out.shape).astype(np.float32))
        (grad,) = gg.autograd.grad(out, xt, grad_outputs=g, create_graph=create_graph)
        outputs.append(grad.detach().numpy())
    np.testing.assert_allclose(outputs[0], outputs[1], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("call, message", [
    (lambda: max_pool2d(gg.randn(2, 3), 2),
     r"max_pool2d: expected input of shape \(N, C, H, W\) or \(C, H, W\), got \(2, 3\)"),
    (lambda: max_pool1d(gg.randn(1, 2, 3, 4), 2),
     r"max_pool1d: expected input of shape \(N, C, L\) or \(C, L\), got \(1, 2, 3, 4\)"),
    (lambda: max_pool2d(gg.randn(1, 1, 4, 4), 2, padding=2),
     r"max_pool2d: padding \(2, 2\) must be at most half of the kernel size \(2, 2\)"),
    (lambda: max_pool1d(gg.randn(1, 1, 9), 3, 1, padding=2, dilation=2),       # torch's rule:
     r"max_pool1d: padding \(2,\) must be at most half of the kernel size \(3,\)"),  # taps
    (lambda: max_pool2d(gg.randn(1, 1, 2, 2), 3),
     r"max_pool2d: input of shape \(1, 1, 2, 2\) is too small for kernel_size \(3, 3\)"),
    (lambda: avg_pool2d(gg.randn(1, 1, 4, 4), 3, padding=2),
     r"avg_pool2d: padding \(2, 2\) must be at most half"),
    (lambda: avg_pool1d(gg.randn(1, 1, 4), 0),
     r"avg_pool1d: kernel_size, stride and dilation must be positive"),
    (lambda: adaptive_avg_pool2d(gg.randn(1, 1, 4, 4), (2, 2, 2)),
     r"adaptive_avg_pool2d: output_size needs 2 value\(s\)"),
    (lambda: adaptive_avg_pool1d(gg.randn(1, 1, 4), 0),
     r"adaptive_avg_pool1d: output_size must be positive"),
])
def test_pool_errors_name_the_op_and_shapes(call, message):
    with pytest.raises((RuntimeError, ValueError), match=message):
        call()


# --- the modules -------------------------------------------------------------------------------

POOL_MODULES = [
    ("MaxPool2d", (2,), {}, (2, 3, 8, 8)),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1, "dilation": 1, "ceil_mode": True},
     (2, 3, 9, 7)),
    ("MaxPool1d", (2,), {}, (4, 3, 9)),
    ("MaxPool1d", (3, 1, 1), {}, (3, 9)),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False},
     (2, 3, 9, 7)),
    ("AvgPool2d", (2,), {"ceil_mode": True, "divisor_override": 3}, (2, 3, 5, 5)),
    ("AvgPool1d", (4,), {"stride": 2, "padding": 2, "ceil_mode": True}, (2, 3, 11)),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 3, 7, 7)),
    ("AdaptiveAvgPool2d", ((None, 3),), {}, (2, 3, 7, 8)),
    ("AdaptiveAvgPool1d", (4,), {}, (2, 3, 10)),
]


@pytest.mark.parametrize("name, args, kwargs, shape", POOL_MODULES)
def test_pool_modules_match_torch_in_train_and_eval(name, args, kwargs, shape):
    layer, twin = getattr(gg.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(layer) == repr(twin)
    assert list(layer.state_dict()) == []
    check_module(layer, twin, arrays(12, shape))


def test_max_pool_module_return_indices():
    x = arrays(13, (2, 3, 7, 7))[0]
    values, indices = gg.nn.MaxPool2d(3, 2, 1, return_indices=True)(gg.tensor(x))
    t_values, t_indices = torch.nn.MaxPool2d(3, 2, 1, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(values.numpy(), t_values.numpy())
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())


@pytest.mark.parametrize("layer, shape, message", [
    (gg.nn.MaxPool2d(2), (2, 3), (r"^MaxPool2d\(kernel_size=2, stride=2, padding=0, dilation=1, "
                                  r"ceil_mode=False\): expected input of shape \(N, C, H, W\) or "
                                  r"\(C, H, W\), got \(2, 3\)$")),
    (gg.nn.MaxPool1d(5), (2, 3, 4), (r"MaxPool1d\(kernel_size=5, .*\): input of shape "
                                     r"\(2, 3, 4\) is too small for kernel_size \(5,\)")),
    (gg.nn.AvgPool2d(3, padding=2), (1, 1, 6, 6), (r"AvgPool2d\(kernel_size=3, stride=3, "
                                                   r"padding=2\): padding \(2, 2\) must be at "
                                                   r"most half")),
    (gg.nn.AdaptiveAvgPool1d(2), (1, 2, 3, 4), (r"AdaptiveAvgPool1d\(output_size=2\): expected "
                                                r"input of shape \(N, C, L\) or \(C, L\)")),
])
def test_pool_module_errors_name_the_layer(layer, shape, message):
    with pytest.raises((RuntimeError, ValueError), match=message):
        layer(gg.randn(*shape))
