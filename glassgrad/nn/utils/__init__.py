"""glassgrad.nn.utils: gradient clipping, parameter/vector conversion, L1/L2 penalties,
padding/packing of sequences (glassgrad.nn.utils.rnn) and masking over valid steps
(glassgrad.nn.utils.masking)."""
from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .regularization import l1_penalty, l2_penalty
from . import masking, rnn
from .masking import lengths_to_mask, masked_max, masked_mean, masked_sum, pool_over_time
