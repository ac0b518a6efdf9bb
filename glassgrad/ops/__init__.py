"""Every op, as a function. Tensor methods and operators are one-line calls into these."""
from ._broadcast import broadcast_shapes, broadcast_to, expand, sum_to_shape
from .elementwise import (abs, add, allclose, ceil, clamp, clip, clone, cos, div, eq, equal, exp,
                          floor, floor_divide, ge, gt, isfinite, isinf, isnan, le, log, log1p,
                          log2, log10, logical_and, logical_not, logical_or, lt, maximum, minimum,
                          mul, ne, neg, pow, reciprocal, remainder, round, rsqrt, sign, sin, sqrt,
                          square, sub, to, to_dtype, trunc)
from .indexing import (gather, getitem, index_select, masked_fill, nonzero, one_hot, scatter,
                       scatter_add, tril, triu, where)
from .reduce import (all, amax, amin, any, argmax, argmin, cumsum, logsumexp, max, mean, min,
                     norm, prod, std, sum, var)
from .sorting import argsort, sort, topk, unique
from .activation import erf, gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, softplus, tanh
from .movement import (cat, chunk, concatenate, flatten, flip, pad, permute, repeat, reshape,
                       split, squeeze, stack, t, tile, transpose, unbind, unflatten, unsqueeze,
                       view)
from .linalg import addmm, bmm, dot, linear, matmul, mm, outer
from .window import fold, unfold, unfold_dim
from .recurrence import recurrence
from .sparse import segment_mean, segment_sum, sparse_mm
