"""Convolutions: conv1d, conv2d and their adjoints conv_transpose1d, conv_transpose2d.

A convolution is im2col + one matrix product (shared/PERFORMANCE.md: BLAS-bound, no loop over
batch, channels or positions), in one of two layouts:

    cols = unfold(x)                  (N, C·Πk, L)    one column per output position
    y    = W.reshape(O, C·Πk) @ cols  (N, O, L)       one batched GEMM, already in (N, O, L) order

or, from 16 input channels on (measured faster there, see ROWS_MIN_CHANNELS):

    rows = im2row(x as (N, *S, C))    (N·L, Πk·C)     channels-last window rows
    y    = rows @ Wᵀ + b              (N·L, O)        one large GEMM, then back to (N, O, *S)

Both are built from differentiable ops, so conv is differentiable to any order.
The transposed convolution is the adjoint: cols = Wᵀ @ x, then fold sums the columns into place.
With `groups` G, channels split into G independent blocks: the weight gains a leading G axis
and the same single matmul runs over (N, G) at once.
"""
from ...ops.im2row import im2row
from ...ops.linalg import addmm, linear, matmul
from ...ops.movement import pad as _pad
from ...ops.window import _tuple, fold, unfold

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


def check_kernel_fits(op, spatial, kernel, dilation, pads, shape):
    """The dilated kernel must fit in the padded input along every spatial dimension."""
    for name, size, k, d, (lo, hi) in zip(_SPATIAL[len(spatial)], spatial, kernel, dilation,
                                          pads):
        span = d * (k - 1) + 1
        if size + lo + hi < span:
            raise RuntimeError(f"{op}: the kernel spans {span} along {name} (kernel_size {k}, "
                               f"dilation {d}) but the padded input is only {size + lo + hi} "
                               f"(size {size}, padding {lo}+{hi}); input of shape {shape}")


def conv_padding(op, padding, kernel, dilation, stride):
    """Per-dimension (left, right) padding for an int, a tuple, 'valid' or 'same'.

    'same' keeps the size at stride 1: d·(k-1) zeros in all, the odd one on the right (as torch).
    """
    nd = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding != "same":
            raise ValueError(f"{op}: padding must be 'valid', 'same', an int or a tuple, got "
                             f"{padding!r}")
        if any(s != 1 for s in stride):
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions "
                             f"(stride={stride})")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in totals)
    values = _tuple(padding, nd, "padding", op)
    if min(values) < 0:
        raise ValueError(f"{op}: padding must be non-negative, got {values}")
    return tuple((p, p) for p in values)


def _convnd(op, nd, input, weight, bias, stride, padding, dilation, groups):
    """conv1d/conv2d for `nd` spatial dimensions; `op` names the caller in errors."""
    if weight.ndim != nd + 2:
        raise RuntimeError(f"{op}: expected a {nd + 2}-D weight (out_channels, in_channels / "
                           f"groups, *kernel_size), got shape {tuple(weight.shape)}")
    out_channels, group_in = weight.shape[0], weight.shape[1]
    if groups < 1 or out_channels % groups:
        raise ValueError(f"{op}: groups={groups} must be positive and divide out_channels="
                         f"{out_channels} (weight of shape {tuple(weight.shape)})")
    x, unbatched = check_input(op, nd, input, group_in * groups)
    kernel = tuple(weight.shape[2:])
    stride = _tuple(stride, nd, "stride", op)
    dilation = _tuple(dilation, nd, "dilation", op)
    if min(stride + dilation) < 1:
        raise ValueError(f"{op}: stride and dilation must be positive, got stride={stride}, "
                         f"dilation={dilation}")
    pads = conv_padding(op, padding, kernel, dilation, stride)
    check_kernel_fits(op, x.shape[2:], kernel, dilation, pads, tuple(input.shape))
    if any(lo != hi for lo, hi in pads):          # 'same' with an even kernel: pad unevenly
        x = _pad(x, [w for lo_hi in reversed(pads) for w in lo_hi])
        pads = ((0, 0),) * nd
    n = x.shape[0]
    padding = tuple(lo for lo, _ in pads)
    spatial = tuple((size + lo + hi - d * (k - 1) - 1) // s + 1 for size, (lo, hi), k, d, s
                    in zip(x.shape[2:], pads, kernel, dilation, stride))
    if groups == 1 and group_in >= ROWS_MIN_CHANNELS:
        out = _conv_rows(x, weight, bias, kernel, dilation, padding, stride, spatial)
    else:
        cols = unfold(x, kernel, dilation, padding, stride)                  # (N, C·Πk, L)
        cols = cols.reshape(n, groups, -1, cols.shape[2])                    # (N, G, C/G·Πk, L)
        w = weight.reshape(groups, out_channels // groups, -1)               # (G, O/G, C/G·Πk)
        if bias is None:
            out = matmul(w, cols)
        else:                        # the bias added into the product: one array, not two
            out = addmm(bias.reshape(groups, -1, 1), w, cols)
        out = out.reshape((n, out_channels) + spatial)
    return out.squeeze(0) if unbatched else out


def _conv_rows(x, weight, bias, kernel, dilation, padding, stride, spatial):
    """groups=1 convolution as one large product on channels-last window rows (ops/im2row.py):

        rows = im2row(x as (N, *S, C))      (N·L, Πk·C)
        y    = rows @ Wᵀ + b                (N·L, O)    W as (O, Πk·C): one linear, bias fused
        out  = y as (N, O, *S_out)          contiguous, as torch's conv output is
    """
    nd, n, out_channels = len(kernel), x.shape[0], weight.shape[0]
    to_last = (0,) + tuple(range(2, 2 + nd)) + (1,)              # (N, C, *S) → (N, *S, C)
    rows = im2row(x.permute(to_last), kernel, dilation, padding, stride)
    w = weight.permute(to_last).reshape(out_channels, -1)        # (O, *k, C) → (O, Πk·C)
    out = linear(rows, w, bias).reshape((n,) + spatial + (out_channels,))
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


def transposed_output_size(op, spatial, kernel, stride, padding, output_padding, dilation):
    """Output sizes of a transposed conv: (S - 1)·s - 2p + d·(k - 1) + output_padding + 1."""
    sizes = tuple((size - 1) * s - 2 * p + d * (k - 1) + o + 1 for size, k, s, p, o, d
                  in zip(spatial, kernel, stride, padding, output_padding, dilation))
    if min(sizes) < 1:
        raise RuntimeError(f"{op}: the output size {sizes} computed from input size "
                           f"{tuple(spatial)}, kernel_size {kernel}, stride {stride}, padding "
                           f"{padding}, output_padding {output_padding} and dilation {dilation} "
                           "is too small")
    return sizes


def _conv_transposend(op, nd, input, weight, bias, stride, padding, output_padding, groups,
                      dilation):
    """conv_transpose1d/2d: the adjoint of conv (its input gradient), so fold-based."""
    if weight.ndim != nd + 2:
        raise RuntimeError(f"{op}: expected a {nd + 2}-D weight (in_channels, out_channels / "
                           f"groups, *kernel_size), got shape {tuple(weight.shape)}")
    in_channels, group_out = weight.shape[0], weight.shape[1]
    if groups < 1 or in_channels % groups:
        raise ValueError(f"{op}: groups={groups} must be positive and divide in_channels="
                         f"{in_channels} (weight of shape {tuple(weight.shape)})")
    x, unbatched = check_input(op, nd, input, in_channels)
    kernel = tuple(weight.shape[2:])
    stride = _tuple(stride, nd, "stride", op)
    padding = _tuple(padding, nd, "padding", op)
    output_padding = _tuple(output_padding, nd, "output_padding", op)
    dilation = _tuple(dilation, nd, "dilation", op)
    if min(stride + dilation) < 1 or min(padding + output_padding) < 0:
        raise ValueError(f"{op}: stride and dilation must be positive and padding, "
                         f"output_padding non-negative; got stride={stride}, dilation="
                         f"{dilation}, padding={padding}, output_padding={output_padding}")
    if any(o >= max(s, d) for o, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(f"{op}: output_padding {output_padding} must be smaller than either "
                         f"stride {stride} or dilation {dilation}")
    spatial = tuple(x.shape[2:])
    sizes = transposed_output_size(op, spatial, kernel, stride, padding, output_padding,
                                   dilation)
    n, out_channels, length = x.shape[0], group_out * groups, 1
    for size in spatial:
        length *= size
    # cols[n, g] = W[g]ᵀ @ x[n, g]: (G, O/G·Πk, C/G) @ (N, G, C/G, L) → (N, G, O/G·Πk, L)
    w = weight.reshape(groups, in_channels // groups, -1).transpose(1, 2)
    cols = matmul(w, x.reshape(n, groups, in_channels // groups, length))
    cols = cols.reshape(n, -1, length)                                       # (N, O·Πk, L)
    if all(o < s for o, s in zip(output_padding, stride)):
        out = fold(cols, sizes, kernel, dilation, padding, stride)
    else:
        # output_padding ≥ stride (allowed when < dilation): fold the full, uncropped output,
        # then cut `padding` from the left and keep `sizes`, zero-padding the right if short.
        full = tuple((size - 1) * s + d * (k - 1) + 1 for size, s, d, k
                     in zip(spatial, stride, dilation, kernel))
        out = fold(cols, full, kernel, dilation, 0, stride)
        short = [max(0, p + size - f) for p, size, f in zip(padding, sizes, full)]
        if any(short):
            out = _pad(out, [w for s in reversed(short) for w in (0, s)])
        out = out[(slice(None), slice(None)) + tuple(slice(p, p + size) for p, size
                                                     in zip(padding, sizes))]
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
