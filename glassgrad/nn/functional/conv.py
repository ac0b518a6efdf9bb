"""Convolutions: conv1d, conv2d and their adjoints conv_transpose1d, conv_transpose2d.

A convolution is im2col + one matrix product (shared/PERFORMANCE.md: BLAS-bound, no loop over
batch, channels or positions), in one of two layouts:

    cols = unfold(x)                  (N, C·Πk, L)    one column per output position
    y    = W.reshape(O, C·Πk) @ cols  (N, O, L)       one batched GEMM, already in (N, O, L) order

or, from 16 input channels on (measured faster there, see ROWS_MIN_CHANNELS):

    rows = unfold(x as (N, *S, C))    (N·L, Πk·C)     channels-last window rows
    y    = rows @ Wᵀ + b              (N·L, O)        one large GEMM, then back to (N, O, *S)

Both are built from differentiable ops, so conv is differentiable to any order.
The transposed convolution is the adjoint: cols = Wᵀ @ x, then fold sums the columns into place.
With `groups` G, channels split into G independent blocks: the weight gains a leading G axis
and the same single matmul runs over (N, G) at once.
"""
from ...ops.linalg import addmm, linear, matmul
from ...ops.window import Fold, Unfold
from ...ops.window_geometry import window_geometry

_SPATIAL = {1: ("L",), 2: ("H", "W")}

# From this many input channels on, the channels-last rows path (_conv_rows) is faster than
# unfold + batched matmul: forward + backward measured on 2 cores, old → rows, in ms:
# C=8 (100, 8, 40) k5 1.40 → 1.70;  C=16 (100, 16, 40) 2.13 → 2.07, (64, 16, 14, 14) k3 11.0 →
# 11.3;  C=32 (100, 32, 40) 3.8 → 3.1;  C=64 (32, 64, 8, 8) → 128, k3 13.5 → 8.5.
ROWS_MIN_CHANNELS = 16


def expected_shape(nd, channels):
    """'(N, 3, H, W)': the input shape a layer with `channels` input channels expects."""
    return "(" + ", ".join(("N", str(channels)) + _SPATIAL[nd]) + ")"


def check_input(op, nd, input, channels):
    """Check rank and channel count; returns (input with a batch dim, whether it was added).

    Accepts the batched (N, C, *spatial) and the unbatched (C, *spatial) forms, as torch does.
    """
    shape = tuple(input.shape)
    if input.ndim == nd + 1 and shape[0] == channels:
        return input.unsqueeze(0), True
    if input.ndim != nd + 2 or shape[1] != channels:
        raise RuntimeError(f"{op}: expected input of shape {expected_shape(nd, channels)}, "
                           f"got {shape}")
    return input, False


def check_weight(op, nd, weight, groups, transposed=False):
    """Check a conv weight's rank and its groups; returns (in_channels, out_channels).

    conv's weight is (out_channels, in_channels / groups, *kernel), conv_transpose's the
    adjoint's, (in_channels, out_channels / groups, *kernel): the first axis splits into groups.
    """
    first, second = ("in_channels", "out_channels") if transposed else \
        ("out_channels", "in_channels")
    if weight.ndim != nd + 2:
        raise RuntimeError(f"{op}: expected a {nd + 2}-D weight ({first}, {second} / groups, "
                           f"*kernel_size), got shape {tuple(weight.shape)}")
    lead, per_group = weight.shape[0], weight.shape[1]
    if groups < 1 or lead % groups:
        raise ValueError(f"{op}: groups={groups} must be positive and divide {first}={lead} "
                         f"(weight of shape {tuple(weight.shape)})")
    return (lead, per_group * groups) if transposed else (per_group * groups, lead)


def _convnd(op, nd, input, weight, bias, stride, padding, dilation, groups):
    """conv1d/conv2d for `nd` spatial dimensions; `op` names the caller in errors."""
    in_channels, out_channels = check_weight(op, nd, weight, groups)
    x, unbatched = check_input(op, nd, input, in_channels)
    window = window_geometry(op, "conv", x.shape[2:], weight.shape[2:], stride, padding,
                             dilation, shape=input.shape)
    n = x.shape[0]
    if groups == 1 and in_channels >= ROWS_MIN_CHANNELS:
        out = _conv_rows(x, weight, bias, window)
    else:
        cols = Unfold.apply(x, window)                                       # (N, C·Πk, L)
        # explicit sizes, not -1: an empty batch (N = 0) has no elements to infer -1 from
        per_group = cols.shape[1] // groups
        cols = cols.reshape(n, groups, per_group, cols.shape[2])             # (N, G, C/G·Πk, L)
        w = weight.reshape(groups, out_channels // groups, per_group)        # (G, O/G, C/G·Πk)
        if bias is None:
            out = matmul(w, cols)
        else:                        # the bias added into the product: one array, not two
            out = addmm(bias.reshape(groups, -1, 1), w, cols)
        out = out.reshape((n, out_channels) + window.positions)
    return out.squeeze(0) if unbatched else out


def _conv_rows(x, weight, bias, window):
    """groups=1 convolution as one large product on channels-last window rows:

        rows = unfold(x as (N, *S, C))      (N·L, Πk·C)  (channels_last, ops/window.py)
        y    = rows @ Wᵀ + b                (N·L, O)    W as (O, Πk·C): one linear, bias fused
        out  = y as (N, O, *S_out)          contiguous, as torch's conv output is
    """
    nd, n, out_channels = len(window.kernel), x.shape[0], weight.shape[0]
    to_last = (0,) + tuple(range(2, 2 + nd)) + (1,)              # (N, C, *S) → (N, *S, C)
    rows = Unfold.apply(x.permute(to_last), window, True)
    w = weight.permute(to_last).reshape(out_channels, -1)        # (O, *k, C) → (O, Πk·C)
    out = linear(rows, w, bias).reshape((n,) + window.positions + (out_channels,))
    return out.permute((0, 1 + nd) + tuple(range(1, 1 + nd))).contiguous()


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (cross-correlation, as in torch) over (N, C_in, L).

    Shape: input (N, C_in, L) or (C_in, L); weight (C_out, C_in / groups, k); bias (C_out,);
    output (N, C_out, L_out), L_out = ⌊(L + 2·padding - dilation·(k - 1) - 1) / stride⌋ + 1.
    `padding` may also be 'valid' (none) or 'same' (output as long as the input; stride 1).
    """
    return _convnd("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation, as in torch) over (N, C_in, H, W).

    y[n, o] = b[o] + Σ_c Σ_(i,j) W[o, c, i, j] · x[n, c, s·h + d·i - p, s·w + d·j - p]

    Shape: input (N, C_in, H, W) or (C_in, H, W); weight (C_out, C_in / groups, kH, kW);
    output (N, C_out, H_out, W_out), each H_out = ⌊(H + 2p - d·(k - 1) - 1) / s⌋ + 1.

    Example::

        >>> x = glassgrad.randn(8, 3, 32, 32)
        >>> w = glassgrad.randn(16, 3, 3, 3)
        >>> conv2d(x, w, padding=1).shape
        (8, 16, 32, 32)
    """
    return _convnd("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def _conv_transposend(op, nd, input, weight, bias, stride, padding, output_padding, groups,
                      dilation):
    """conv_transpose1d/2d: the adjoint of conv (its input gradient), so fold-based."""
    in_channels, out_channels = check_weight(op, nd, weight, groups, transposed=True)
    x, unbatched = check_input(op, nd, input, in_channels)
    # The windows of the conv whose adjoint this is: its output (the positions) is x.
    window = window_geometry(op, "conv_transpose", x.shape[2:], weight.shape[2:], stride,
                             padding, dilation, output_padding=output_padding,
                             shape=input.shape)
    n, length = x.shape[0], 1
    for size in window.positions:
        length *= size
    # cols[n, g] = W[g]ᵀ @ x[n, g]: (G, O/G·Πk, C/G) @ (N, G, C/G, L) → (N, G, O/G·Πk, L)
    w = weight.reshape(groups, in_channels // groups, -1).transpose(1, 2)
    cols = matmul(w, x.reshape(n, groups, in_channels // groups, length))
    rows = cols.shape[1] * cols.shape[2]                   # not -1: N = 0 must work too
    out = Fold.apply(cols.reshape(n, rows, length), window)                 # (N, O, *image)
    if bias is not None:
        out = out + bias.reshape((out_channels,) + (1,) * nd)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed 1-D convolution (the adjoint of conv1d), over (N, C_in, L).

    Shape: weight (C_in, C_out / groups, k); output length
    (L - 1)·stride - 2·padding + dilation·(k - 1) + output_padding + 1.
    """
    return _conv_transposend("conv_transpose1d", 1, input, weight, bias, stride, padding,
                             output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """Transposed 2-D convolution ("deconvolution"): conv2d's adjoint, so conv2d's input
    gradient is conv_transpose2d of the output gradient with the same weight.

    Shape: input (N, C_in, H, W); weight (C_in, C_out / groups, kH, kW); each output size
    (H - 1)·stride - 2·padding + dilation·(kH - 1) + output_padding + 1.

    Example::

        >>> x = glassgrad.randn(1, 16, 7, 7)
        >>> w = glassgrad.randn(16, 8, 4, 4)
        >>> conv_transpose2d(x, w, stride=2, padding=1).shape
        (1, 8, 14, 14)
    """
    return _conv_transposend("conv_transpose2d", 2, input, weight, bias, stride, padding,
                             output_padding, groups, dilation)
