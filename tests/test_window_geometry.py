"""ops/window_geometry.py (the one place window parameters are checked and output sizes computed)
and the Unfold/Fold pair of ops/window.py on the geometries only internal callers build (uneven
'same' padding, ceil_mode's overhang, conv_transpose's windows that stop short of the end).

Output sizes are compared with torch's over a grid of parameters, errors by their messages."""
import itertools

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd.gradcheck import gradcheck, gradgradcheck
from glassgrad.ops.pool import MaxPool
from glassgrad.ops.window import Fold, Unfold, fold, unfold
from glassgrad.ops.window_geometry import Window, window_geometry

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _torch_length(call):
    """The output length torch gives, or None where torch refuses the arguments."""
    try:
        return call().shape[-1]
    except RuntimeError:
        return None


def _ours(kind, size, *args, **kwargs):
    try:
        window = window_geometry("op", kind, (size,), *args, **kwargs)
    except (RuntimeError, ValueError):
        return None
    return window.image[0] if kind == "conv_transpose" else window.positions[0]


@pytest.mark.parametrize("pool", ["max_pool", "avg_pool"])
def test_pool_output_sizes_match_torch(pool):
    x = torch.zeros(1, 1, 9)
    checked = 0
    for size, k, s, p, d, ceil in itertools.product(range(1, 10), range(1, 5), range(1, 4),
                                                    range(3), (1, 2), (False, True)):
        if pool == "avg_pool" and d > 1:
            continue
        if pool == "max_pool":
            theirs = _torch_length(lambda: TF.max_pool1d(x[..., :size], k, s, p, d, ceil))
            ours = _ours(pool, size, k, s, p, d, ceil_mode=ceil)
        else:
            theirs = _torch_length(lambda: TF.avg_pool1d(x[..., :size], k, s, p, ceil))
            ours = _ours(pool, size, k, s, p, ceil_mode=ceil)
        assert ours == theirs, (size, k, s, p, d, ceil)
        checked += theirs is not None
    assert checked > 300                     # most of the grid is valid, not only refused


@pytest.mark.filterwarnings("ignore:Using padding='same'")     # torch's note on its own speed
def test_conv_and_conv_transpose_output_sizes_match_torch():
    for size, k, s, p, d in itertools.product(range(1, 9), range(1, 5), range(1, 4),
                                              (0, 1, 2, "same", "valid"), (1, 2)):
        x, w = torch.zeros(1, 1, size), torch.zeros(1, 1, k)
        theirs = None if p == "same" and s > 1 else \
            _torch_length(lambda: TF.conv1d(x, w, stride=s, padding=p, dilation=d))
        assert _ours("conv", size, k, s, p, d) == theirs, (size, k, s, p, d)
        if isinstance(p, str):
            continue
        for out_pad in range(3):
            theirs = _torch_length(lambda: TF.conv_transpose1d(
                x, w, stride=s, padding=p, output_padding=out_pad, dilation=d))
            ours = _ours("conv_transpose", size, k, s, p, d, output_padding=out_pad)
            assert ours == theirs, (size, k, s, p, d, out_pad)


def test_the_window_records_where_the_windows_lie():
    # 'same' with an even span: the odd zero on the right, as torch
    assert window_geometry("conv2d", "conv", (7, 6), (4, 2), 1, "same", (1, 3)) == Window(
        (4, 2), (1, 1), ((1, 2), (1, 2)), (1, 3), (7, 6), (7, 6))
    # ceil_mode: the last window overhangs, so the right padding grows to hold it
    assert window_geometry("max_pool1d", "max_pool", (9,), 2, None, ceil_mode=True) == Window(
        (2,), (2,), ((0, 1),), (1,), (9,), (5,))
    # conv_transpose: the windows of the adjoint conv stop output_padding short of the end
    window = window_geometry("conv_transpose1d", "conv_transpose", (5,), 3, 3, 1,
                             output_padding=2)
    assert window == Window((3,), (3,), ((1, -1),), (1,), (15,), (5,))
    # a layer's __init__: no input yet, so parameters only
    assert window_geometry("Conv2d", "conv", 2, 3, padding=(1, 2)) == Window(
        (3, 3), (1, 1), ((1, 1), (2, 2)), (1, 1), None, None)


@pytest.mark.parametrize("args, kwargs, error, message", [
    (("conv2d", "conv", (5, 5), (3, 3, 3)), {},
     ValueError, r"^conv2d: kernel_size needs 2 values for 2 spatial dimension\(s\), got "
                 r"\(3, 3, 3\)$"),
    (("unfold", "window", (5, 5), 3), {"stride": (1, 0)},
     ValueError, r"^unfold: kernel_size, stride and dilation must be positive and padding "
                 r"non-negative, got kernel_size=\(3, 3\), stride=\(1, 0\), padding=0, "
                 r"dilation=\(1, 1\)$"),
    (("fold", "window", (5,), 2), {"padding": -1},
     ValueError, r"fold: .*padding non-negative, got .*padding=-1"),
    (("conv_transpose1d", "conv_transpose", (4,), 3), {"output_padding": -1},
     ValueError, r"conv_transpose1d: .* output_padding=\(-1,\)$"),
    (("conv_transpose1d", "conv_transpose", (4,), 3), {"stride": 2, "output_padding": 2},
     ValueError, r"^conv_transpose1d: output_padding \(2,\) must be smaller than either stride "
                 r"\(2,\) or dilation \(1,\)$"),
    (("conv_transpose1d", "conv_transpose", (1,), 1), {"padding": 1},
     RuntimeError, r"^conv_transpose1d: the output size \(-1,\) computed from input size "
                   r"\(1,\), kernel_size \(1,\), stride \(1,\), padding \(1,\), output_padding "
                   r"\(0,\) and dilation \(1,\) is too small$"),
    (("conv1d", "conv", (4,), 3), {"output_padding": 1},
     ValueError, r"^conv1d: output_padding is for transposed convolutions only$"),
    (("max_pool2d", "max_pool", (4, 4), 2), {"padding": "same"},
     ValueError, r"^max_pool2d: padding must be an int or a tuple, got 'same'$"),
    (("conv1d", "conv", (4,), 3), {"stride": 2, "padding": "same"},
     ValueError, r"^conv1d: padding='same' is not supported for strided convolutions"),
    (("max_pool1d", "max_pool", (8,), 3), {"padding": 1, "dilation": 1, "stride": 1},
     None, None),
    (("max_pool1d", "max_pool", (8,), 2), {"padding": 2},
     ValueError, r"^max_pool1d: padding \(2,\) must be at most half of the kernel size \(2,\) "
                 r"\(dilation \(1,\)\)$"),
    (("conv1d", "conv", (4,), 3), {"ceil_mode": True},
     ValueError, r"^conv1d: ceil_mode is for pools only$"),
    (("conv1d", "convolution", (4,), 3), {},
     ValueError, r"^conv1d: unknown window kind 'convolution'"),
    (("unfold", "window", (4, 2), 3), {"dilation": (1, 2), "shape": (1, 2, 4, 2)},
     RuntimeError, r"^unfold: the kernel spans 5 along W \(kernel_size 3, dilation 2\) but the "
                   r"padded input is only 2 \(size 2, padding 0\+0\); input of shape "
                   r"\(1, 2, 4, 2\)$"),
    (("avg_pool1d", "avg_pool", (2,), 3), {"shape": (4, 2)},
     RuntimeError, r"^avg_pool1d: input of shape \(4, 2\) is too small for kernel_size \(3,\): "
                   r"the kernel spans 3 along L"),
])
def test_errors_name_the_op_the_values_and_what_was_expected(args, kwargs, error, message):
    if error is None:                                   # the boundary case is accepted
        assert window_geometry(*args, **kwargs).positions == (8,)
        return
    with pytest.raises(error, match=message):
        window_geometry(*args, **kwargs)


def test_public_unfold_and_fold_check_their_inputs_in_both_layouts():
    with pytest.raises(RuntimeError, match=r"^unfold: expected a 3-D or 4-D input \(N, L, C\) or "
                                           r"\(N, H, W, C\), got shape \(2, 3\)$"):
        unfold(gg.randn(2, 3), 2, channels_last=True)
    with pytest.raises(RuntimeError, match=r"^fold: expected input of shape \(N, C·4, 9\) for "
                                           r"output_size \(4, 4\) and kernel_size \(2, 2\), got "
                                           r"\(2, 8, 8\)$"):
        fold(gg.randn(2, 8, 8), (4, 4), 2)
    with pytest.raises(RuntimeError, match=r"^fold: expected input of shape \(N·9, 4·C\)"):
        fold(gg.randn(10, 8), (4, 4), 2, channels_last=True)


# Geometries the public unfold/fold cannot express: uneven padding, and a negative hi (the
# windows stop short of the image's end, as in conv_transpose with output_padding).
GEOMETRIES = [
    window_geometry("conv2d", "conv", (5, 4), (2, 3), 1, "same", (2, 1)),
    window_geometry("max_pool2d", "max_pool", (5, 4), (2, 3), (2, 2), ceil_mode=True),
    window_geometry("conv_transpose2d", "conv_transpose", (3, 2), (3, 2), (2, 3), (1, 0),
                    (1, 2), output_padding=(1, 2)),
]


def _input_shape(window, channels, channels_last):
    return (2,) + window.image + (channels,) if channels_last else (2, channels) + window.image


@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("window", GEOMETRIES)
def test_unfold_and_fold_are_adjoint_and_agree_with_the_other_layout(window, channels_last):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(_input_shape(window, 3, channels_last))
    cols = Unfold.apply(gg.tensor(x), window, channels_last)
    y = rng.standard_normal(cols.shape)
    back = Fold.apply(gg.tensor(y), window, channels_last)
    assert back.shape == x.shape
    np.testing.assert_allclose((cols.numpy() * y).sum(), (x * back.numpy()).sum(), rtol=1e-10)
    # One layout is the other's transpose: rows[n·L + l, t·C + c] = cols[n, c·Πk + t, l].
    if channels_last:
        first = np.moveaxis(x, -1, 1)
        other = Unfold.apply(gg.tensor(first), window).numpy()
        n, taps = x.shape[0], int(np.prod(window.kernel))
        as_rows = other.reshape(n, 3, taps, -1).transpose(0, 3, 2, 1).reshape(cols.shape)
        np.testing.assert_array_equal(cols.numpy(), as_rows)


@pytest.mark.parametrize("channels_last", [False, True])
@pytest.mark.parametrize("window", GEOMETRIES)
def test_unfold_and_fold_first_and_second_derivatives(window, channels_last):
    rng = np.random.default_rng(1)
    x = gg.tensor(rng.standard_normal(_input_shape(window, 2, channels_last)),
                  requires_grad=True)
    cols_shape = Unfold.apply(x, window, channels_last).shape
    cols = gg.tensor(rng.standard_normal(cols_shape), requires_grad=True)
    # squared, so that the second derivative is not zero
    assert gradcheck(lambda x: Unfold.apply(x, window, channels_last) ** 2, (x,))
    assert gradgradcheck(lambda x: Unfold.apply(x, window, channels_last) ** 2, (x,))
    assert gradcheck(lambda c: Fold.apply(c, window, channels_last) ** 2, (cols,))
    assert gradgradcheck(lambda c: Fold.apply(c, window, channels_last) ** 2, (cols,))


def test_one_rule_per_window_op_and_maxpool_alone_has_a_numpy_override():
    """Unfold and Fold are each other's backward, with no numpy transcription beside it."""
    assert Unfold.backward_array is None and Fold.backward_array is None
    assert MaxPool.backward_array is not None and "Measured" in MaxPool.__doc__
