"""Pooling layers: MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d. No parameters; each is a
thin layer over glassgrad.nn.functional.pooling, whose errors name the layer."""
from ...ops.window_geometry import window_geometry
from ..functional.pooling import _adaptive_avg_poolnd, _avg_poolnd, _max_poolnd
from .module import Module


class _MaxPoolNd(Module):
    _dims = 2

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        return _max_poolnd(f"{type(self).__name__}({self.extra_repr()})", self._dims, input,
                           self.kernel_size, self.stride, self.padding, self.dilation,
                           self.ceil_mode, self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """Max over sliding windows of (N, C, L); stride defaults to kernel_size.

    Shape: (N, C, L) → (N, C, ⌊(L + 2p - d·(k - 1) - 1) / s⌋ + 1) (⌈⌉ with ceil_mode).
    With return_indices, also each maximum's position (for unpooling).
    """

    _dims = 1


class MaxPool2d(_MaxPoolNd):
    """Max over sliding windows of (N, C, H, W); the gradient goes to each window's maximum.

    Shape: (N, C, H, W) → (N, C, H_out, W_out), each as MaxPool1d's.

    Example::

        >>> MaxPool2d(2)(glassgrad.randn(64, 32, 28, 28)).shape
        (64, 32, 14, 14)
    """

    _dims = 2


class _AvgPoolNd(Module):
    _dims = 2

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):
        return _avg_poolnd(f"{type(self).__name__}({self.extra_repr()})", self._dims, input,
                           self.kernel_size, self.stride, self.padding, self.ceil_mode,
                           self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """Mean over sliding windows of (N, C, L); zero padding counts unless
    count_include_pad=False."""

    _dims = 1

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        # torch keeps AvgPool1d's sizes as 1-tuples (its repr shows them so)
        window = window_geometry("AvgPool1d", "avg_pool", 1, kernel_size, stride, padding)
        super().__init__(window.kernel, window.stride, tuple(lo for lo, _ in window.padding),
                         ceil_mode, count_include_pad)


class AvgPool2d(_AvgPoolNd):
    """Mean over sliding windows of (N, C, H, W) (or a sum divided by divisor_override).

    Example::

        >>> AvgPool2d(2)(glassgrad.randn(8, 3, 32, 32)).shape
        (8, 3, 16, 16)
    """

    _dims = 2


class AdaptiveAvgPool1d(Module):
    """Mean over `output_size` windows that tile L as evenly as possible: window i covers
    [⌊i·L/out⌋, ⌈(i+1)·L/out⌉) (torch's rule)."""

    _dims = 1

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return _adaptive_avg_poolnd(f"{type(self).__name__}({self.extra_repr()})", self._dims,
                                    input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(AdaptiveAvgPool1d):
    """Mean over an output_size grid of windows (None keeps that size); AdaptiveAvgPool2d(1)
    is global average pooling, the classifier head of ResNets.

    Example::

        >>> AdaptiveAvgPool2d(1)(glassgrad.randn(8, 64, 7, 7)).shape
        (8, 64, 1, 1)
    """

    _dims = 2
