"""glassgrad: a deep-learning framework on numpy that a student can read end to end.

The public API, with PyTorch's names: `glassgrad.tensor`, `Tensor.backward`,
`glassgrad.autograd.grad`, ... Explicit re-exports only; each name lives in one module.
"""
from ._allocator import tune_malloc      # an explicit call: see _allocator.py
from .tensor import Tensor, is_tensor
from . import autograd, dtypes, ops
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .dtypes import (bool, complex64, complex128, double, float, float16, float32, float64,
                     get_default_dtype, half, int8, int16, int32, int64, is_floating_point, long,
                     set_default_dtype, short, uint8)
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .creation import (arange, as_tensor, bernoulli, empty, empty_like, eye, from_numpy, full,
                       full_like, linspace, ones, ones_like, rand, rand_like, randint,
                       randint_like, randn, randn_like, randperm, tensor, zeros, zeros_like)
from .ops import (abs, add, addmm, all, allclose, amax, amin, any, argmax, argmin, argsort, bmm,
                  broadcast_to, cat, ceil, chunk, clamp, clip, clone, concatenate, cos, cumsum,
                  div, dot, eq, equal, erf, exp, expand, flatten, flip, floor, floor_divide,
                  gather, ge, gt, index_select, isfinite, isinf, isnan, le, log, log1p, log2,
                  log10, log_softmax, logical_and, logical_not, logical_or, logsumexp, lt,
                  masked_fill, matmul, max, maximum, mean, min, minimum, mm, mul, ne, neg,
                  nonzero, norm, outer, permute, pow, prod, reciprocal, relu, remainder, reshape,
                  round, rsqrt, scatter, scatter_add, sigmoid, sign, sin, softmax, sort, split,
                  sqrt, square, squeeze, stack, std, sub, sum, t, tanh, tile, topk, transpose,
                  tril, triu, trunc, unbind, unflatten, unique, unsqueeze, var, where)
from .devices import device
from . import accelerator, backends, cuda
from .threads import get_num_threads, set_num_threads
from . import data
from . import optim
from . import nn

__version__ = "0.1.0"
