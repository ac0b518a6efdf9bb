"""QAT wrappers: a Linear or Conv layer with fake-quantized weight and activations, without a
branch inside the layer (the float layer is kept as `module`, untouched).

    y = output_quant( layer(input_quant(x), weight = weight_quant(W)) )

Each quantizer is a FakeQuantize from the QConfig, or Identity where the config has none
(weights-only quantization). Trained with the straight-through estimator, this is
quantization-aware training.

- Paper: Jacob et al., "Quantization and training of neural networks for efficient
  integer-arithmetic-only inference", CVPR 2018, section 3 (simulated quantization in training).
"""
from dataclasses import dataclass
from typing import Callable, Optional

from .. import nn
from ..nn import functional as F
from ..nn.modules.module import Module
from .quantizer import FakeQuantize
from .observers import MinMaxObserver, MovingAverageMinMaxObserver, PerChannelMinMaxObserver


@dataclass
class QConfig:
    """How to quantize: factories making a FakeQuantize for the weight and for activations
    (None: leave activations in float)."""
    weight: Callable[[], Module]
    activation: Optional[Callable[[], Module]] = None


def default_qconfig(weight_bits=8, activation_bits=8, per_channel=True, learnable=False,
                    rounding="nearest", generator=None):
    """Symmetric signed weights (per output channel by default), asymmetric unsigned
    activations from min/max (torch's fbgemm default at 8 bits); activation_bits=None: float
    activations."""
    def weight():
        observer = (PerChannelMinMaxObserver(0, weight_bits, symmetric=True) if per_channel
                    else MinMaxObserver(weight_bits, symmetric=True))
        return FakeQuantize(observer, learnable=learnable, rounding=rounding,
                            generator=generator)

    def activation():
        return FakeQuantize(MinMaxObserver(activation_bits, symmetric=False, signed=False),
                            learnable=learnable)

    return QConfig(weight, activation if activation_bits is not None else None)


def qat_qconfig(weight_bits=8, activation_bits=8, per_channel=True, averaging_constant=0.01,
                learnable=False):
    """The config for quantization-aware *training* (torch.ao's default_qat_qconfig): every
    activation range is a moving average of the batches' min/max (c = `averaging_constant`),
    so that the range follows the training instead of only ever widening (a running min/max
    keeps the most extreme value of any batch seen, and at 4 bits that coarsens the grid for
    every later batch); the weight range is the current weight's min/max (per output channel),
    re-read at every step as the weights move. Freeze the observers (quant.freeze_observers,
    torch's disable_observer) for the last part of training so that the model fine-tunes to
    fixed grids.
    """
    def weight():
        observer = MovingAverageMinMaxObserver(1.0, weight_bits, symmetric=True,
                                               ch_axis=0 if per_channel else None)
        return FakeQuantize(observer, learnable=learnable)

    def activation():
        observer = MovingAverageMinMaxObserver(averaging_constant, activation_bits,
                                               symmetric=False, signed=False)
        return FakeQuantize(observer, learnable=learnable)

    return QConfig(weight, activation if activation_bits is not None else None)


class _QuantLayer(Module):
    """What the wrappers share: the float layer and its three quantizers."""

    _wraps = None

    def __init__(self, module, qconfig):
        super().__init__()
        if not isinstance(module, self._wraps):
            raise TypeError(f"{type(self).__name__}: expected a {self._wraps.__name__} to wrap, "
                            f"got {type(module).__name__}")
        self.module = module
        self.weight_quant = qconfig.weight()
        make = qconfig.activation
        self.input_quant = make() if make is not None else nn.Identity()
        self.output_quant = make() if make is not None else nn.Identity()

    @property
    def weight(self):
        return self.module.weight

    @property
    def bias(self):
        return self.module.bias

    def forward(self, x):
        y = self._layer(self.input_quant(x), self.weight_quant(self.module.weight))
        return self.output_quant(y)


class QuantLinear(_QuantLayer):
    """nn.Linear with fake-quantized weight and activations."""
    _wraps = nn.Linear

    def _layer(self, x, weight):
        return F.linear(x, weight, self.module.bias)


class _QuantConv(_QuantLayer):
    def _layer(self, x, weight):
        m = self.module
        return self._conv(x, weight, m.bias, m.stride, m.padding, m.dilation, m.groups)


class QuantConv1d(_QuantConv):
    """nn.Conv1d with fake-quantized weight and activations."""
    _wraps = nn.Conv1d
    _conv = staticmethod(F.conv1d)


class QuantConv2d(_QuantConv):
    """nn.Conv2d with fake-quantized weight and activations."""
    _wraps = nn.Conv2d
    _conv = staticmethod(F.conv2d)


QAT_MODULES = {nn.Linear: QuantLinear, nn.Conv1d: QuantConv1d, nn.Conv2d: QuantConv2d}

__all__ = ["QConfig", "default_qconfig", "qat_qconfig", "QuantLinear", "QuantConv1d", "QuantConv2d",
           "QAT_MODULES"]
