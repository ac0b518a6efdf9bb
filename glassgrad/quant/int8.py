"""Real integer inference: int8 weights and activations, int32 accumulation, requantisation by a
fixed-point multiplier; numpy integer matmul, no float inside the inner product.

    acc   = Σ_k (q_x[k] - z_x) · q_w[o, k]  +  q_b[o]             int32 (q_b = round(b / (s_x s_w)))
    q_y   = clamp(z_y + round(M_o · acc), q_min, q_max),  M_o = s_x s_w[o] / s_y
    M_o   = m_o · 2^(-n_o) with m_o an int32 in [2^30, 2^31): the multiply and the rounding
            shift are integer operations (int64 products), as gemmlowp and fbgemm do

Each layer takes and returns float tensors at its boundary (it quantizes its input with the
calibrated (s_x, z_x) and dequantizes q_y), so the model's own forward (ReLU, residual adds,
reshapes) runs unchanged between the integer kernels: torch.ao's "reference" pattern. Weights
are symmetric (z_w = 0); activations asymmetric unsigned or signed, ≤ 8 bits.

- Paper: Jacob et al., "Quantization and training of neural networks for efficient
  integer-arithmetic-only inference", CVPR 2018, sections 2.2-2.4 (eqs. 4-7, the fixed-point
  multiplier M = 2^(-n) M_0).
"""
import numpy as np

from ..nn.modules.module import Module
from ..tensor import Tensor
from .qparams import qrange, storage_dtype


def fixed_point_multiplier(real):
    """(m, n) with real ≈ m · 2^(-n), m an integer in [2^30, 2^31) (per element of `real`)."""
    real = np.asarray(real, dtype=np.float64)
    if np.any(real <= 0):
        raise ValueError(f"fixed_point_multiplier: multipliers must be positive, got "
                         f"{real[real <= 0].ravel()[0]}")
    mantissa, exponent = np.frexp(real)                 # real = mantissa · 2^exponent, [0.5, 1)
    m = np.rint(mantissa * 2.0 ** 31).astype(np.int64)
    n = 31 - exponent.astype(np.int64)
    carry = m == 2 ** 31                                # rounding reached the next power of 2
    m = np.where(carry, m // 2, m)
    n = np.where(carry, n - 1, n)
    return m, n


def requantize(acc, multiplier, shift, zero_point, quant_min, quant_max):
    """clamp(z + round(acc · m · 2^(-n))) in integers: int64 product, round half up, shift."""
    product = acc.astype(np.int64) * multiplier
    rounded = (product + (np.int64(1) << (shift - 1))) >> shift
    return np.clip(rounded + zero_point, quant_min, quant_max)


def _quantize_input(x, scale, zero_point, quant_min, quant_max):
    v = np.rint(x.astype(np.float32) * (np.float32(1) / np.float32(scale)))
    return np.clip(v + zero_point, quant_min, quant_max).astype(np.int32)


class _Int8Layer(Module):
    """Integer weights, bias and requantisation constants, made from a calibrated QAT layer."""

    def __init__(self, qlayer):
        super().__init__()
        name = type(qlayer).__name__
        for part in ("input_quant", "output_quant"):
            if not hasattr(getattr(qlayer, part), "qparams"):
                raise ValueError(f"convert: {name} has no {part} (weights-only config); real "
                                 "integer inference needs activation quantizers")
        bits = (qlayer.weight_quant.bits, qlayer.input_quant.bits, qlayer.output_quant.bits)
        if max(bits) > 8:
            raise ValueError(f"convert: {name} uses {max(bits)} bits; int8 inference takes "
                             f"at most 8-bit weights and activations, got {bits}")
        w_scale, w_zero = qlayer.weight_quant.qparams()
        if np.any(w_zero != 0):
            raise ValueError(f"convert: {name}'s weight quantizer is not symmetric (zero "
                             "point must be 0 for integer inference)")
        self.in_scale, self.in_zero = [np.asarray(v).item() for v in qlayer.input_quant.qparams()]
        self.out_scale, self.out_zero = [np.asarray(v).item()
                                         for v in qlayer.output_quant.qparams()]
        self.in_range = qrange(qlayer.input_quant.bits, qlayer.input_quant.signed)
        self.out_range = qrange(qlayer.output_quant.bits, qlayer.output_quant.signed)
        self.out_dtype = storage_dtype(qlayer.output_quant.bits, qlayer.output_quant.signed)
        weight = qlayer.module.weight._data
        out_channels = weight.shape[0]
        w_scale = np.broadcast_to(np.asarray(w_scale, np.float32).ravel(), (out_channels,))
        w_range = qrange(qlayer.weight_quant.bits, True)
        shape = (-1,) + (1,) * (weight.ndim - 1)
        q_w = np.clip(np.rint(weight * (np.float32(1) / w_scale.reshape(shape))), *w_range)
        self.register_buffer("weight_int8", Tensor(q_w.astype(np.int8)))
        self.register_buffer("weight_scale", Tensor(w_scale.astype(np.float32)))
        acc_scale = np.float64(self.in_scale) * w_scale.astype(np.float64)
        bias = qlayer.module.bias
        q_b = np.zeros(out_channels) if bias is None else np.rint(bias._data / acc_scale)
        self.register_buffer("bias_int32", Tensor(q_b.astype(np.int32)))
        m, n = fixed_point_multiplier(acc_scale / self.out_scale)
        self.multiplier, self.shift = m, n
        self._w = q_w.astype(np.int32).reshape(out_channels, -1).T.copy()   # (K, O) for matmul

    def nbytes(self):
        """Bytes of what inference needs: int8 weights, int32 bias, float32 scales."""
        return (self.weight_int8._data.nbytes + self.bias_int32._data.nbytes
                + self.weight_scale._data.nbytes + 4 * 4)

    def _accumulate(self, columns):
        """int32 accumulator of (q_x - z_x) columns (..., K) against the int8 weights."""
        acc = np.matmul(columns, self._w)                # int32 x int32 -> int32, no float
        return acc + self.bias_int32._data

    def _requantize(self, acc):
        q = requantize(acc, self.multiplier, self.shift, self.out_zero, *self.out_range)
        return q.astype(self.out_dtype)

    def forward(self, x):
        array = x._data if isinstance(x, Tensor) else np.asarray(x)
        q_x = _quantize_input(array, self.in_scale, self.in_zero, *self.in_range)
        q_y = self.forward_int(q_x)
        return Tensor(((q_y.astype(np.int32) - self.out_zero).astype(np.float32)
                       * np.float32(self.out_scale)))

    def extra_repr(self):
        return (f"weight={tuple(self.weight_int8.shape)} int8, in_scale={self.in_scale:.4g}, "
                f"out_scale={self.out_scale:.4g}")


class Int8Linear(_Int8Layer):
    """y = requantize((q_x - z_x) q_wᵀ + q_b): an int8 Linear made from a calibrated QuantLinear."""

    def forward_int(self, q_x):
        """Integer codes in (*, in_features) -> integer codes out (*, out_features)."""
        lead = q_x.shape[:-1]
        acc = self._accumulate((q_x - self.in_zero).reshape(-1, q_x.shape[-1]))
        return self._requantize(acc).reshape(lead + (acc.shape[-1],))


class _Int8Conv(_Int8Layer):
    """Convolution as integer im2col + integer matmul (groups = 1)."""

    def __init__(self, qlayer):
        m = qlayer.module
        if m.groups != 1 or isinstance(m.padding, str) or m.padding_mode != "zeros":
            raise ValueError(f"convert: {type(qlayer).__name__} needs groups=1, numeric "
                             f"padding and padding_mode='zeros' for int8 inference")
        super().__init__(qlayer)
        self.kernel_size, self.stride = m.kernel_size, m.stride
        self.padding, self.dilation = m.padding, m.dilation

    def forward_int(self, q_x):
        """Integer codes (N, C, *spatial) -> integer codes (N, O, *spatial_out)."""
        nd = len(self.kernel_size)
        centred = q_x - self.in_zero                     # zero padding is exact: 0 = z_x
        pads = [(0, 0), (0, 0)] + [(p, p) for p in self.padding]
        centred = np.pad(centred, pads)
        spans = [d * (k - 1) + 1 for k, d in zip(self.kernel_size, self.dilation)]
        windows = np.lib.stride_tricks.sliding_window_view(centred, spans, axis=tuple(
            range(2, 2 + nd)))
        steps = (slice(None), slice(None)) + tuple(slice(None, None, s) for s in self.stride) \
            + tuple(slice(None, None, d) for d in self.dilation)
        windows = windows[steps]                         # (N, C, *out, *kernel)
        n, c = windows.shape[:2]
        out = windows.shape[2:2 + nd]
        order = (0,) + tuple(range(2, 2 + nd)) + (1,) + tuple(range(2 + nd, 2 + 2 * nd))
        columns = windows.transpose(order).reshape(n, int(np.prod(out)), -1)
        acc = self._accumulate(columns)                  # (N, positions, O)
        q_y = self._requantize(acc)
        return np.moveaxis(q_y, -1, 1).reshape((n, acc.shape[-1]) + out)


class Int8Conv1d(_Int8Conv):
    """An int8 Conv1d made from a calibrated QuantConv1d."""


class Int8Conv2d(_Int8Conv):
    """An int8 Conv2d made from a calibrated QuantConv2d."""


__all__ = ["fixed_point_multiplier", "requantize", "Int8Linear", "Int8Conv1d", "Int8Conv2d"]
