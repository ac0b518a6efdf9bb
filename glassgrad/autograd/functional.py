"""Higher-level derivatives built on `grad`: vjp, jvp, jacobian, hessian, hvp, vhp
(torch.autograd.functional's names and return conventions).

Each takes a function and its inputs (a Tensor or a tuple of Tensors), differentiates at that
point and leaves the caller's tensors untouched. Hessians are Jacobians of gradients: the first
gradient is taken with `create_graph=True`, then differentiated row by row. `strict=True` makes
an input that the outputs do not depend on an error (else its derivative is zeros); `vectorize`
is accepted for torch's signature and changes nothing (rows are always one backward each).
"""
import numpy as np

from .engine import grad
from ..ops.elementwise import Clone
from ..tensor import Tensor


def _as_leaves(inputs, create_graph=False):
    """Fresh tensors that require grad, sharing the caller's data; and whether it was a tuple.

    With `create_graph`, an input that requires grad goes through a differentiable copy instead,
    so that the results stay differentiable with respect to the caller's tensor (as in torch).
    """
    is_tuple = isinstance(inputs, (tuple, list))
    items = tuple(inputs) if is_tuple else (inputs,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"autograd.functional: input {i} must be a Tensor, got "
                            f"{type(t).__name__}")
    return tuple(Clone.apply(t) if create_graph and t.requires_grad
                 else Tensor(t._data, requires_grad=True) for t in items), is_tuple


def _as_tuple(value):
    return (tuple(value), True) if isinstance(value, (tuple, list)) else ((value,), False)


def _zeros_if_none(grads, like, strict=False, op=""):
    for i, g in enumerate(grads):
        if strict and g is None:
            raise RuntimeError(f"{op}: the derivative does not depend on input {i} (shape "
                               f"{tuple(like[i].shape)}); not allowed with strict=True")
    return tuple(Tensor(np.zeros(x.shape, dtype=x.dtype)) if g is None else g
                 for g, x in zip(grads, like))


def _finish(grads, create_graph):
    return tuple(g if create_graph else g.detach() for g in grads)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vᵀ J): the vector-Jacobian product, one backward pass."""
    xs, is_tuple = _as_leaves(inputs, create_graph)
    outputs, out_tuple = _as_tuple(func(*xs))
    vs = _as_tuple(v)[0] if v is not None else (None,) * len(outputs)
    grads = grad(outputs, xs, grad_outputs=list(vs), create_graph=create_graph,
                 retain_graph=create_graph, allow_unused=True)
    grads = _finish(_zeros_if_none(grads, xs, strict, "vjp"), create_graph)
    outs = _finish(outputs, create_graph)
    return (outs if out_tuple else outs[0]), (grads if is_tuple else grads[0])


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the Jacobian-vector product by the double-vjp trick.

    With u a dummy cotangent, g(u) = uᵀJ is linear in u, so the vjp of g with v is (Jv)ᵀ.
    """
    xs, is_tuple = _as_leaves(inputs, create_graph)
    outputs, out_tuple = _as_tuple(func(*xs))
    vs = _as_tuple(v)[0] if v is not None else tuple(Tensor(np.ones(x.shape, x.dtype)) for x in xs)
    dummies = tuple(Tensor(np.zeros(o.shape, dtype=o.dtype), requires_grad=True)
                    for o in outputs)
    grads = grad(outputs, xs, grad_outputs=list(dummies), create_graph=True, allow_unused=True)
    _zeros_if_none(grads, xs, strict, "jvp")
    used = [(g, vi) for g, vi in zip(grads, vs) if g is not None]
    result = grad([g for g, _ in used], dummies, grad_outputs=[vi for _, vi in used],
                  create_graph=create_graph, retain_graph=create_graph, allow_unused=True)
    result = _finish(_zeros_if_none(result, outputs), create_graph)
    outs = _finish(outputs, create_graph)
    return (outs if out_tuple else outs[0]), (result if out_tuple else result[0])


def _jacobian_rows(outputs, xs, create_graph, strict=False, op="jacobian"):
    """J[i][j] = d outputs[i] / d xs[j], one backward per output element."""
    rows = []
    for out in outputs:
        flat = out.reshape(-1)
        per_input = [[] for _ in xs]
        for k in range(flat.shape[0]):
            # An output that does not require grad (constant, or a linear function's gradient)
            # has a zero derivative.
            grads = (grad(flat[k], xs, retain_graph=True, create_graph=create_graph,
                          allow_unused=True) if flat.requires_grad else (None,) * len(xs))
            for j, g in enumerate(_zeros_if_none(grads, xs, strict, op)):
                per_input[j].append(g.reshape(-1))
        blocks = []
        for j, x in enumerate(xs):
            from ..ops.movement import stack
            if per_input[j]:
                block = stack(per_input[j], 0)
            else:
                block = Tensor(np.zeros((0, x._data.size), dtype=x.dtype))
            block = block.reshape(tuple(out.shape) + tuple(x.shape))
            blocks.append(block if create_graph else block.detach())
        rows.append(tuple(blocks))
    return rows


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False):
    """The Jacobian of `func` at `inputs`: shape output.shape + input.shape per pair.

    A single input and output give one Tensor; tuples give tuples, indexed [output][input].
    """
    xs, is_tuple = _as_leaves(inputs, create_graph)
    outputs, out_tuple = _as_tuple(func(*xs))
    rows = _jacobian_rows(outputs, xs, create_graph, strict)
    rows = [row if is_tuple else row[0] for row in rows]
    return tuple(rows) if out_tuple else rows[0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False):
    """The Hessian of a scalar `func` at `inputs`: shape input.shape + input.shape.

    For a tuple of inputs, a tuple of tuples H[i][j] = d²f / dx_i dx_j.
    """
    xs, is_tuple = _as_leaves(inputs, create_graph)
    out = func(*xs)
    if not isinstance(out, Tensor) or out._data.size != 1:
        raise RuntimeError(f"hessian: the function must return a single-element tensor, got "
                           f"shape {getattr(out, 'shape', type(out).__name__)}")
    first = grad(out.reshape(()), xs, create_graph=True, allow_unused=True)
    _zeros_if_none(first, xs, strict, "hessian")
    first = tuple(Tensor(np.zeros(x.shape, dtype=x.dtype), requires_grad=True) if g is None
                  else g for g, x in zip(first, xs))
    rows = _jacobian_rows(first, xs, create_graph, strict, "hessian")
    return tuple(rows) if is_tuple else rows[0][0]


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), vᵀ H): differentiate the gradient once more in direction v."""
    xs, is_tuple = _as_leaves(inputs, create_graph)
    out = func(*xs)
    first = grad(out, xs, create_graph=True, allow_unused=True)
    _zeros_if_none(first, xs, strict, "vhp")
    vs = _as_tuple(v)[0]
    used = [(g, vi) for g, vi in zip(first, vs) if g is not None]
    result = grad([g for g, _ in used], xs, grad_outputs=[vi for _, vi in used],
                  create_graph=create_graph, retain_graph=create_graph, allow_unused=True)
    result = _finish(_zeros_if_none(result, xs, strict, "vhp"), create_graph)
    out = out if create_graph else out.detach()
    return out, (result if is_tuple else result[0])


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v); the Hessian is symmetric, so this equals vhp."""
    return vhp(func, inputs, v, create_graph, strict)
