"""glassgrad.nn.functional: the layers as functions (torch.nn.functional's names).

Explicit re-exports; each function lives in one file of this package.
"""
from .conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from .pooling import (adaptive_avg_pool1d, adaptive_avg_pool2d, avg_pool1d, avg_pool2d,
                      max_pool1d, max_pool2d)
from .normalization import batch_norm, group_norm, instance_norm, layer_norm
