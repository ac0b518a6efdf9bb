"""Every op, as a function. Tensor methods and operators are one-line calls into these."""
from ._broadcast import broadcast_shapes, broadcast_to, expand, sum_to_shape
from .elementwise import (abs, add, allclose, clamp, clip, clone, cos, div, eq, equal, exp, ge,
                          gt, isfinite, isinf, isnan, le, log, log1p, logical_and, logical_not,
                          logical_or, lt, maximum, minimum, mul, ne, neg, pow, rsqrt, sign, sin,
                          sqrt, square, sub, to_dtype)
from .indexing import (gather, getitem, index_select, masked_fill, one_hot, scatter_add, where)
from .reduce import (amax, amin, argmax, argmin, logsumexp, max, mean, min, norm, prod, std,
                     sum, var)
from .activation import erf, gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, softplus, tanh
from .movement import (cat, chunk, concatenate, flatten, pad, permute, reshape, split, squeeze,
                       stack, transpose, unsqueeze, view)
from .linalg import addmm, dot, linear, matmul, outer
from .window import fold, unfold, unfold_dim
from .im2row import im2row, row2im
from .recurrence import recurrence
