"""`FakeQuantizeAffine`: uniform affine fake quantization with the straight-through estimator.

    q = clamp(round(x / s) + z, q_min, q_max),   y = (q - z) · s
    dy/dx = 1 where q_min <= round(x / s) + z <= q_max, else 0       (straight-through estimator)

A primitive, not a composite of round and clamp, for three reasons: it must match
torch.fake_quantize_per_tensor_affine / _per_channel_affine bit for bit (torch multiplies by
the float32 reciprocal 1/s and tests the range on the *rounded* value, and the STE gradient is
exactly 1, not s · (1/s)); QAT calls it on every weight and activation of every step, where one
numpy pass beats the five nodes of the composite; and its backward is a saved boolean mask, so
the rule is one line. The scale and zero point are constants here: the learnable-scale (LSQ)
variant is a composite in glassgrad/quant/functional.py.

Second order: the STE pretends the staircase is the identity inside the range, so its
"derivative" is the piecewise-constant mask and its second derivative in x is 0 (the mask is
a constant of the graph). backward is `grad * mask` in glassgrad ops, so grad-of-grad runs and
returns exactly that: d/d(grad) = mask, d²/dx² = 0.

- Paper: Bengio, Léonard & Courville, "Estimating or propagating gradients through stochastic
  neurons for conditional computation", arXiv:1308.3432, 2013 (the straight-through estimator);
  Jacob et al., "Quantization and training of neural networks for efficient integer-arithmetic-
  only inference", CVPR 2018 (the affine scheme q = round(x / s) + z).

Stochastic rounding passes `noise`, uniform on [0, 1) and drawn by the caller from a
generator: round(v) becomes floor(v + u), which rounds up with probability frac(v), so that
E[floor(v + u)] = v (Gupta et al., "Deep learning with limited numerical precision", ICML 2015).
"""
import numpy as np

from ..autograd.function import Function


class FakeQuantizeAffine(Function):
    """y = (clamp(round(x·(1/s)) + z, q_min, q_max) - z)·s; gradient 1 inside the range, 0 out.

    `scale` and `zero_point` are numpy arrays that broadcast against x (one value, or one per
    channel reshaped onto the channel axis); `noise`, when given, makes the rounding stochastic.
    """

    reads_inputs = False          # backward reads only the saved mask

    @staticmethod
    def forward(ctx, x, scale, zero_point, quant_min, quant_max, noise=None):
        dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
        scale = np.asarray(scale, dtype=dtype)
        zero_point = np.asarray(zero_point).astype(dtype)
        inv_scale = (np.asarray(1.0, dtype) / scale).astype(dtype)   # torch: 1.0f / scale
        v = x * inv_scale
        rounded = np.rint(v) if noise is None else np.floor(v + noise)
        q = rounded + zero_point
        if ctx is not None:
            ctx.mask = ((q >= quant_min) & (q <= quant_max)).astype(dtype)
        return ((np.clip(q, quant_min, quant_max) - zero_point) * scale).astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.mask


def fake_quantize_affine(x, scale, zero_point, quant_min, quant_max, noise=None):
    """The op as a function: see FakeQuantizeAffine (glassgrad.quant wraps it with checks)."""
    return FakeQuantizeAffine.apply(x, scale=scale, zero_point=zero_point, quant_min=quant_min,
                                    quant_max=quant_max, noise=noise)


__all__ = ["FakeQuantizeAffine", "fake_quantize_affine"]
