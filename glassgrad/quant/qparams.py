"""Integer ranges and (scale, zero point) from a float range, as torch.ao computes them.

    signed b bits:   q ∈ [-2^(b-1), 2^(b-1) - 1]        unsigned b bits:   q ∈ [0, 2^b - 1]
    asymmetric:      s = (max - min) / (q_max - q_min),   z = q_min - round(min / s)
    symmetric:       s = max(|min|, |max|) / ((q_max - q_min) / 2),   z = 0 (signed) or the
                     middle of the range (unsigned: 128 for 8 bits)

The range is first widened to contain 0 (so that 0 is exactly representable: zero padding and
ReLU outputs stay exact) and s is at least float32's eps (a constant tensor gives s > 0).

- Paper: Jacob et al., "Quantization and training of neural networks for efficient
  integer-arithmetic-only inference", CVPR 2018, section 2.1; Krishnamoorthi, "Quantizing deep
  convolutional networks for efficient inference: a whitepaper", arXiv:1806.08342, 2018.
"""
import numpy as np

SUPPORTED_BITS = (2, 3, 4, 5, 6, 7, 8, 16)
EPS = float(np.finfo(np.float32).eps)


def check_bits(bits, where="quant"):
    """bits as an int, or a clear error naming `where` and the value."""
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)) \
            or int(bits) not in SUPPORTED_BITS:
        raise ValueError(f"{where}: bits must be one of {SUPPORTED_BITS}, got {bits!r}")
    return int(bits)


def qrange(bits, signed=True, where="quant"):
    """(q_min, q_max) of a b-bit integer: signed two's complement, or unsigned."""
    bits = check_bits(bits, where)
    if signed:
        return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return 0, 2 ** bits - 1


def storage_dtype(bits, signed=True):
    """The numpy integer type that holds a b-bit code: int8/uint8 up to 8 bits, else 16."""
    if bits <= 8:
        return np.dtype(np.int8 if signed else np.uint8)
    return np.dtype(np.int16 if signed else np.uint16)


def check_scale(scale, where="quant"):
    """scale as a float32 array, or an error when some value is zero, negative or not finite."""
    scale = np.asarray(scale, dtype=np.float32)
    bad = ~(np.isfinite(scale) & (scale > 0))
    if bad.any():
        raise ValueError(f"{where}: scale must be positive and finite, got "
                         f"{scale[bad].ravel()[0]!r}" + (f" (of {scale.size} values)"
                                                        if scale.size > 1 else ""))
    return scale


def calculate_qparams(min_val, max_val, bits=8, symmetric=False, signed=True):
    """(scale, zero_point) as float32 and int64 arrays of min_val's shape (torch.ao's rule)."""
    quant_min, quant_max = qrange(bits, signed, "calculate_qparams")
    min_val = np.asarray(min_val, dtype=np.float32)
    max_val = np.asarray(max_val, dtype=np.float32)
    if np.any(min_val > max_val):
        raise ValueError(f"calculate_qparams: min_val must be <= max_val, got "
                         f"{min_val.ravel()[:3]} and {max_val.ravel()[:3]}")
    min_neg = np.minimum(min_val, np.float32(0))
    max_pos = np.maximum(max_val, np.float32(0))
    if symmetric:
        max_pos = np.maximum(-min_neg, max_pos)
        scale = max_pos / np.float32((quant_max - quant_min) / 2)
        scale = np.maximum(scale, np.float32(EPS))
        middle = 0 if signed else (quant_min + quant_max + 1) // 2
        zero_point = np.full(scale.shape, middle, dtype=np.int64)
    else:
        scale = (max_pos - min_neg) / np.float32(quant_max - quant_min)
        scale = np.maximum(scale, np.float32(EPS))
        zero_point = quant_min - np.rint(min_neg / scale).astype(np.int64)
        zero_point = np.clip(zero_point, quant_min, quant_max)
    return scale.astype(np.float32), zero_point.astype(np.int64)


__all__ = ["SUPPORTED_BITS", "EPS", "check_bits", "qrange", "storage_dtype", "check_scale",
           "calculate_qparams"]
