"""glassgrad.nn.functional: the layers as functions (torch.nn.functional's names).

Explicit re-exports; each function lives in one file of this package.
"""
from .activation import (elu, gelu, leaky_relu, log_softmax, logsigmoid, relu, sigmoid, silu,
                         softmax, softplus, tanh)
from .dropout import dropout
from .loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                   l1_loss, mse_loss, nll_loss)
from .sparse import embedding
from ...ops import linear, one_hot, pad
from .conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from .pooling import (adaptive_avg_pool1d, adaptive_avg_pool2d, avg_pool1d, avg_pool2d,
                      max_pool1d, max_pool2d)
from .normalization import batch_norm, group_norm, instance_norm, layer_norm
from .attention import multi_head_attention_forward, scaled_dot_product_attention
