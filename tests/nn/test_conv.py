"""Convolutions: conv1d/conv2d/conv_transpose1d/conv_transpose2d against torch (outputs, input,
weight and bias gradients), second derivatives by finite differences, the adjoint identity, and
the errors. The Conv modules' tests are at the end."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd.gradcheck import gradcheck, gradgradcheck
from glassgrad.nn.functional import conv1d, conv2d, conv_transpose1d, conv_transpose2d

from conv_harness import arrays, compare_with_torch, double
from harness import check_module, check_state_dict_round_trip

torch = pytest.importorskip("torch")
TF = torch.nn.functional

CONV2D_CASES = [
    # (input shape, weight shape, with bias, kwargs)
    ((2, 3, 8, 8), (4, 3, 3, 3), True, {}),
    ((2, 3, 8, 7), (4, 3, 3, 3), True, {"padding": 1}),
    ((2, 3, 9, 8), (6, 3, 3, 2), False, {"stride": (2, 1), "padding": (1, 2)}),
    ((2, 4, 9, 8), (6, 2, 3, 2), True, {"stride": 2, "dilation": (1, 2), "groups": 2}),
    ((2, 4, 7, 7), (4, 1, 3, 3), True, {"padding": 1, "groups": 4}),          # depthwise
    ((2, 3, 7, 6), (5, 3, 3, 3), True, {"padding": "same"}),
    ((2, 3, 7, 6), (5, 3, 4, 2), True, {"padding": "same", "dilation": (1, 3)}),  # uneven
    ((2, 3, 7, 6), (5, 3, 3, 3), False, {"padding": "valid"}),
    ((3, 7, 6), (5, 3, 3, 3), True, {"padding": 1}),                           # unbatched
    ((1, 1, 28, 28), (32, 1, 3, 3), True, {"padding": 1}),                     # benchmark's
    # ≥ ROWS_MIN_CHANNELS input channels: the channels-last rows path
    ((2, 32, 14, 14), (64, 32, 3, 3), True, {"padding": 1}),                   # benchmark's
    ((2, 16, 9, 8), (6, 16, 3, 2), False, {"stride": (2, 1), "padding": (1, 2),
                                           "dilation": (1, 2)}),
    ((2, 16, 7, 6), (5, 16, 4, 2), True, {"padding": "same", "dilation": (1, 3)}),  # uneven
    ((16, 7, 6), (5, 16, 3, 3), True, {"padding": 1}),                         # unbatched
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")     # torch's note on its own speed
@pytest.mark.parametrize("x_shape, w_shape, bias, kwargs", CONV2D_CASES)
def test_conv2d_matches_torch(x_shape, w_shape, bias, kwargs):
    x, w, b = arrays(1, x_shape, w_shape, (w_shape[0],))
    compare_with_torch(conv2d, TF.conv2d, [x, w, b if bias else None], kwargs)


CONV1D_CASES = [
    ((3, 4, 11), (8, 4, 3), True, {}),
    ((3, 4, 11), (8, 1, 3), True, {"stride": 2, "padding": 2, "groups": 4}),
    ((3, 4, 11), (6, 4, 4), False, {"padding": "same", "dilation": 3}),
    ((4, 11), (6, 4, 5), True, {"padding": 2}),                                # unbatched
    ((5, 1, 40), (32, 1, 5), True, {"padding": 2}),                            # benchmark's
    ((5, 32, 40), (32, 32, 5), True, {"padding": 2}),                          # benchmark's
    ((3, 16, 11), (4, 16, 3), False, {"stride": 2, "padding": 1, "dilation": 2}),
]


@pytest.mark.parametrize("x_shape, w_shape, bias, kwargs", CONV1D_CASES)
def test_conv1d_matches_torch(x_shape, w_shape, bias, kwargs):
    x, w, b = arrays(2, x_shape, w_shape, (w_shape[0],))
    compare_with_torch(conv1d, TF.conv1d, [x, w, b if bias else None], kwargs)


TRANSPOSE2D_CASES = [
    ((2, 4, 5, 6), (4, 3, 3, 3), True, {}),
    ((2, 4, 5, 6), (4, 3, 4, 4), True, {"stride": 2, "padding": 1}),
    ((2, 4, 5, 6), (4, 3, 3, 2), True, {"stride": (2, 3), "padding": (1, 0),
                                        "output_padding": (1, 2), "groups": 2,
                                        "dilation": (1, 2)}),
    # output_padding ≥ stride is allowed below the dilation: the uncropped-fold path
    ((2, 4, 5, 6), (4, 3, 3, 3), False, {"padding": 1, "output_padding": 1, "dilation": 2}),
    ((4, 5, 6), (4, 2, 3, 3), True, {"stride": 2}),                            # unbatched
]


@pytest.mark.parametrize("x_shape, w_shape, bias, kwargs", TRANSPOSE2D_CASES)
def test_conv_transpose2d_matches_torch(x_shape, w_shape, bias, kwargs):
    out_channels = w_shape[1] * kwargs.get("groups", 1)
    x, w, b = arrays(3, x_shape, w_shape, (out_channels,))
    compare_with_torch(conv_transpose2d, TF.conv_transpose2d, [x, w, b if bias else None],
                       kwargs)


@pytest.mark.parametrize("kwargs", [{}, {"stride": 2, "padding": 2, "output_padding": 1},
                                    {"stride": 3, "groups": 2, "dilation": 2}])
def test_conv_transpose1d_matches_torch(kwargs):
    x, w, b = arrays(4, (2, 4, 5), (4, 3, 3), (3 * kwargs.get("groups", 1),))
    compare_with_torch(conv_transpose1d, TF.conv_transpose1d, [x, w, b], kwargs)


def test_conv_transpose2d_is_the_adjoint_of_conv2d():
    """<conv(x), y> = <x, conv_transpose(y)>: the transposed conv is conv's input gradient."""
    x, w, y = arrays(5, (2, 4, 9, 8), (6, 2, 3, 3), (2, 6, 5, 4))
    kwargs = {"stride": 2, "padding": 1, "groups": 2}
    left = (conv2d(gg.tensor(x), gg.tensor(w), **kwargs).numpy() * y).sum()
    back = conv_transpose2d(gg.tensor(y), gg.tensor(w), output_padding=(0, 1), **kwargs)
    assert back.shape == x.shape
    np.testing.assert_allclose(left, (x * back.numpy()).sum(), rtol=1e-4)


@pytest.mark.parametrize("channels", [3, 16])
def test_conv_output_is_contiguous_so_view_works(channels):
    """As in torch, a conv's output can be .view()-ed, on either layout path."""
    x = gg.randn(2, channels, 5, 5, requires_grad=True)
    out = conv2d(x, gg.randn(4, channels, 3, 3), padding=1)
    assert out.is_contiguous()
    out.view(2, -1).sum().backward()
    assert x.grad.shape == x.shape


def test_conv_backward_needs_no_float64_and_keeps_dtype():
    x = gg.randn(2, 3, 6, 6, requires_grad=True)
    w = gg.randn(4, 3, 3, 3, requires_grad=True)
    b = gg.zeros(4, requires_grad=True)
    out = conv2d(x, w, b, padding=1)
    (out * 0.5).sum().backward()
    assert out.dtype == np.float32
    assert {x.grad.dtype, w.grad.dtype, b.grad.dtype} == {np.dtype(np.float32)}


@pytest.mark.parametrize("fn, shapes, kwargs", [
    (conv2d, [(1, 2, 4, 4), (2, 1, 2, 2), (2,)], {"stride": 2, "padding": 1, "groups": 2}),
    (conv2d, [(1, 2, 4, 3), (2, 2, 2, 2), (2,)], {"dilation": (2, 1), "padding": "same"}),
    (conv1d, [(2, 2, 5), (3, 2, 3), (3,)], {"stride": 2, "padding": 1}),
    (conv2d, [(1, 16, 3, 3), (2, 16, 2, 2), (2,)], {"stride": 2, "padding": 1}),   # rows path
    (conv1d, [(2, 16, 4), (2, 16, 3), (2,)], {"dilation": 2, "padding": "same"}),   # rows path
    (conv_transpose2d, [(1, 2, 3, 3), (2, 2, 2, 2), (2,)], {"stride": 2, "padding": 1,
                                                             "output_padding": 1}),
    (conv_transpose1d, [(1, 2, 3), (2, 1, 3), (2,)], {"stride": 2, "groups": 2}),
    # output_padding beyond the padding: the fold's windows stop short of the output's end
    (conv_transpose2d, [(1, 2, 3, 2), (2, 1, 3, 2), (2,)], {"stride": (2, 3), "padding": (1, 0),
                                                             "output_padding": (1, 2),
                                                             "groups": 2, "dilation": (1, 2)}),
])
def test_conv_first_and_second_derivatives(fn, shapes, kwargs):
    x, w, b = double(*arrays(6, *shapes))

    def f(x, w, b):
        return fn(x, w, b, **kwargs)
    assert gradcheck(f, (x, w, b))
    # conv is bilinear in (x, w): its second derivative mixes the two, and must be right too.
    assert gradgradcheck(f, (x, w, b))


@pytest.mark.parametrize("call, message", [
    (lambda: conv2d(gg.randn(8, 1, 28, 28), gg.randn(16, 3, 3, 3)),
     r"conv2d: expected input of shape \(N, 3, H, W\), got \(8, 1, 28, 28\)"),
    (lambda: conv2d(gg.randn(8, 28, 28), gg.randn(16, 3, 3, 3)),
     r"conv2d: expected input of shape \(N, 3, H, W\), got \(8, 28, 28\)"),
    (lambda: conv1d(gg.randn(2, 3, 4, 4), gg.randn(5, 3, 3)),
     r"conv1d: expected input of shape \(N, 3, L\), got \(2, 3, 4, 4\)"),
    (lambda: conv2d(gg.randn(1, 3, 4, 4), gg.randn(2, 3, 5, 3)),
     r"conv2d: the kernel spans 5 along H .* padded input is only 4"),
    (lambda: conv2d(gg.randn(1, 4, 6, 6), gg.randn(6, 2, 3, 3), groups=3),
     r"conv2d: expected input of shape \(N, 6, H, W\)"),
    (lambda: conv2d(gg.randn(1, 4, 6, 6), gg.randn(5, 2, 3, 3), groups=2),
     r"conv2d: groups=2 must be positive and divide out_channels=5"),
    (lambda: conv2d(gg.randn(1, 3, 6, 6), gg.randn(4, 3, 3)),
     r"conv2d: expected a 4-D weight"),
    (lambda: conv2d(gg.randn(1, 3, 6, 6), gg.randn(4, 3, 3, 3), stride=2, padding="same"),
     r"conv2d: padding='same' is not supported for strided convolutions"),
    (lambda: conv2d(gg.randn(1, 3, 6, 6), gg.randn(4, 3, 3, 3), padding="full"),
     r"conv2d: padding must be 'valid', 'same'"),
    (lambda: conv_transpose2d(gg.randn(1, 3, 4, 4), gg.randn(3, 2, 3, 3), stride=2,
                              output_padding=2),
     r"conv_transpose2d: output_padding \(2, 2\) must be smaller than either stride"),
    (lambda: conv_transpose2d(gg.randn(1, 2, 4, 4), gg.randn(3, 2, 3, 3)),
     r"conv_transpose2d: expected input of shape \(N, 3, H, W\), got \(1, 2, 4, 4\)"),
])
def test_conv_errors_name_the_op_and_shapes(call, message):
    with pytest.raises((RuntimeError, ValueError), match=message):
        call()


# --- the modules -------------------------------------------------------------------------------

CONV_MODULES = [
    # (class name, args, kwargs, input shape)
    ("Conv2d", (3, 8, 3), {}, (2, 3, 9, 8)),
    ("Conv2d", (3, 8, 3), {"padding": 1, "stride": 2, "bias": False}, (2, 3, 9, 8)),
    ("Conv2d", (4, 6, (3, 2)), {"padding": "same", "dilation": 2, "groups": 2}, (2, 4, 7, 6)),
    ("Conv2d", (3, 4, 3), {"padding": (1, 2), "padding_mode": "reflect"}, (2, 3, 6, 7)),
    ("Conv2d", (3, 4, 3), {"padding": 1, "padding_mode": "replicate"}, (3, 6, 7)),
    ("Conv2d", (3, 4, 4), {"padding": "same", "padding_mode": "circular"}, (2, 3, 6, 7)),
    ("Conv1d", (1, 32, 5), {"padding": 2}, (4, 1, 40)),
    ("Conv1d", (4, 8, 3), {"stride": 2, "groups": 4, "padding_mode": "circular",
                           "padding": 1}, (3, 4, 11)),
    ("ConvTranspose2d", (4, 6, 3), {"stride": 2, "padding": 1, "output_padding": 1,
                                    "groups": 2}, (2, 4, 5, 4)),
    ("ConvTranspose2d", (4, 3, (2, 3)), {"dilation": (2, 1), "bias": False}, (2, 4, 5, 4)),
    ("ConvTranspose1d", (4, 6, 3), {"stride": 3, "padding": 1}, (2, 4, 5)),
]


def _layers(name, args, kwargs, seed=0):
    gg.manual_seed(seed)
    return getattr(gg.nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)


@pytest.mark.parametrize("name, args, kwargs, shape", CONV_MODULES)
def test_conv_modules_match_torch_in_train_and_eval(name, args, kwargs, shape):
    layer, twin = _layers(name, args, kwargs)
    assert repr(layer) == repr(twin)
    check_module(layer, twin, arrays(1, shape))


@pytest.mark.parametrize("name, args, kwargs, shape", CONV_MODULES[:1] + CONV_MODULES[-3:])
def test_conv_modules_state_dict_round_trip(name, args, kwargs, shape):
    check_state_dict_round_trip(lambda seed: _layers(name, args, kwargs, seed)[0],
                                arrays(2, shape))


def test_conv_transpose2d_output_size_picks_the_output_padding():
    layer, twin = _layers("ConvTranspose2d", (4, 3, 3), {"stride": 2, "padding": 1})
    check_module(layer, twin, arrays(3, (1, 4, 5, 5)), modes=("eval",))
    x = arrays(3, (1, 4, 5, 5))[0]
    for size in [(9, 9), (10, 10), (1, 3, 10, 9)]:
        out = layer(gg.tensor(x), output_size=size)
        assert out.shape == tuple(twin(torch.tensor(x), output_size=size).shape)
    with pytest.raises(ValueError, match=r"ConvTranspose2d\(4, 3, kernel_size=\(3, 3\)\): "
                                         r"requested output_size \(11, 11\) is not reachable"):
        layer(gg.tensor(x), output_size=(11, 11))


@pytest.mark.parametrize("name, args", [("Conv2d", (16, 8, (3, 5))), ("Conv1d", (6, 4, 7)),
                                        ("ConvTranspose2d", (8, 16, 3))])
def test_conv_default_init_is_torchs_uniform_one_over_sqrt_fan_in(name, args):
    """kaiming_uniform_(a=√5) is U(±1/√fan_in); the bias is U(±1/√fan_in) too."""
    gg.manual_seed(0)
    layer = getattr(gg.nn, name)(*args)
    weight, bias = layer.weight._data, layer.bias._data
    bound = 1 / np.sqrt(weight.shape[1] * np.prod(weight.shape[2:]))
    for values in (weight, bias):
        assert values.dtype == np.float32
        assert np.abs(values).max() <= bound
    assert np.abs(weight).max() > 0.9 * bound            # spread over the whole interval
    assert abs(weight.std() - bound / np.sqrt(3)) < 0.1 * bound / np.sqrt(3)


@pytest.mark.parametrize("make, x_shape, message", [
    (lambda: gg.nn.Conv2d(3, 16, 3), (8, 1, 28, 28),
     (r"^Conv2d\(3, 16, kernel_size=\(3, 3\)\): expected input of shape \(N, 3, H, W\), got "
      r"\(8, 1, 28, 28\)$")),
    (lambda: gg.nn.Conv2d(3, 16, 3), (8, 28, 28),
     r"Conv2d\(3, 16, kernel_size=\(3, 3\)\): expected input of shape \(N, 3, H, W\)"),
    (lambda: gg.nn.Conv1d(2, 4, 3), (8, 2, 5, 5),
     (r"Conv1d\(2, 4, kernel_size=\(3,\)\): expected input of shape \(N, 2, L\), got "
      r"\(8, 2, 5, 5\)")),
    (lambda: gg.nn.Conv2d(1, 4, 5), (2, 1, 4, 9),
     (r"Conv2d\(1, 4, kernel_size=\(5, 5\)\): the kernel spans 5 along H .* padded input is "
      r"only 4")),
    (lambda: gg.nn.Conv2d(1, 4, 3, padding=1, padding_mode="reflect"), (2, 3, 4, 4),
     r"Conv2d\(1, 4, kernel_size=\(3, 3\)\): expected input of shape \(N, 1, H, W\)"),
    (lambda: gg.nn.ConvTranspose2d(3, 4, 3), (2, 4, 4, 4),
     r"ConvTranspose2d\(3, 4, kernel_size=\(3, 3\)\): expected input of shape \(N, 3, H, W\)"),
])
def test_conv_module_errors_name_the_layer(make, x_shape, message):
    with pytest.raises(RuntimeError, match=message):
        make()(gg.randn(*x_shape))


@pytest.mark.parametrize("make, message", [
    (lambda: gg.nn.Conv2d(3, 16, 3, groups=2),
     r"Conv2d: groups=2 must divide both in_channels=3 and out_channels=16"),
    (lambda: gg.nn.Conv2d(3, 16, 3, stride=2, padding="same"),
     r"Conv2d: padding='same' is not supported for strided convolutions"),
    (lambda: gg.nn.Conv2d(3, 16, 3, padding_mode="mirror"),
     r"Conv2d: padding_mode must be one of"),
    (lambda: gg.nn.ConvTranspose2d(3, 16, 3, padding_mode="reflect"),
     r"ConvTranspose2d: only 'zeros' padding_mode is supported"),
    (lambda: gg.nn.Conv1d(3, 16, 0), r"Conv1d: kernel_size, stride and dilation must be positive"),
    (lambda: gg.nn.Conv2d(3, 16, (3, 3, 3)), r"Conv2d: kernel_size needs 2 values"),
])
def test_conv_module_argument_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()
