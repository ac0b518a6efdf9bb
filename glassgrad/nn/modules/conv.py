"""Convolution layers: Conv1d, Conv2d and the transposed ConvTranspose1d, ConvTranspose2d.

Each holds `weight` (out_channels, in_channels / groups, *kernel_size) — (in_channels,
out_channels / groups, *kernel_size) when transposed — and an optional `bias` (out_channels,),
and calls glassgrad.nn.functional's convolution (im2col + one matmul; see functional/conv.py).
"""
import math

from ... import creation
from ...ops.movement import pad as _pad
from ...ops.window_geometry import window_geometry
from .. import init
from ..functional.conv import _conv_transposend, _convnd, check_input
from ..parameter import Parameter
from .module import Module

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What every convolution layer shares: argument checks, parameters, initialisation, repr."""

    _dims = 2
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", output_padding=0, dtype=None):
        super().__init__()
        name, nd = type(self).__name__, self._dims
        if in_channels < 1 or out_channels < 1 or groups < 1:
            raise ValueError(f"{name}: in_channels, out_channels and groups must be positive, "
                             f"got {in_channels}, {out_channels}, {groups}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: groups={groups} must divide both in_channels="
                             f"{in_channels} and out_channels={out_channels}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        window = window_geometry(name, "conv_transpose" if self._transposed else "conv", nd,
                                 kernel_size, stride, padding, dilation,
                                 output_padding=output_padding)
        self.kernel_size, self.stride, self.dilation = window.kernel, window.stride, \
            window.dilation
        # padding as given (a string stays one, as in torch's repr); conv_transpose's windows
        # stop output_padding short of the end, so hi = padding - output_padding there.
        self.padding = padding if isinstance(padding, str) else tuple(
            lo for lo, _ in window.padding)
        self.output_padding = tuple(lo - hi for lo, hi in window.padding) if \
            self._transposed else (0,) * nd
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {PADDING_MODES}, got "
                             f"{padding_mode!r}")
        if self._transposed and padding_mode != "zeros":
            raise ValueError(f"{name}: only 'zeros' padding_mode is supported, got "
                             f"{padding_mode!r}")
        self.padding_mode = padding_mode
        if self._transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(creation.empty(*shape, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: kaiming_uniform_(a=√5) for the weight, which is U(±1/√fan_in),
        and the bias U(±1/√fan_in), fan_in = weight.shape[1]·Πkernel_size.
        - Paper: He et al. 2015, "Delving Deep into Rectifiers", https://arxiv.org/abs/1502.01852
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def _label(self):
        """How errors name this layer: 'Conv2d(3, 16, kernel_size=(3, 3))'."""
        return (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, "
                f"kernel_size={self.kernel_size})")

    def extra_repr(self):
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,) * self._dims:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self._dims:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._dims:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class _Conv(_ConvNd):
    def forward(self, input):
        if self.padding_mode == "zeros":
            return _convnd(self._label(), self._dims, input, self.weight, self.bias,
                           self.stride, self.padding, self.dilation, self.groups)
        # reflect / replicate / circular: pad explicitly first, then convolve without padding.
        x, unbatched = check_input(self._label(), self._dims, input, self.in_channels)
        pads = window_geometry(self._label(), "conv", self._dims, self.kernel_size, self.stride,
                               self.padding, self.dilation).padding
        x = _pad(x, [w for lo_hi in reversed(pads) for w in lo_hi], mode=self.padding_mode)
        out = _convnd(self._label(), self._dims, x, self.weight, self.bias, self.stride, 0,
                      self.dilation, self.groups)
        return out.squeeze(0) if unbatched else out


class Conv1d(_Conv):
    """1-D convolution over (N, C_in, L): y = b + Σ W ⋆ x (cross-correlation, as in torch).

    Args: in_channels, out_channels, kernel_size, stride=1, padding=0 (int, 'valid' or
    'same'), dilation=1, groups=1, bias=True, padding_mode='zeros' ('reflect', 'replicate',
    'circular').
    Shape: (N, C_in, L) → (N, C_out, L_out), L_out = ⌊(L + 2p - d·(k - 1) - 1) / s⌋ + 1.

    Example::

        >>> conv = Conv1d(1, 32, 5, padding=2)
        >>> conv(glassgrad.randn(100, 1, 40)).shape
        (100, 32, 40)
    """

    _dims = 1


class Conv2d(_Conv):
    """2-D convolution over (N, C_in, H, W), im2col + one matmul.

    y[n, o] = b[o] + Σ_c Σ_(i,j) W[o, c, i, j] · x[n, c, s·h + d·i - p, s·w + d·j - p]

    Args: in_channels, out_channels, kernel_size, stride=1, padding=0 (int, tuple, 'valid' or
    'same'), dilation=1, groups=1, bias=True, padding_mode='zeros' ('reflect', 'replicate',
    'circular').
    Shape: (N, C_in, H, W) → (N, C_out, H_out, W_out), H_out = ⌊(H + 2p - d·(k - 1) - 1) / s⌋ + 1.

    Example::

        >>> conv = Conv2d(1, 32, 3, padding=1)
        >>> conv(glassgrad.randn(64, 1, 28, 28)).shape
        (64, 32, 28, 28)
    """

    _dims = 2


class _ConvTranspose(_ConvNd):
    _transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, dtype)

    def forward(self, input, output_size=None):
        """`output_size` picks among the sizes a strided transposed conv can produce (the
        output_padding that reaches it), as torch's does."""
        output_padding = self.output_padding
        if output_size is not None:
            output_padding = self._output_padding(input, output_size)
        return _conv_transposend(self._label(), self._dims, input, self.weight, self.bias,
                                 self.stride, self.padding, output_padding, self.groups,
                                 self.dilation)

    def _output_padding(self, input, output_size):
        nd, label = self._dims, self._label()
        wanted = tuple(int(s) for s in output_size)[-nd:]
        if len(output_size) not in (nd, nd + 2):
            raise ValueError(f"{label}: output_size must have {nd} or {nd + 2} elements, got "
                             f"{tuple(output_size)}")
        smallest = window_geometry(label, "conv_transpose", input.shape[-nd:], self.kernel_size,
                                   self.stride, self.padding, self.dilation).image
        for want, low, s in zip(wanted, smallest, self.stride):
            if not low <= want <= low + s - 1:
                raise ValueError(f"{label}: requested output_size {wanted} is not reachable "
                                 f"from input of shape {tuple(input.shape)}; each size must "
                                 f"lie between {smallest} and "
                                 f"{tuple(lo + s - 1 for lo, s in zip(smallest, self.stride))}")
        return tuple(want - low for want, low in zip(wanted, smallest))


class ConvTranspose1d(_ConvTranspose):
    """Transposed 1-D convolution, conv1d's adjoint (fold-based).

    Shape: (N, C_in, L) → (N, C_out, (L - 1)·s - 2p + d·(k - 1) + output_padding + 1).
    """

    _dims = 1


class ConvTranspose2d(_ConvTranspose):
    """Transposed 2-D convolution ("deconvolution"), conv2d's adjoint: the layer that upsamples
    in decoders and GAN generators.

    Args: in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
    groups=1, bias=True, dilation=1.
    Shape: (N, C_in, H, W) → (N, C_out, H_out, W_out),
    H_out = (H - 1)·stride - 2·padding + dilation·(kH - 1) + output_padding + 1.

    Example::

        >>> up = ConvTranspose2d(16, 8, 4, stride=2, padding=1)
        >>> up(glassgrad.randn(1, 16, 7, 7)).shape
        (1, 8, 14, 14)
    """

    _dims = 2
