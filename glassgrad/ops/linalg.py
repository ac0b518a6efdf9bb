"""Matrix products: `matmul` (1-D, 2-D, batched with broadcast batch dims) and `linear`.

Backward of C = A @ B:  dA = dC @ Bᵀ,  dB = Aᵀ @ dC, both again matmuls, so the rule is
differentiable to any order. Batch dims that were broadcast are summed away by the engine.
"""
import math

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from ._broadcast import sum_to_shape
from .movement import Permute


class MatMul(Function):
    """A @ B (numpy's matmul rules: 1-D operands get a dimension added, then removed)."""

    @staticmethod
    def forward(ctx, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got shapes "
                               f"{a.shape} and {b.shape}")
        k_a = a.shape[-1]
        k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if k_a != k_b:
            raise RuntimeError(f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied "
                               f"({k_a} columns in the first vs {k_b} rows in the second)")
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.inputs
        # Treat vectors as matrices: a (k,) as (1, k), b (k,) as (k, 1), and grad to match
        # (b's axis first: for vector · vector the gradient is 0-d and becomes (1, 1)).
        a2 = a.reshape(1, -1) if a.ndim == 1 else a
        b2 = b.reshape(-1, 1) if b.ndim == 1 else b
        if b.ndim == 1:
            grad = grad.unsqueeze(-1)
        if a.ndim == 1:
            grad = grad.unsqueeze(-2)
        grad_a = grad_b = None
        if isinstance(a, Tensor) and a.requires_grad:
            grad_a = sum_to_shape(matmul(grad, b2.mT), a2.shape).reshape(a.shape)
        if isinstance(b, Tensor) and b.requires_grad:
            grad_b = sum_to_shape(matmul(a2.mT, grad), b2.shape).reshape(b.shape)
        return grad_a, grad_b


class AddMatMul(Function):
    """beta·input + alpha·(A @ B) (torch.addmm, and torch.baddbmm for batched A, B), with
    `input` broadcast to the product's shape and added into the product in place: one array
    instead of two (a conv's bias added to its (N, O, L) product).

    d input = beta · Σ dC over the broadcast axes,  dA = alpha · dC Bᵀ,  dB = alpha · Aᵀ dC.
    """

    @staticmethod
    def forward(ctx, input, a, b, beta, alpha):
        if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-2]:
            raise RuntimeError(f"addmm: matrices of shapes {a.shape} and {b.shape} cannot be "
                               "multiplied (both need 2 or more dimensions, and A's columns "
                               "must match B's rows)")
        out = np.matmul(a, b)
        try:
            fits = np.broadcast_shapes(np.shape(input), out.shape) == out.shape
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(f"addmm: input of shape {np.shape(input)} does not broadcast to "
                               f"the product's shape {out.shape}")
        ctx.beta, ctx.alpha = beta, alpha
        if alpha != 1:
            out *= alpha
        out += input if beta == 1 else beta * input
        return out

    @staticmethod
    def backward(ctx, grad):
        input, a, b = ctx.inputs[:3]
        needs = ctx.needs_input_grad
        grad_input = sum_to_shape(grad * ctx.beta if ctx.beta != 1 else grad, input.shape) \
            if needs[0] else None
        scaled = grad * ctx.alpha if ctx.alpha != 1 else grad
        grad_a = sum_to_shape(matmul(scaled, b.mT), a.shape) if needs[1] else None
        grad_b = sum_to_shape(matmul(a.mT, scaled), b.shape) if needs[2] else None
        return grad_input, grad_a, grad_b


GEMM_ROWS = 2048     # Linear's forward multiplies a tall 2-D input in blocks of this many rows


class Linear(Function):
    """y = x Wᵀ + b (torch.nn.functional.linear), one op for the most common layer.

    dx = dy W,  dW = dyᵀ x (over all leading dims),  db = Σ dy over leading dims.
    """

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        if x.shape[-1:] != weight.shape[1:]:
            raise RuntimeError(f"linear: input of shape {x.shape} has {x.shape[-1]} features, "
                               f"but the weight of shape {weight.shape} expects "
                               f"{weight.shape[1]}")
        if x.ndim == 2 and x.shape[0] > 2 * GEMM_ROWS:
            # OpenBLAS packs all of x when the output is narrow (a conv's rows: 12,544 × 288
            # → 64): a hidden copy the size of x, 14 MB kept by its buffer. Blocks of rows keep
            # it at 2.6 MB, at the same speed (measured on 2 cores).
            out = np.empty((x.shape[0], weight.shape[0]), dtype=np.result_type(x, weight))
            for start in range(0, x.shape[0], GEMM_ROWS):
                np.matmul(x[start:start + GEMM_ROWS], weight.T, out=out[start:start + GEMM_ROWS])
        else:
            out = x @ weight.T
        if bias is not None:
            out += bias
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight, bias = ctx.inputs
        needs = ctx.needs_input_grad
        grad_x = matmul(grad, weight) if needs[0] else None
        grad_w = grad_b = None
        if grad.ndim != 2:          # (*, out): fold the leading dims into rows first
            rows = math.prod(grad.shape[:-1])       # not -1: a size-0 feature dim is allowed
            grad, x = grad.reshape(rows, grad.shape[-1]), x.reshape(rows, x.shape[-1])
        if needs[1]:
            grad_w = matmul(Permute.apply(grad, (1, 0)), x)
        if bias is not None and needs[2]:
            grad_b = grad.sum(0)
        return grad_x, grad_w, grad_b

    @staticmethod
    def backward_array(ctx, grad):
        """The same three products on numpy arrays, for a backward that records no graph.

        Why an override (issue 10's one exception to one rule per op, measured on 2 cores,
        min of 5 alternating runs): the rule runs four ops (two matmuls, a transpose, a sum),
        ~0.85 µs of engine each, and a small MLP is mostly Linear layers; the `tiny`
        benchmark's step took 93 µs with the rule alone, 80 µs with this override, 74 µs with
        MSELoss's too (the old engine, with 34 such transcriptions: 70-73 µs). The op table
        checks it against `backward`.
        """
        x, weight, bias = ctx.inputs
        needs = ctx.needs_input_grad
        grad_x = grad @ weight._data if needs[0] else None
        grad_w = grad_b = None
        xd = x._data
        if grad.ndim != 2:          # (*, out): fold the leading dims into rows first
            rows = math.prod(grad.shape[:-1])
            grad, xd = grad.reshape(rows, grad.shape[-1]), xd.reshape(rows, xd.shape[-1])
        if needs[1]:
            grad_w = grad.T @ xd
        if bias is not None and needs[2]:
            grad_b = np.add.reduce(grad, axis=0)
        return grad_x, grad_w, grad_b


def matmul(a, b):
    return MatMul.apply(a, b)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta·input + alpha·(mat1 @ mat2), input broadcast to the product (torch.addmm; batched
    mat1, mat2 as in torch.baddbmm)."""
    return AddMatMul.apply(input, mat1, mat2, beta, alpha)


def linear(input, weight, bias=None):
    return Linear.apply(input, weight, bias)


def outer(a, b):
    return a.reshape(-1, 1) * b.reshape(1, -1)


def dot(a, b):
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"dot: expected two 1-D tensors, got shapes {a.shape} and {b.shape}")
    return MatMul.apply(a, b)


def mm(a, b):
    """The product of two matrices (torch.mm: 2-D only, where matmul also broadcasts)."""
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"mm: expected two 2-D matrices, got shapes {tuple(a.shape)} and "
                           f"{tuple(b.shape)}")
    return MatMul.apply(a, b)


def bmm(a, b):
    """Batched matrix products (torch.bmm): (B, n, m) @ (B, m, p), without broadcasting."""
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0]:
        raise RuntimeError(f"bmm: expected two 3-D tensors with the same batch size, got shapes "
                           f"{tuple(a.shape)} and {tuple(b.shape)}")
    return MatMul.apply(a, b)
