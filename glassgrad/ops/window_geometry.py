"""Window geometry: the one place where kernel_size, stride, padding and dilation are normalised
and checked, and where the number of windows (the output size) is computed, for every op that
slides a window: unfold/fold, conv, conv_transpose, max and average pooling.

Along one spatial dimension of size S, a kernel of k taps spaced d apart spans d·(k - 1) + 1
elements. With `lo` zeros before the input and `hi` after it, windows start every s elements:

    positions = ⌊(lo + S + hi - d·(k - 1) - 1) / s⌋ + 1           (conv's output size)

The ops take the result as one `Window`, so they never look at the user's arguments again.
"""
from typing import NamedTuple

KINDS = ("window", "conv", "conv_transpose", "max_pool", "avg_pool")


class Window(NamedTuple):
    """Where the windows of a sliding-window op lie, one entry per spatial dimension."""
    kernel: tuple      # taps
    stride: tuple      # elements between the starts of neighbouring windows
    padding: tuple     # (lo, hi): zeros before and after the image; hi < 0 when the windows
                       # stop short of the image's end (conv_transpose's output_padding)
    dilation: tuple    # elements between neighbouring taps
    image: tuple       # the size the windows slide over: unfold's input, fold's output
    positions: tuple   # windows: unfold's and conv's output size, conv_transpose's input size


def window_geometry(op, kind, spatial, kernel_size, stride=None, padding=0, dilation=1, *,
                    output_padding=0, ceil_mode=False, shape=None):
    """Normalise and check a sliding window's parameters; returns a `Window`.

    Args:
        op: the name errors start with ('conv2d', 'MaxPool2d(kernel_size=2, ...)').
        kind: 'window' (unfold, fold), 'conv', 'conv_transpose', 'max_pool' or 'avg_pool'.
        spatial: the spatial sizes of the op's input (the image, or for 'conv_transpose' the
            positions), or only their number where no input is at hand (a layer's __init__):
            then `image` and `positions` are None.
        kernel_size, stride, padding, dilation: ints, or one value per spatial dimension.
            'conv' also takes padding 'valid' or 'same'. stride None (the default) is 1, or
            for pools the kernel_size (windows side by side), as in torch.
        output_padding: 'conv_transpose' only: extra output elements on the right.
        ceil_mode: pools only: round the number of windows up (the last one may overhang).
        shape: the input's full shape, for error messages.
    """
    nd = spatial if isinstance(spatial, int) else len(spatial)
    pool = kind in ("max_pool", "avg_pool")
    if kind not in KINDS:
        raise ValueError(f"{op}: unknown window kind {kind!r}; expected one of {KINDS}")
    if ceil_mode and not pool:
        raise ValueError(f"{op}: ceil_mode is for pools only")
    kernel = _ints(op, "kernel_size", kernel_size, nd)
    if stride is None or stride == () or stride == []:
        stride = kernel if pool else 1          # torch's pools: windows side by side
    stride = _ints(op, "stride", stride, nd)
    dilation = _ints(op, "dilation", dilation, nd)
    output_padding = _ints(op, "output_padding", output_padding, nd)
    if min(kernel + stride + dilation) < 1 or min(output_padding) < 0 or (
            not isinstance(padding, str) and min(_ints(op, "padding", padding, nd)) < 0):
        extra = f", output_padding={output_padding}" if kind == "conv_transpose" else ""
        raise ValueError(f"{op}: kernel_size, stride and dilation must be positive and padding "
                         f"non-negative, got kernel_size={kernel}, stride={stride}, padding="
                         f"{padding}, dilation={dilation}{extra}")
    spans = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    pads = _pairs(op, kind, padding, nd, spans, stride)
    # torch's rule for both pools: at most half the kernel's taps (not of its dilated span)
    if pool and any(lo > k // 2 for (lo, _), k in zip(pads, kernel)):
        raise ValueError(f"{op}: padding {tuple(lo for lo, _ in pads)} must be at most half "
                         f"of the kernel size {kernel} (dilation {dilation})")
    if kind == "conv_transpose":
        if any(o >= max(s, d) for o, s, d in zip(output_padding, stride, dilation)):
            raise ValueError(f"{op}: output_padding {output_padding} must be smaller than "
                             f"either stride {stride} or dilation {dilation}")
        # The adjoint conv's windows cover the output but for its last output_padding elements.
        pads = tuple((lo, hi - o) for (lo, hi), o in zip(pads, output_padding))
    elif any(output_padding):
        raise ValueError(f"{op}: output_padding is for transposed convolutions only")
    if isinstance(spatial, int):
        return Window(kernel, stride, pads, dilation, None, None)
    spatial = tuple(int(s) for s in spatial)
    if kind == "conv_transpose":
        image = tuple((p - 1) * s + span - lo - hi for p, s, span, (lo, hi)
                      in zip(spatial, stride, spans, pads))
        if min(image) < 1:
            raise RuntimeError(f"{op}: the output size {image} computed from input size "
                               f"{spatial}, kernel_size {kernel}, stride {stride}, padding "
                               f"{tuple(lo for lo, _ in pads)}, output_padding {output_padding}"
                               f" and dilation {dilation} is too small")
        return Window(kernel, stride, pads, dilation, image, spatial)
    positions, grown = [], []
    for axis, (size, k, s, d, span, (lo, hi)) in enumerate(zip(spatial, kernel, stride,
                                                               dilation, spans, pads)):
        padded = lo + size + hi
        count = (padded - span + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (count - 1) * s >= size + lo:
            count -= 1           # torch: the last window starts inside the input or its padding
        if count < 1:
            _too_small(op, pool, shape or spatial, kernel, axis, nd, span, k, d, size, lo, hi)
        positions.append(count)
        # ceil_mode's last window overhangs the padding: more padding on the right.
        grown.append((lo, max(hi, (count - 1) * s + span - size - lo)))
    return Window(kernel, stride, tuple(grown), dilation, spatial, tuple(positions))


def _ints(op, name, value, nd):
    """One int per spatial dimension, from an int or a sequence of nd of them."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * nd
    if len(values) != nd:
        raise ValueError(f"{op}: {name} needs {nd} values for {nd} spatial dimension(s), got "
                         f"{values}")
    return tuple(int(v) for v in values)


def _pairs(op, kind, padding, nd, spans, stride):
    """Per-dimension (lo, hi) zeros for an int, a tuple, or conv's 'valid' and 'same'.

    'same' keeps the size at stride 1: d·(k-1) zeros in all, the odd one on the right (as torch).
    """
    if not isinstance(padding, str):
        return tuple((p, p) for p in _ints(op, "padding", padding, nd))
    if kind != "conv":
        raise ValueError(f"{op}: padding must be an int or a tuple, got {padding!r}")
    if padding == "valid":
        return ((0, 0),) * nd
    if padding != "same":
        raise ValueError(f"{op}: padding must be 'valid', 'same', an int or a tuple, got "
                         f"{padding!r}")
    if any(s != 1 for s in stride):
        raise ValueError(f"{op}: padding='same' is not supported for strided convolutions "
                         f"(stride={stride})")
    return tuple(((span - 1) // 2, span - 1 - (span - 1) // 2) for span in spans)


def _too_small(op, pool, shape, kernel, axis, nd, span, k, d, size, lo, hi):
    name = ("L",) if nd == 1 else ("D", "H", "W")[-nd:] if nd <= 3 else tuple(range(nd))
    fit = (f"the kernel spans {span} along {name[axis]} (kernel_size {k}, dilation {d}) but the "
           f"padded input is only {lo + size + hi} (size {size}, padding {lo}+{hi})")
    if pool:                              # a pool's user thinks in output sizes
        raise RuntimeError(f"{op}: input of shape {tuple(shape)} is too small for kernel_size "
                           f"{kernel}: {fit}")
    raise RuntimeError(f"{op}: {fit}; input of shape {tuple(shape)}")
