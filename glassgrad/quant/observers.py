"""Observers: watch the tensors that flow past and choose the quantization range (min, max),
from which `calculate_qparams` gives (scale, zero point), as torch.ao.quantization's do.

    MinMaxObserver                min and max of everything seen
    MovingAverageMinMaxObserver   min ← min + c·(min(x) - min), the same for max (c = 0.01)
    PerChannelMinMaxObserver      min and max per slice of `ch_axis`
    PercentileObserver            the p-th and (100 - p)-th percentiles (clips outliers),
                                  averaged over the batches seen
    MSEObserver                   the clipping range α·[min, max], α on a grid, that minimises
                                  ‖x - q(x)‖² on the data seen (per tensor or per channel)

- Paper: Krishnamoorthi, arXiv:1806.08342, 2018 (min/max, moving averages, per-channel);
  McKinstry et al., "Discovering low-precision networks close to full-precision networks for
  efficient inference", 2019 (percentile clipping); Banner et al., "Post training 4-bit
  quantization of convolutional networks for rapid-deployment", NeurIPS 2019 (MSE-optimal
  clipping).
"""
import numpy as np

from ..nn.modules.module import Module
from ..tensor import Tensor
from .qparams import calculate_qparams, check_bits, qrange


def _array(x):
    return (x._data if isinstance(x, Tensor) else np.asarray(x)).astype(np.float32)


class _Observer(Module):
    """Base: `forward(x)` records x's range and returns x unchanged; `calculate_qparams()`."""

    def __init__(self, bits=8, symmetric=False, signed=True, ch_axis=None):
        super().__init__()
        self.bits = check_bits(bits, type(self).__name__)
        self.symmetric = bool(symmetric)
        self.signed = bool(signed)
        self.ch_axis = ch_axis
        self.quant_min, self.quant_max = qrange(self.bits, self.signed)
        self.register_buffer("min_val", Tensor(np.array(np.inf, dtype=np.float32)))
        self.register_buffer("max_val", Tensor(np.array(-np.inf, dtype=np.float32)))

    @property
    def observed(self):
        """Has some data been seen?"""
        return bool(np.all(np.isfinite(self.min_val._data)))

    def _per_channel(self, x):
        """x as (channels, rest) for ch_axis, with a check of the axis."""
        if not -x.ndim <= self.ch_axis < x.ndim:
            raise ValueError(f"{type(self).__name__}: ch_axis {self.ch_axis} is out of range "
                             f"for an input of shape {x.shape}")
        return np.moveaxis(x, self.ch_axis, 0).reshape(x.shape[self.ch_axis], -1)

    def _batch_range(self, x):
        if self.ch_axis is None:
            return x.min(), x.max()
        rows = self._per_channel(x)
        return rows.min(axis=1), rows.max(axis=1)

    def _check_channels(self, new):
        old = self.min_val._data
        if old.ndim and new.shape != old.shape:
            raise ValueError(f"{type(self).__name__}: {new.shape[0]} channels on axis "
                             f"{self.ch_axis}, but {old.shape[0]} were observed before")

    def forward(self, x):
        array = _array(x)
        if array.size == 0:
            return x
        low, high = self._batch_range(array)
        low, high = np.asarray(low, np.float32), np.asarray(high, np.float32)
        self._check_channels(low)
        self._update(low, high)
        return x

    def _update(self, low, high):
        self.min_val = Tensor(np.minimum(self.min_val._data, low).astype(np.float32))
        self.max_val = Tensor(np.maximum(self.max_val._data, high).astype(np.float32))

    def calculate_qparams(self):
        """(scale, zero_point) as numpy float32 / int64 arrays (0-d per tensor)."""
        if not self.observed:
            raise RuntimeError(f"{type(self).__name__}: calculate_qparams before any data was "
                               "observed; run calibration data through the model first")
        return calculate_qparams(self.min_val._data, self.max_val._data, self.bits,
                                 self.symmetric, self.signed)

    def extra_repr(self):
        return (f"bits={self.bits}, symmetric={self.symmetric}, signed={self.signed}, "
                f"min_val={self.min_val._data}, max_val={self.max_val._data}")


class MinMaxObserver(_Observer):
    """The running min and max of all observed values (torch.ao MinMaxObserver)."""

    def __init__(self, bits=8, symmetric=False, signed=True):
        super().__init__(bits, symmetric, signed)


class PerChannelMinMaxObserver(_Observer):
    """min and max of each slice of ch_axis (torch.ao PerChannelMinMaxObserver, ch_axis=0)."""

    def __init__(self, ch_axis=0, bits=8, symmetric=False, signed=True):
        super().__init__(bits, symmetric, signed, ch_axis)


class MovingAverageMinMaxObserver(_Observer):
    """min ← min + c·(min(x) - min) after the first batch (torch.ao's, averaging_constant c)."""

    def __init__(self, averaging_constant=0.01, bits=8, symmetric=False, signed=True,
                 ch_axis=None):
        super().__init__(bits, symmetric, signed, ch_axis)
        if not 0 < averaging_constant <= 1:
            raise ValueError(f"MovingAverageMinMaxObserver: averaging_constant must be in "
                             f"(0, 1], got {averaging_constant}")
        self.averaging_constant = float(averaging_constant)

    def _update(self, low, high):
        if not self.observed:
            return super()._update(low, high)
        c = np.float32(self.averaging_constant)
        old_low, old_high = self.min_val._data, self.max_val._data
        self.min_val = Tensor((old_low + c * (low - old_low)).astype(np.float32))
        self.max_val = Tensor((old_high + c * (high - old_high)).astype(np.float32))


class PercentileObserver(_Observer):
    """The range [P_p, P_(100-p)] of each batch, averaged over batches: clips rare outliers."""

    def __init__(self, percentile=99.99, bits=8, symmetric=False, signed=True, ch_axis=None):
        super().__init__(bits, symmetric, signed, ch_axis)
        if not 50 < percentile <= 100:
            raise ValueError(f"PercentileObserver: percentile must be in (50, 100], got "
                             f"{percentile}")
        self.percentile = float(percentile)
        self.batches = 0

    def _batch_range(self, x):
        rows = x.reshape(1, -1) if self.ch_axis is None else self._per_channel(x)
        low = np.percentile(rows, 100 - self.percentile, axis=1)
        high = np.percentile(rows, self.percentile, axis=1)
        return (low[0], high[0]) if self.ch_axis is None else (low, high)

    def _update(self, low, high):
        self.batches += 1
        if self.batches == 1:
            return super()._update(low, high)
        w = np.float32(1.0 / self.batches)   # a running mean over batches
        self.min_val = Tensor((self.min_val._data + w * (low - self.min_val._data))
                              .astype(np.float32))
        self.max_val = Tensor((self.max_val._data + w * (high - self.max_val._data))
                              .astype(np.float32))


class MSEObserver(_Observer):
    """The clipping range α·[min, max] minimising ‖x - fake_quantize(x)‖² over α ∈ a grid of
    `steps` values in [min_ratio, 1]; keeps up to `max_samples` observed values to search on.
    """

    def __init__(self, bits=8, symmetric=False, signed=True, ch_axis=None, steps=100,
                 min_ratio=0.1, max_samples=2 ** 18):
        super().__init__(bits, symmetric, signed, ch_axis)
        self.steps, self.min_ratio, self.max_samples = int(steps), float(min_ratio), max_samples
        self._samples = []

    def forward(self, x):
        array = _array(x)
        rows = array.reshape(1, -1) if self.ch_axis is None else self._per_channel(array)
        self._samples.append(rows[:, :self.max_samples])
        return super().forward(x)

    def calculate_qparams(self):
        if not self.observed:
            return super().calculate_qparams()
        data = np.concatenate(self._samples, axis=1)            # (channels, values)
        low = np.atleast_1d(self.min_val._data)[:, None]
        high = np.atleast_1d(self.max_val._data)[:, None]
        best_err = np.full(low.shape[0], np.inf)
        best = (low[:, 0].copy(), high[:, 0].copy())
        for alpha in np.linspace(self.min_ratio, 1.0, self.steps, dtype=np.float32):
            scale, zero = calculate_qparams(alpha * low[:, 0], alpha * high[:, 0], self.bits,
                                            self.symmetric, self.signed)
            scale, zero = scale[:, None], zero[:, None]
            q = np.clip(np.rint(data / scale) + zero, self.quant_min, self.quant_max)
            err = (((q - zero) * scale - data) ** 2).sum(axis=1)
            better = err < best_err
            best_err = np.where(better, err, best_err)
            best[0][better] = alpha * low[better, 0]
            best[1][better] = alpha * high[better, 0]
        shape = self.min_val._data.shape
        return calculate_qparams(best[0].reshape(shape), best[1].reshape(shape), self.bits,
                                 self.symmetric, self.signed)


__all__ = ["MinMaxObserver", "MovingAverageMinMaxObserver", "PerChannelMinMaxObserver",
           "PercentileObserver", "MSEObserver"]
