"""`FakeQuantize`: an observer and a fake quantizer as one module, the unit QAT wraps around a
weight or an activation (torch.ao.quantization.FakeQuantize's role).

    x̂ = fake_quantize(x, s, z)    with (s, z) from the observer while it observes, then frozen

With `learnable=True` the scale becomes a Parameter initialised from the observer on the first
call and trained with the rest of the model (LSQ, Esser et al., ICLR 2020); with
`rounding="stochastic"` each call rounds up with probability equal to the fractional part.
"""
import numpy as np

from .. import ops
from ..nn.modules.module import Module
from ..nn.parameter import Parameter
from ..tensor import Tensor
from .functional import fake_quantize, fake_quantize_learnable, ROUNDING
from .observers import MinMaxObserver
from .qparams import EPS


class FakeQuantize(Module):
    """Observe, compute (scale, zero point), fake-quantize.

    Args:
        observer: an observer module (default: an 8-bit MinMaxObserver).
        learnable: learn the scale by LSQ (a Parameter `scale`) after the first call.
        rounding: "nearest" or "stochastic"; generator: for the stochastic draws.
    """

    def __init__(self, observer=None, learnable=False, rounding="nearest", generator=None):
        super().__init__()
        if rounding not in ROUNDING:
            raise ValueError(f"FakeQuantize: rounding must be one of {ROUNDING}, got "
                             f"{rounding!r}")
        self.observer = observer if observer is not None else MinMaxObserver()
        self.learnable, self.rounding, self.generator = bool(learnable), rounding, generator
        self.observing = True
        self.register_buffer("zero_point", None)
        if self.learnable:
            self.register_parameter("scale", None)
        else:
            self.register_buffer("scale", None)

    bits = property(lambda self: self.observer.bits)
    signed = property(lambda self: self.observer.signed)
    ch_axis = property(lambda self: self.observer.ch_axis)

    def enable_observer(self, enabled=True):
        """Let the observer update the range (True) or freeze (scale, zero point) (False)."""
        self.observing = bool(enabled)
        return self

    def qparams(self):
        """(scale, zero_point) as numpy arrays, or an error if nothing was observed yet."""
        if self.scale is None:
            raise RuntimeError(f"FakeQuantize({self.observer!r}): no data has been observed; "
                               "run calibration data through the model first")
        return self.scale._data.astype(np.float32), self.zero_point._data

    def _observe(self, x):
        self.observer(x.detach())
        scale, zero_point = self.observer.calculate_qparams()
        self.zero_point = Tensor(zero_point)
        if self.learnable:
            self.scale = Parameter(Tensor(np.array(scale, dtype=np.float32)))
            self.observing = False           # from now on the scale is learnt, not observed
        else:
            self.scale = Tensor(scale)

    def forward(self, x):
        if self.observing or self.scale is None:
            self._observe(x)
        if self.learnable:
            # a step of the optimiser can push a small learnt scale through zero; the grid's
            # step stays at least float32's eps (the same floor as calculate_qparams)
            scale = ops.clamp(self.scale, min=EPS)
            return fake_quantize_learnable(x, scale, self.zero_point._data, self.bits,
                                           self.signed, self.ch_axis)
        return fake_quantize(x, self.scale._data, self.zero_point._data, self.bits, self.signed,
                             self.ch_axis, self.rounding, self.generator)

    def extra_repr(self):
        return (f"learnable={self.learnable}, rounding={self.rounding!r}, "
                f"observing={self.observing}")


__all__ = ["FakeQuantize"]
