"""glassgrad.quant: uniform affine quantization, simulated (fake quant with the STE, QAT, LSQ,
stochastic rounding) and real (int8 layers with int32 accumulation), plus post-training
methods: AdaRound and data-free quantization (equalisation, bias absorption, bias correction).

See docs/quant.md for the reading order and the experiments (adaround, equalisation, bits).
"""
from .qparams import (SUPPORTED_BITS, calculate_qparams, check_bits, qrange, storage_dtype)
from .functional import (dequantize, fake_quantize, fake_quantize_learnable,
                         fake_quantize_per_channel_affine, fake_quantize_per_tensor_affine,
                         quantize, round_ste)
from .observers import (MinMaxObserver, MovingAverageMinMaxObserver, MSEObserver,
                        PerChannelMinMaxObserver, PercentileObserver)
from .quantizer import FakeQuantize
from .qat import QConfig, QuantConv1d, QuantConv2d, QuantLinear, default_qconfig, qat_qconfig
from .int8 import Int8Conv1d, Int8Conv2d, Int8Linear, fixed_point_multiplier, requantize
from .prepare import convert, freeze_observers, model_nbytes, prepare
from .fold import fold_batchnorm, fold_batchnorms

__all__ = ["SUPPORTED_BITS", "calculate_qparams", "check_bits", "qrange", "storage_dtype",
           "dequantize", "fake_quantize", "fake_quantize_learnable",
           "fake_quantize_per_channel_affine", "fake_quantize_per_tensor_affine", "quantize",
           "round_ste", "MinMaxObserver", "MovingAverageMinMaxObserver", "MSEObserver",
           "PerChannelMinMaxObserver", "PercentileObserver", "FakeQuantize", "QConfig",
           "QuantConv1d", "QuantConv2d", "QuantLinear", "default_qconfig", "qat_qconfig",
           "Int8Conv1d", "Int8Conv2d", "Int8Linear", "fixed_point_multiplier", "requantize",
           "convert", "freeze_observers", "model_nbytes", "prepare", "fold_batchnorm", "fold_batchnorms"]

from .adaround import (adaround, adaround_layer, quantize_weights,  # noqa: E402
                       round_nearest, round_stochastic)
from .dfq import (absorb_high_bias, correct_bias, equalize, equalize_pair,  # noqa: E402
                  input_mean, relu_gaussian_mean)

__all__ += ["adaround", "adaround_layer", "quantize_weights", "round_nearest",
            "round_stochastic", "absorb_high_bias", "correct_bias", "equalize", "equalize_pair",
            "input_mean", "relu_gaussian_mean"]
