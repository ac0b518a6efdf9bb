"""Sparse (COO) × dense matrix product, the message-passing primitive of graph networks.

out[i] = Σ_k values[k] · dense[cols[k]] over the entries k with rows[k] = i: A @ X for a sparse
A given by (rows, cols, values) and shape (n, m). Its adjoint is the same op on Aᵀ (rows and
cols swapped), so the backward for `dense` is one more sparse_mm; the backward for the edge
`values` is Σ_j grad[rows[k], j] · dense[cols[k], j], written with index_select, so both are
differentiable again (second order). segment_sum / segment_mean are sparse_mm with one entry
per source row.

The forward uses scipy.sparse's CSR product when scipy is installed (an optional extra; a
different algorithm from np.add.at, ~10× faster on Cora's 13k edges), else np.add.at.
"""
import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor, as_array
from .indexing import index_select

try:
    import scipy.sparse as _scipy_sparse
except ImportError:  # pragma: no cover - numpy-only installs
    _scipy_sparse = None


class SparseMM(Function):
    """(rows, cols, values, shape) @ dense. Backward: sparse_mm with Aᵀ, and per-edge dots."""

    @staticmethod
    def forward(ctx, values, dense, rows, cols, n_rows):
        ctx.rows, ctx.cols, ctx.n_rows = rows, cols, n_rows
        ctx.n_cols = dense.shape[0]
        if _scipy_sparse is not None:
            matrix = _scipy_sparse.csr_matrix((values, (rows, cols)), shape=(n_rows, dense.shape[0]))
            return np.asarray(matrix @ dense, dtype=np.result_type(values, dense))
        out = np.zeros((n_rows,) + dense.shape[1:], dtype=np.result_type(values, dense))
        np.add.at(out, rows, values.reshape((-1,) + (1,) * (dense.ndim - 1)) * dense[cols])
        return out

    @staticmethod
    def backward(ctx, grad):
        values, dense = ctx.inputs[0], ctx.inputs[1]
        needs = ctx.needs_input_grad
        grad_dense = (SparseMM.apply(values, grad, ctx.cols, ctx.rows, ctx.n_cols)
                      if needs[1] else None)
        grad_values = None
        if needs[0]:
            product = index_select(grad, 0, ctx.rows) * index_select(dense, 0, ctx.cols)
            grad_values = product.reshape(len(ctx.rows), -1).sum(1)
        return grad_values, grad_dense, None, None, None


def _check(op, rows, cols, values, shape, dense):
    rows, cols = as_array(rows).astype(np.int64).ravel(), as_array(cols).astype(np.int64).ravel()
    n, m = int(shape[0]), int(shape[1])
    if len(rows) != len(cols) or len(rows) != values.shape[0] or values.ndim != 1:
        raise ValueError(f"{op}: rows ({len(rows)}), cols ({len(cols)}) and values "
                         f"{tuple(values.shape)} must be 1-D of one length")
    if dense.shape[0] != m:
        raise ValueError(f"{op}: a sparse matrix of shape ({n}, {m}) cannot multiply a dense "
                         f"tensor of shape {tuple(dense.shape)}; expected {m} rows")
    for name, index, limit in (("row", rows, n), ("column", cols, m)):
        if index.size and (index.min() < 0 or index.max() >= limit):
            raise IndexError(f"{op}: {name} indices must be in [0, {limit}), got values from "
                             f"{index.min()} to {index.max()}")
    if np.isnan(as_array(values)).any():
        raise ValueError(f"{op}: the sparse matrix's values (edge weights) contain NaN")
    return rows, cols, n


def sparse_mm(sparse, dense):
    """A @ dense for a sparse A: a scipy.sparse matrix, or (indices (2, E), values (E,), shape).

    `values` may be a Tensor that requires grad (learned edge weights); `dense` (m, *) too.
    """
    if _scipy_sparse is not None and _scipy_sparse.issparse(sparse):
        coo = sparse.tocoo()
        indices, values, shape = np.stack([coo.row, coo.col]), coo.data, coo.shape
    else:
        indices, values, shape = sparse
    indices = as_array(indices)
    if not isinstance(values, Tensor):
        values = Tensor(np.asarray(values, dtype=dense.dtype))
    rows, cols, n = _check("sparse_mm", indices[0], indices[1], values, shape, dense)
    return SparseMM.apply(values, dense, rows, cols, n)


def segment_sum(src, index, num_segments):
    """out[s] = Σ_{i: index[i] = s} src[i]: torch_scatter's segment/scatter sum along dim 0."""
    index = as_array(index).astype(np.int64).ravel()
    if len(index) != src.shape[0]:
        raise ValueError(f"segment_sum: index has {len(index)} entries, src has {src.shape[0]} "
                         "rows; they must match")
    ones = Tensor(np.ones(len(index), dtype=src.dtype))
    rows, cols, n = _check("segment_sum", index, np.arange(len(index)), ones,
                           (num_segments, src.shape[0]), src)
    return SparseMM.apply(ones, src, rows, cols, n)


def segment_mean(src, index, num_segments):
    """The mean of the rows of `src` in each segment (0 for an empty segment)."""
    index = as_array(index).astype(np.int64).ravel()
    counts = np.maximum(np.bincount(index, minlength=num_segments), 1).astype(src.dtype)
    return segment_sum(src, index, num_segments) / Tensor(
        counts.reshape((-1,) + (1,) * (src.ndim - 1)))


__all__ = ["SparseMM", "segment_mean", "segment_sum", "sparse_mm"]
