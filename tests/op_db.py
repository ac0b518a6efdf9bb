"""The op table: one record per op, which tests/test_ops.py turns into checks.

Each `OpInfo` names a glassgrad callable, its PyTorch counterpart (same signature, on torch
tensors), sample input shapes (broadcasting pairs such as (3, 1) with (1, 4), and 0-d where it
makes sense), an input domain (positive for log, away from kinks for abs/relu, distinct values
for max/min), keyword arguments per sample, and tolerances. From it tests/test_ops.py checks:

    test_forward_vs_torch         forward, float32 and float64, dtypes equal to torch's
    test_dtype_is_kept            float32 in -> float32 out and float32 gradients (no torch)
    test_gradient_vs_fd           vᵀJ·u against float64 central differences, random u and v;
                                  with and without create_graph (and an op's numpy
                                  override, backward_array, where it has one) alike
    test_second_order_vs_fd       the gradient's derivative the same way (Hessian-vector)
    test_grads_vs_torch           first and second order against torch.autograd.grad(...,
                                  create_graph=True) on the same inputs and grad_outputs

and two meta-tests: every `Function` subclass in glassgrad is exercised by some record, and every
public op of glassgrad.ops has a record. This follows PyTorch's OpInfo
(torch/testing/_internal/opinfo/core.py) and JAX's grad_test_spec, kept small.

PyTorch is an oracle only: `ref` is a string naming a torch function ("torch.exp",
"F.gelu" for torch.nn.functional.gelu), a callable that uses `torch`/`F` lazily, or None when
the glassgrad callable itself works on torch tensors too (methods and operators share names).
"""
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

import glassgrad as gg
from glassgrad import ops
from glassgrad.nn import functional as nnF

try:  # the oracle; the tests that need it skip without it
    import torch
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - exercised only without torch
    torch = F = None


# --- the record --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sample:
    """One call: the shapes of the op's tensor inputs (drawn from the record's domain), and its
    other arguments. numpy arrays in kwargs (indices, masks) become tensors of each library."""
    shapes: tuple
    kwargs: dict = field(default_factory=dict)

    def describe(self):
        shapes = "".join("(" + ",".join(map(str, s)) + ")" for s in self.shapes)
        kwargs = ",".join(f"{k}={_short(v)}" for k, v in self.kwargs.items())
        return shapes + ("-" + kwargs if kwargs else "")


def sample(*shapes, **kwargs):
    return Sample(tuple(tuple(s) for s in shapes), kwargs)


@dataclass(frozen=True)
class OpInfo:
    """One op of the table (see the module docstring for the checks it drives)."""
    name: str                      # the public op's name (glassgrad.ops.<name>) or an operator
    op: Callable                   # glassgrad: op(*tensors, **sample.kwargs)
    ref: Any                       # torch: "torch.exp", "F.gelu", a callable, or None (= op)
    samples: list                  # Sample records
    domain: Callable = None        # (rng, shapes) -> list of float64/int/bool arrays; REAL if None
    differentiable: bool = True    # False: comparisons, argmax, one_hot (forward only)
    order: int = 2                 # highest derivative order checked
    piecewise_linear: bool = False  # then the second derivative in the inputs must be 0
    fd: bool = True                # False: finite differences do not apply (a cast down to
                                   # float16, inputs at kinks or ties): torch is the check
    torch_grads: bool = True       # False: torch cannot differentiate it (say why in `note`)
    keeps_dtype: bool = True       # float32 in -> float32 out (False for casts)
    rtol: float = 1.3e-6           # float32 vs torch (torch.testing's float32 defaults)
    atol: float = 1e-5
    fd_rtol: float = 1e-5          # float64 finite differences
    fd_atol: float = 1e-6
    note: str = ""                 # why a domain or a sample was chosen, where it is not obvious


def torch_ref(record):
    """The torch callable of a record (only called where torch is installed)."""
    if record.ref is None:
        return record.op
    if callable(record.ref):
        return record.ref
    root, *path = record.ref.split(".")
    target = {"torch": torch, "F": F}[root]
    for name in path:
        target = getattr(target, name)
    return target


def _short(value):
    if isinstance(value, np.ndarray):
        return f"array{value.shape}"
    if isinstance(value, tuple):
        return "(" + ",".join(_short(v) for v in value) + ")"
    if isinstance(value, slice):
        return f"{value.start}:{value.stop}:{value.step}"
    return "..." if value is Ellipsis else str(value)


# --- input domains: (rng, shapes) -> arrays -----------------------------------------------------
def _each(draw):
    def domain(rng, shapes):
        return [draw(rng, shape) for shape in shapes]
    return domain


def per_input(*domains):
    """A different domain for each input (e.g. pow: positive base, real exponent)."""
    def domain(rng, shapes):
        return [d(rng, [shape])[0] for d, shape in zip(domains, shapes)]
    return domain


REAL = _each(lambda rng, shape: rng.standard_normal(shape))
POSITIVE = _each(lambda rng, shape: rng.uniform(0.5, 2.0, shape))
# |x| >= 0.25: away from the kink at 0 of abs/relu/sign and from a denominator's pole.
NONZERO = _each(lambda rng, shape: rng.choice([-1.0, 1.0], shape) * rng.uniform(0.25, 2.0, shape))
# Half-integers in [-1, 1]: ties on purpose, for comparisons.
TIES = _each(lambda rng, shape: rng.integers(-2, 3, shape) * 0.5)
# Around 1000: exp overflows unless the max is subtracted first (softmax, logsumexp).
LARGE = _each(lambda rng, shape: 1000.0 + 3.0 * rng.standard_normal(shape))
BOOLS = _each(lambda rng, shape: rng.random(shape) < 0.5)
# Some exact zeros among normal values (prod's zero-aware backward).
WITH_ZEROS = _each(lambda rng, shape: rng.standard_normal(shape) * (rng.random(shape) < 0.7))


def _special(rng, shape):
    x = rng.standard_normal(shape)
    x.reshape(-1)[::3] = np.nan
    x.reshape(-1)[1::4] = np.inf
    x.reshape(-1)[2::5] = -np.inf
    return x


SPECIAL = _each(_special)   # NaN, +inf and -inf among normal values (isnan, isinf, isfinite)


def DISTINCT(rng, shapes):
    """All elements of all inputs distinct, 0.1 apart, and never a multiple of 0.05: no ties for
    max/min/maximum, no value within 0.013 of a kink at 0, ±0.5, ±1 (relu, clamp, softplus)."""
    sizes = [int(np.prod(s)) for s in shapes]
    total = sum(sizes)
    values = (rng.permutation(total) - total // 2 + 0.37) * 0.1
    parts = np.split(values, np.cumsum(sizes)[:-1])
    return [p.reshape(s) for p, s in zip(parts, shapes)]


def first_row(value):
    """Normal values with row 0 set to `value`: a zero row for norm, a constant one for std."""
    def draw(rng, shape):
        x = rng.standard_normal(shape)
        x[0] = value
        return x
    return _each(draw)


def labels(num_classes):
    return _each(lambda rng, shape: rng.integers(0, num_classes, shape))


def _fixed(seed, shape, kind):
    """A constant index array or mask, the same on every run (kwargs of samples)."""
    rng = np.random.default_rng(seed)
    if kind == "mask":
        return rng.random(shape) < 0.5
    return rng.integers(0, kind, shape)


# --- sample sets shared by many records ----------------------------------------------------------
UNARY = [sample((3, 4)), sample(()), sample((2, 1, 3))]
BINARY = [sample((3, 4), (3, 4)), sample((3, 1), (1, 4)), sample((), (2, 3)),
          sample((2, 1, 4), (3, 1))]
REDUCE = [sample((3, 4)), sample((3, 4), dim=1), sample((2, 3, 4), dim=(0, 2), keepdim=True),
          sample((3, 4), dim=-1, keepdim=True), sample(())]
ALONG_DIM = [sample((3, 4), dim=1), sample((2, 3, 4), dim=0, keepdim=True),
             sample((3, 4), dim=-1)]


# ================================================================================================
# glassgrad/ops/elementwise.py
# ================================================================================================
ELEMENTWISE = [
    OpInfo("add", gg.add, "torch.add", BINARY + [sample((3, 1), (1, 4), alpha=2.5)],
           piecewise_linear=True),
    OpInfo("sub", gg.sub, "torch.sub", BINARY + [sample((3, 1), (1, 4), alpha=-1.5)],
           piecewise_linear=True),
    OpInfo("mul", gg.mul, "torch.mul", BINARY),
    OpInfo("div", gg.div, "torch.div", BINARY, domain=per_input(REAL, NONZERO)),
    OpInfo("pow", gg.pow, "torch.pow", BINARY, domain=per_input(POSITIVE, REAL)),
    OpInfo("pow (scalar exponent)", lambda a, exponent: gg.pow(a, exponent),
           lambda a, exponent: torch.pow(a, exponent),
           [sample((3, 4), exponent=2), sample((3, 4), exponent=3), sample((), exponent=0.5),
            sample((2, 3), exponent=-1.5)], domain=POSITIVE),
    OpInfo("neg", gg.neg, "torch.neg", UNARY, piecewise_linear=True),
    OpInfo("abs", gg.abs, "torch.abs", UNARY, domain=NONZERO, piecewise_linear=True),
    OpInfo("exp", gg.exp, "torch.exp", UNARY),
    OpInfo("log", gg.log, "torch.log", UNARY, domain=POSITIVE),
    OpInfo("log1p", gg.log1p, "torch.log1p", UNARY, domain=POSITIVE),
    OpInfo("sqrt", gg.sqrt, "torch.sqrt", UNARY, domain=POSITIVE),
    OpInfo("rsqrt", gg.rsqrt, "torch.rsqrt", UNARY, domain=POSITIVE),
    OpInfo("square", gg.square, "torch.square", UNARY),
    OpInfo("sin", gg.sin, "torch.sin", UNARY),
    OpInfo("cos", gg.cos, "torch.cos", UNARY),
    OpInfo("maximum", gg.maximum, "torch.maximum", BINARY, domain=DISTINCT,
           piecewise_linear=True),
    OpInfo("minimum", gg.minimum, "torch.minimum", BINARY, domain=DISTINCT,
           piecewise_linear=True),
    OpInfo("clamp", gg.clamp, "torch.clamp",
           [sample((3, 4), min=-0.5, max=0.5), sample((3, 4), min=-0.3),
            sample((2, 3), max=0.2), sample((), min=0.0, max=1.0)],
           domain=DISTINCT, piecewise_linear=True),
    OpInfo("clip", gg.clip, "torch.clip", [sample((3, 4), min=-0.5, max=0.5)], domain=DISTINCT,
           piecewise_linear=True),
    OpInfo("clone", gg.clone, "torch.clone", UNARY, piecewise_linear=True),
    OpInfo("to_dtype", lambda x, dtype: ops.to_dtype(x, getattr(gg, dtype)),
           lambda x, dtype: x.to(getattr(torch, dtype)),
           [sample((3, 4), dtype="float64"), sample((3, 4), dtype="float32"),
            sample((2,), dtype="float16")],
           keeps_dtype=False, piecewise_linear=True, fd=False, rtol=1e-3, atol=1e-3,
           note="float16 is compared loosely (its ulp is 1e-3); a cast to a lower precision "
                "hides the finite differences, so this record is checked against torch only"),
    # operators with a Python number on one side: float32 must stay float32
    OpInfo("__radd__", lambda a: 1.5 + a, None, UNARY, piecewise_linear=True),
    OpInfo("__rsub__", lambda a: 1.5 - a, None, UNARY, piecewise_linear=True),
    OpInfo("__rmul__", lambda a: 1.5 * a, None, UNARY, piecewise_linear=True),
    OpInfo("__rtruediv__", lambda a: 1.5 / a, None, UNARY, domain=NONZERO),
    OpInfo("__rpow__", lambda a: 1.5 ** a, None, UNARY),
    OpInfo("__truediv__ (scalar)", lambda a: a / 3.0, None, UNARY, piecewise_linear=True),
    OpInfo("__matmul__", lambda a, b: a @ b, None, [sample((2, 3), (3, 4))]),
    # comparisons and logic: boolean, forward only
    *[OpInfo(name, getattr(gg, name), "torch." + name, BINARY[:3], domain=TIES,
             differentiable=False) for name in ("eq", "ne", "lt", "le", "gt", "ge")],
    OpInfo("logical_and", gg.logical_and, "torch.logical_and", BINARY[:2], domain=BOOLS,
           differentiable=False),
    OpInfo("logical_or", gg.logical_or, "torch.logical_or", BINARY[:2], domain=BOOLS,
           differentiable=False),
    OpInfo("logical_not", gg.logical_not, "torch.logical_not", UNARY[:2], domain=BOOLS,
           differentiable=False),
    OpInfo("sign", gg.sign, "torch.sign", UNARY[:2], domain=TIES, differentiable=False),
    *[OpInfo(name, getattr(gg, name), "torch." + name, UNARY[:2], domain=SPECIAL,
             differentiable=False) for name in ("isnan", "isinf", "isfinite")],
    OpInfo("allclose", lambda a, b, scale: gg.allclose(a, a + scale * b),
           lambda a, b, scale: torch.allclose(a, a + scale * b),
           [sample((3, 4), (3, 4), scale=1e-9), sample((3, 4), (3, 4), scale=1e-2)],
           differentiable=False),
    OpInfo("equal", lambda a, b, same: gg.equal(a, a if same else b),
           lambda a, b, same: torch.equal(a, a if same else b),
           [sample((2,), (2,), same=True), sample((2,), (2,), same=False)], domain=TIES,
           differentiable=False),
]

# ================================================================================================
# glassgrad/ops/activation.py
# ================================================================================================
ACTIVATION = [
    OpInfo("tanh", gg.tanh, "torch.tanh", UNARY),
    OpInfo("sigmoid", gg.sigmoid, "torch.sigmoid", UNARY),
    OpInfo("relu", gg.relu, "torch.relu", UNARY, domain=DISTINCT, piecewise_linear=True),
    OpInfo("leaky_relu", ops.leaky_relu, "F.leaky_relu",
           UNARY + [sample((3, 4), negative_slope=0.2)], domain=DISTINCT, piecewise_linear=True),
    OpInfo("erf", gg.erf, "torch.erf", UNARY),
    OpInfo("gelu", ops.gelu, "F.gelu",
           [sample((3, 4)), sample((), approximate="none"), sample((3, 4), approximate="tanh"),
            sample((2, 3), approximate="tanh")]),
    OpInfo("softplus", ops.softplus, "F.softplus",
           [sample((3, 4)), sample((3, 4), beta=2.0), sample((4, 5), beta=1.0, threshold=0.6),
            sample((), beta=0.5)],
           domain=DISTINCT,
           note="threshold=0.6 puts some inputs on the linear side; DISTINCT keeps all inputs "
                "0.013 or more from the switch, where softplus jumps"),
    OpInfo("softmax", gg.softmax, "torch.softmax",
           [sample((3, 4), dim=1), sample((3, 4), dim=0), sample((2, 3, 4), dim=-1)]),
    # LogSoftmax is a primitive (ops/activation.py): measured ~30% faster cross_entropy
    # forward + backward than the composite x - logsumexp(x); softmax is exp(log_softmax).
    OpInfo("log_softmax", gg.log_softmax, "torch.log_softmax",
           [sample((3, 4), dim=1), sample((3, 4), dim=0), sample((2, 3, 4), dim=-1),
            sample((5,), dim=0), sample((), dim=0)]),
    OpInfo("log_softmax (nn.functional)", nnF.log_softmax, "F.log_softmax",
           [sample((2, 3, 4), dim=1)], note="F's name for the same primitive"),
    OpInfo("softmax (large inputs)", gg.softmax, "torch.softmax", [sample((3, 4), dim=1)],
           domain=LARGE, atol=1e-4, note="float32's ulp at 1000 is 6e-5"),
    OpInfo("log_softmax (large inputs)", gg.log_softmax, "torch.log_softmax",
           [sample((3, 4), dim=1)], domain=LARGE, atol=1e-4),
]

# ================================================================================================
# glassgrad/ops/reduce.py
# ================================================================================================
REDUCE_OPS = [
    OpInfo("sum", gg.sum, "torch.sum", REDUCE, piecewise_linear=True),
    OpInfo("mean", gg.mean, "torch.mean", REDUCE, piecewise_linear=True),
    OpInfo("var", gg.var, "torch.var",
           REDUCE[:4] + [sample((3, 4), dim=0, correction=0), sample((3, 4), dim=1,
                                                                     unbiased=False)]),
    OpInfo("std", gg.std, "torch.std",
           REDUCE[:4] + [sample((3, 4), dim=0, correction=0), sample((3, 4), dim=1,
                                                                     unbiased=False)]),
    OpInfo("max", gg.max, "torch.max", [sample((3, 4)), sample(())] + ALONG_DIM,
           domain=DISTINCT, piecewise_linear=True,
           note="distinct values: at a tie torch and glassgrad may pick different winners"),
    OpInfo("min", gg.min, "torch.min", [sample((3, 4)), sample(())] + ALONG_DIM,
           domain=DISTINCT, piecewise_linear=True),
    OpInfo("max (element-wise)", lambda a, b: gg.max(a, b), lambda a, b: torch.max(a, b),
           BINARY[:2], domain=DISTINCT, piecewise_linear=True),
    OpInfo("min (element-wise)", lambda a, b: gg.min(a, b), lambda a, b: torch.min(a, b),
           BINARY[:2], domain=DISTINCT, piecewise_linear=True),
    OpInfo("amax", gg.amax, "torch.amax", REDUCE, domain=DISTINCT, piecewise_linear=True),
    OpInfo("amin", gg.amin, "torch.amin", REDUCE, domain=DISTINCT, piecewise_linear=True),
    OpInfo("prod", gg.prod, "torch.prod",
           [sample((2, 3)), sample((3, 4), dim=1), sample((3, 4), dim=0, keepdim=True),
            sample(())]),
    OpInfo("prod (with zeros)", gg.prod, "torch.prod",
           [sample((4, 3), dim=1), sample((3, 4), dim=0, keepdim=True), sample((2, 3))],
           domain=WITH_ZEROS, note="exact zeros: the backward's zero-aware branch"),
    OpInfo("logsumexp", gg.logsumexp, "torch.logsumexp",
           [sample((3, 4), dim=1), sample((2, 3, 4), dim=(0, 2), keepdim=True),
            sample((3, 4), dim=-1, keepdim=True)]),
    OpInfo("logsumexp (large inputs)", gg.logsumexp, "torch.logsumexp",
           [sample((3, 4), dim=1)], domain=LARGE, rtol=1e-4, atol=1e-4,
           note="torch's float32 gradient exp(x - lse) carries lse's rounding (ulp 6e-5 at "
                "1000); glassgrad's goes through exp(x - max), so they differ by ~3e-5"),
    OpInfo("argmax", gg.argmax, "torch.argmax", REDUCE[:2] + ALONG_DIM[1:], domain=DISTINCT,
           differentiable=False),
    OpInfo("argmin", gg.argmin, "torch.argmin", REDUCE[:2] + ALONG_DIM[1:], domain=DISTINCT,
           differentiable=False),
    OpInfo("norm", gg.norm, "torch.norm",
           [sample((3, 4)), sample((3, 4), p=1, dim=1), sample((3, 4), p=math.inf, dim=0),
            sample((2, 3), p=3, dim=1, keepdim=True)],
           domain=DISTINCT),
]

# ================================================================================================
# glassgrad/ops/linalg.py
# ================================================================================================
LINALG = [
    OpInfo("matmul", gg.matmul, "torch.matmul",
           [sample((3,), (3,)), sample((3,), (3, 4)), sample((2, 3), (3,)),
            sample((2, 3), (3, 4)), sample((2, 2, 3), (2, 3, 4)), sample((2, 2, 3), (3,)),
            sample((2, 1, 2, 3), (3, 3, 2))]),
    OpInfo("linear", ops.linear, "F.linear",
           [sample((2, 3), (4, 3), (4,)), sample((3,), (4, 3), (4,)), sample((2, 2, 3), (4, 3))]),
    OpInfo("addmm", gg.addmm,
           lambda input, a, b, beta=1, alpha=1: beta * input + alpha * torch.matmul(a, b),
           [sample((4,), (3, 2), (2, 4)), sample((3, 1), (2, 3, 4), (4, 5), beta=0.5, alpha=2.0),
            sample((2, 1, 5), (2, 3, 4), (2, 4, 5))],
           note="torch.addmm is 2-D only; the reference is its definition, batched"),
    OpInfo("dot", gg.dot, "torch.dot", [sample((3,), (3,))]),
    OpInfo("outer", gg.outer, "torch.outer", [sample((3,), (4,))]),
]

# ================================================================================================
# glassgrad/ops/movement.py and _broadcast.py
# ================================================================================================
MOVEMENT = [
    OpInfo("reshape", lambda x, shape: gg.reshape(x, shape), "torch.reshape",
           [sample((3, 4), shape=(2, 6)), sample((2, 3, 4), shape=(4, -1)),
            sample((), shape=(1,)), sample((3, 4), shape=(12,))], piecewise_linear=True),
    OpInfo("view", lambda x, shape: ops.view(x, shape), lambda x, shape: x.view(shape),
           [sample((3, 4), shape=(2, 6)), sample((2, 3, 4), shape=(6, -1))],
           piecewise_linear=True),
    OpInfo("flatten", gg.flatten, "torch.flatten",
           [sample((2, 3, 4)), sample((2, 3, 4), start_dim=1), sample((2, 3, 4), end_dim=1),
            sample(())], piecewise_linear=True),
    OpInfo("transpose", gg.transpose, "torch.transpose",
           [sample((3, 4), dim0=0, dim1=1), sample((2, 3, 4), dim0=-1, dim1=0)],
           piecewise_linear=True),
    OpInfo("permute", lambda x, dims: gg.permute(x, dims), "torch.permute",
           [sample((2, 3, 4), dims=(2, 0, 1)), sample((3, 4), dims=(1, 0))],
           piecewise_linear=True),
    OpInfo("squeeze", gg.squeeze, "torch.squeeze",
           [sample((3, 1, 4)), sample((3, 1, 4), dim=1), sample((3, 1, 4), dim=0),
            sample((1, 2, 1), dim=(0, 2))], piecewise_linear=True),
    OpInfo("unsqueeze", gg.unsqueeze, "torch.unsqueeze",
           [sample((3, 4), dim=0), sample((3, 4), dim=-1), sample((), dim=0)],
           piecewise_linear=True),
    OpInfo("expand", lambda x, shape: gg.expand(x, shape), lambda x, shape: x.expand(shape),
           [sample((3, 1), shape=(3, 4)), sample((4,), shape=(2, 3, 4)),
            sample((3, 1), shape=(-1, 4)), sample((), shape=(2, 3))], piecewise_linear=True),
    OpInfo("broadcast_to", gg.broadcast_to, lambda x, shape: torch.broadcast_to(x, shape),
           [sample((3, 1), shape=(2, 3, 4))], piecewise_linear=True),
    OpInfo("sum_to_shape", ops.sum_to_shape, lambda x, shape: x.sum_to_size(shape),
           [sample((2, 3, 4), shape=(3, 1)), sample((3, 4), shape=(1, 4)),
            sample((3, 4), shape=())],
           piecewise_linear=True),
    OpInfo("cat", lambda *xs, dim: gg.cat(xs, dim), lambda *xs, dim: torch.cat(xs, dim),
           [sample((2, 3), (4, 3), dim=0), sample((2, 3), (2, 1), (2, 2), dim=1),
            sample((2, 3), (2, 3), dim=-1)], piecewise_linear=True),
    OpInfo("concatenate", lambda *xs, dim: gg.concatenate(xs, dim),
           lambda *xs, dim: torch.concatenate(xs, dim), [sample((2, 3), (1, 3), dim=0)],
           piecewise_linear=True),
    OpInfo("stack", lambda *xs, dim: gg.stack(xs, dim), lambda *xs, dim: torch.stack(xs, dim),
           [sample((2, 3), (2, 3), dim=0), sample((2, 3), (2, 3), (2, 3), dim=1),
            sample((2, 3), (2, 3), dim=-1), sample((), (), dim=0)], piecewise_linear=True),
    OpInfo("split", gg.split, "torch.split",
           [sample((5, 3), split_size_or_sections=2, dim=0),
            sample((3, 5), split_size_or_sections=[1, 3, 1], dim=1)], piecewise_linear=True),
    OpInfo("chunk", gg.chunk, "torch.chunk",
           [sample((5, 3), chunks=3, dim=0), sample((3, 6), chunks=4, dim=1)],
           piecewise_linear=True),
    OpInfo("pad", ops.pad, "F.pad",
           [sample((3, 4), pad=(1, 2), value=0.5),
            sample((2, 3, 4), pad=(1, 0, 0, 2)),
            sample((2, 3, 5), pad=(2, 1), mode="reflect"),
            sample((1, 2, 3, 4), pad=(1, 2, 2, 1), mode="reflect"),
            sample((2, 3, 4), pad=(2, 1), mode="replicate"),
            sample((1, 2, 3, 4), pad=(1, 1, 2, 0), mode="replicate"),
            sample((2, 3, 4), pad=(1, 2), mode="circular"),
            sample((1, 2, 3, 4), pad=(2, 1, 1, 2), mode="circular")],
           piecewise_linear=True),
]

# ================================================================================================
# glassgrad/ops/indexing.py
# ================================================================================================
_ROWS = np.array([0, 2, 2, 4])            # integer indices with a repeat
_MASK_34 = _fixed(1, (3, 4), "mask")
_MASK_31 = _fixed(2, (3, 1), "mask")

INDEXING = [
    OpInfo("getitem", ops.getitem, lambda x, index: x[index],
           [sample((4, 5), index=1), sample((4, 5), index=-1),
            sample((4, 5), index=(slice(1, 3), slice(None, None, 2))),
            sample((2, 3, 4), index=(Ellipsis, 1)),
            sample((3, 4), index=(None, slice(None), 2)),
            sample((5, 3), index=_ROWS),
            sample((5, 3), index=(_ROWS, np.array([0, 1, 1, 2]))),
            sample((3, 5), index=(slice(None), _ROWS)),
            sample((3, 4), index=_MASK_34),
            sample((3, 4), index=(_MASK_34[:, 0], slice(1, None)))],
           piecewise_linear=True,
           note="repeated integer indices: the backward must accumulate (np.add.at)"),
    OpInfo("index_select", gg.index_select, "torch.index_select",
           [sample((5, 3), dim=0, index=_ROWS), sample((2, 5), dim=1, index=_ROWS)],
           piecewise_linear=True),
    OpInfo("gather", gg.gather, "torch.gather",
           [sample((3, 4), dim=1, index=_fixed(3, (3, 5), 4)),
            sample((3, 4), dim=0, index=_fixed(4, (2, 4), 3)),
            sample((2, 3, 4), dim=-1, index=_fixed(5, (2, 3, 2), 4))],
           piecewise_linear=True),
    OpInfo("scatter_add", lambda a, src, dim, index: gg.scatter_add(a, dim, index, src),
           lambda a, src, dim, index: torch.scatter_add(a, dim, index, src),
           [sample((3, 4), (3, 5), dim=1, index=_fixed(6, (3, 5), 4)),
            sample((3, 4), (2, 4), dim=0, index=_fixed(8, (2, 4), 3))],
           piecewise_linear=True),
    OpInfo("scatter_add (src larger than index)",
           lambda a, src, dim, index: gg.scatter_add(a, dim, index, src),
           lambda a, src, dim, index: torch.scatter_add(a, dim, index, src),
           [sample((3, 4), (3, 3), dim=1, index=_fixed(7, (3, 2), 4))],
           piecewise_linear=True, torch_grads=False,
           note="only src's first part is used; torch's backward returns a gradient of the "
                "index's shape for src and raises, so gradients are checked by differences"),
    OpInfo("where", lambda a, b, condition: gg.where(condition, a, b),
           lambda a, b, condition: torch.where(condition, a, b),
           [sample((3, 4), (3, 4), condition=_MASK_34), sample((3, 1), (1, 4), condition=_MASK_34),
            sample((), (3, 1), condition=_MASK_34)], piecewise_linear=True),
    OpInfo("where (scalar)", lambda a, condition: gg.where(condition, a, 0.5),
           lambda a, condition: torch.where(condition, a, 0.5),
           [sample((3, 4), condition=_MASK_34), sample((3, 4), condition=_MASK_31)],
           piecewise_linear=True),
    OpInfo("masked_fill", gg.masked_fill, lambda x, mask, value: x.masked_fill(mask, value),
           [sample((3, 4), mask=_MASK_34, value=-1.5), sample((3, 4), mask=_MASK_31, value=2.0)],
           piecewise_linear=True),
    OpInfo("one_hot", ops.one_hot, "F.one_hot",
           [sample((5,)), sample((2, 3), num_classes=6)], domain=labels(4), differentiable=False),
]

# ================================================================================================
# glassgrad/ops/window.py
# ================================================================================================


def _unfold_ref(x, kernel_size, dilation=1, padding=0, stride=1):
    """torch's unfold is 2-D only: a 1-D input (N, C, L) is compared as (N, C, 1, L)."""
    if x.ndim == 4:
        return F.unfold(x, kernel_size, dilation, padding, stride)
    return F.unfold(x.unsqueeze(2), (1, kernel_size), (1, dilation), (0, padding), (1, stride))


def _fold_ref(cols, output_size, kernel_size, dilation=1, padding=0, stride=1):
    if len(output_size) == 2:
        return F.fold(cols, output_size, kernel_size, dilation, padding, stride)
    (length,), (k,) = output_size, kernel_size
    return F.fold(cols, (1, length), (1, k), (1, dilation), (0, padding), (1, stride)).squeeze(2)


def _im2row_ref(x, kernel_size, dilation=1, padding=0, stride=1):
    """unfold(channels_last) ("im2row") = unfold on the channels-first input, reordered to
    (N·L, Πk·C)."""
    n, c = x.shape[0], x.shape[-1]
    cols = _unfold_ref(x.movedim(-1, 1), kernel_size, dilation, padding, stride)
    cols = cols.reshape(n, c, -1, cols.shape[-1])                    # (N, C, Πk, L)
    return cols.permute(0, 3, 2, 1).reshape(-1, cols.shape[2] * c)


def _row2im_ref(rows, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """fold(channels_last) ("row2im") = fold of the rows reordered to (N, C·Πk, L), then
    channels-last."""
    nd = len(output_size)
    each = lambda v: tuple(v) if isinstance(v, tuple) else (v,) * nd   # noqa: E731
    positions = math.prod((s + 2 * p - d * (k - 1) - 1) // st + 1 for s, k, d, p, st in zip(
        output_size, each(kernel_size), each(dilation), each(padding), each(stride)))
    taps = math.prod(each(kernel_size))
    n, c = rows.shape[0] // positions, rows.shape[1] // taps
    cols = rows.reshape(n, positions, taps, c).permute(0, 3, 2, 1).reshape(n, c * taps, -1)
    return _fold_ref(cols, output_size, kernel_size, dilation, padding, stride).movedim(1, -1)


WINDOW = [
    OpInfo("unfold", ops.unfold, _unfold_ref,
           [sample((2, 2, 4, 4), kernel_size=3),
            sample((1, 2, 5, 6), kernel_size=(2, 3), dilation=(2, 1), padding=1, stride=(1, 2)),
            sample((2, 2, 7), kernel_size=3, dilation=2, padding=1, stride=2),
            sample((1, 3, 5), kernel_size=2)], piecewise_linear=True),
    OpInfo("fold", ops.fold, _fold_ref,
           [sample((2, 8, 9), output_size=(4, 4), kernel_size=2),
            sample((1, 12, 10), output_size=(5, 4), kernel_size=(2, 3), dilation=(2, 1),
                   padding=1, stride=(1, 2)),
            sample((2, 6, 3), output_size=(7,), kernel_size=(3,), dilation=2, padding=1,
                   stride=2)], piecewise_linear=True),
    OpInfo("unfold (channels_last)", lambda x, **kw: ops.unfold(x, channels_last=True, **kw),
           _im2row_ref,
           [sample((2, 4, 4, 3), kernel_size=3),
            sample((2, 5, 6, 2), kernel_size=(2, 3), dilation=(2, 1), padding=1, stride=(1, 2)),
            sample((2, 7, 3), kernel_size=3, dilation=2, padding=1, stride=2),
            sample((2, 5, 2), kernel_size=2)], piecewise_linear=True),
    OpInfo("fold (channels_last)", lambda x, **kw: ops.fold(x, channels_last=True, **kw),
           _row2im_ref,
           [sample((18, 8), output_size=(4, 4), kernel_size=(2, 2)),
            sample((20, 12), output_size=(5, 4), kernel_size=(2, 3), dilation=(2, 1),
                   padding=1, stride=(1, 2)),
            sample((6, 9), output_size=(7,), kernel_size=(3,), dilation=2, padding=1,
                   stride=2)], piecewise_linear=True),
    OpInfo("unfold_dim", lambda x, dimension, size, step: x.unfold(dimension, size, step), None,
           [sample((7,), dimension=0, size=3, step=2), sample((2, 6, 3), dimension=1, size=2,
                                                               step=2),
            sample((4, 5), dimension=-1, size=2, step=1)], piecewise_linear=True),
]


# ================================================================================================
# The ops behind torch.Tensor's everyday methods (t, flip, repeat, cumsum, sort, topk, scatter,
# floor, %, //, ...), in the files of glassgrad/ops they live in (sorting.py is theirs alone).
# ================================================================================================
_INTS = _each(lambda rng, shape: rng.integers(-7, 8, shape))
_DIVISORS = _each(lambda rng, shape: rng.choice([-3, -2, -1, 1, 2, 3], shape))
_ROWS_UNIQUE = np.argsort(np.random.default_rng(9).random((3, 4)), axis=1)[:, :3]   # (3, 3)
_COLS_UNIQUE = np.argsort(np.random.default_rng(10).random((3, 4)), axis=0)[:2]     # (2, 4)


def _to_args(lib, args, kwargs):
    """Tensor.to's arguments for `lib`: dtype names become lib's dtypes, the rest stays."""
    name = lambda v: getattr(lib, v) if isinstance(v, str) and v.startswith("float") \
        else v   # noqa: E731
    return [name(a) for a in args], {k: name(v) for k, v in kwargs.items()}


def _to(lib):
    def to(x, args=(), **kwargs):
        args, kwargs = _to_args(lib, args, kwargs)
        return ops.to(x, *args, **kwargs) if lib is gg else x.to(*args, **kwargs)
    return to


TENSOR_METHODS = [
    # elementwise.py
    *[OpInfo(name, getattr(gg, name), "torch." + name, UNARY[:2], differentiable=False)
      for name in ("floor", "ceil", "trunc")],
    OpInfo("round", gg.round, "torch.round", UNARY[:2] + [sample((3, 4), decimals=2)],
           differentiable=False),
    OpInfo("floor_divide", gg.floor_divide, "torch.floor_divide", BINARY[:3],
           domain=per_input(REAL, NONZERO), differentiable=False),
    OpInfo("floor_divide (integers)", gg.floor_divide, "torch.floor_divide", BINARY[:3],
           domain=per_input(_INTS, _DIVISORS), differentiable=False),
    OpInfo("remainder", gg.remainder, "torch.remainder", BINARY, domain=per_input(REAL, NONZERO),
           piecewise_linear=True,
           note="a - floor(a / b)·b; jumps where a / b is whole, which random inputs avoid"),
    OpInfo("remainder (integers)", gg.remainder, "torch.remainder", BINARY[:3],
           domain=per_input(_INTS, _DIVISORS), differentiable=False),
    OpInfo("__mod__", lambda a, b: a % b, None, BINARY[:2], domain=per_input(REAL, NONZERO),
           piecewise_linear=True),
    OpInfo("__rfloordiv__", lambda a: 7.0 // a, None, UNARY[:2], domain=NONZERO,
           differentiable=False),
    OpInfo("reciprocal", gg.reciprocal, "torch.reciprocal", UNARY, domain=NONZERO),
    OpInfo("log2", gg.log2, "torch.log2", UNARY, domain=POSITIVE),
    OpInfo("log10", gg.log10, "torch.log10", UNARY, domain=POSITIVE),
    OpInfo("to", _to(gg), _to(torch),
           [sample((3, 4), args=("float64",)), sample((3, 4), args=("cpu", "float64")),
            sample((3, 4), args=(np.zeros(2),)), sample((2, 3), device="cpu", dtype="float64"),
            sample((2, 3), args=("cpu",), copy=True)],
           keeps_dtype=False, piecewise_linear=True,
           note="to(other) takes other's dtype: a float64 array of the sample, as a tensor"),
    # reduce.py
    OpInfo("cumsum", gg.cumsum, "torch.cumsum",
           [sample((3, 4), dim=1), sample((2, 3, 4), dim=0), sample((3, 4), dim=-1),
            sample((), dim=0)], piecewise_linear=True),
    OpInfo("cumsum (integers)", gg.cumsum, "torch.cumsum", [sample((3, 4), dim=1)],
           domain=_INTS, differentiable=False),
    *[OpInfo(name, getattr(gg, name), "torch." + name,
             [sample((3, 4)), sample((3, 4), dim=1), sample((2, 3, 4), dim=(0, 2), keepdim=True),
              sample(())], domain=BOOLS, differentiable=False) for name in ("any", "all")],
    OpInfo("any (numbers)", gg.any, "torch.any", [sample((3, 4), dim=0)], domain=TIES,
           differentiable=False),
    # indexing.py
    OpInfo("nonzero", gg.nonzero, "torch.nonzero",
           [sample((3, 4)), sample((5,)), sample(()), sample((2, 3), as_tuple=True)],
           domain=TIES, differentiable=False),
    OpInfo("scatter", lambda a, src, dim, index: gg.scatter(a, dim, index, src),
           lambda a, src, dim, index: torch.scatter(a, dim, index, src),
           [sample((3, 4), (3, 3), dim=1, index=_ROWS_UNIQUE),
            sample((3, 4), (2, 4), dim=0, index=_COLS_UNIQUE)], piecewise_linear=True,
           note="no place written twice: with repeats torch leaves the winner unspecified"),
    OpInfo("scatter (value)", lambda a, dim, index, value: gg.scatter(a, dim, index, value=value),
           lambda a, dim, index, value: torch.scatter(a, dim, index, value=value),
           [sample((3, 4), dim=1, index=_fixed(6, (3, 5), 4), value=1.5)],
           piecewise_linear=True),
    *[OpInfo(name, getattr(gg, name), "torch." + name,
             [sample((4, 4)), sample((3, 5), diagonal=1), sample((2, 4, 3), diagonal=-1)],
             piecewise_linear=True) for name in ("tril", "triu")],
    # movement.py
    OpInfo("t", gg.t, "torch.t", [sample((3, 4)), sample((4,)), sample(())],
           piecewise_linear=True),
    OpInfo("flip", gg.flip, "torch.flip",
           [sample((3, 4), dims=(0,)), sample((2, 3, 4), dims=(0, 2)), sample((3, 4), dims=(-1,))],
           piecewise_linear=True),
    OpInfo("repeat", lambda x, sizes: ops.repeat(x, sizes), lambda x, sizes: x.repeat(sizes),
           [sample((2, 3), sizes=(2, 1)), sample((3,), sizes=(2, 2)),
            sample((2, 1, 3), sizes=(1, 3, 2)), sample((), sizes=(3,))], piecewise_linear=True),
    OpInfo("tile", gg.tile, "torch.tile", [sample((2, 3), dims=(2,)), sample((3,), dims=(2, 2))],
           piecewise_linear=True),
    OpInfo("unflatten", gg.unflatten, "torch.unflatten",
           [sample((2, 12), dim=1, sizes=(3, 4)), sample((6, 4), dim=0, sizes=(-1, 2))],
           piecewise_linear=True),
    OpInfo("unbind", gg.unbind, "torch.unbind", [sample((3, 4)), sample((2, 3, 4), dim=1)],
           piecewise_linear=True),
    # linalg.py
    OpInfo("mm", gg.mm, "torch.mm", [sample((2, 3), (3, 4))]),
    OpInfo("bmm", gg.bmm, "torch.bmm", [sample((2, 2, 3), (2, 3, 4))]),
    # sorting.py
    OpInfo("sort", gg.sort, "torch.sort",
           [sample((3, 4)), sample((3, 4), dim=0), sample((2, 3, 4), dim=1, descending=True),
            sample((5,), descending=True), sample(())], domain=DISTINCT, piecewise_linear=True),
    OpInfo("sort (ties, stable)", gg.sort, "torch.sort",
           [sample((4, 6), stable=True), sample((4, 6), dim=0, descending=True, stable=True)],
           domain=TIES, fd=False, piecewise_linear=True,
           note="equal values keep their order, as torch's stable=True; the gradient follows"),
    OpInfo("argsort", gg.argsort, "torch.argsort",
           [sample((3, 4)), sample((3, 4), dim=0, descending=True), sample((2, 6), stable=True)],
           domain=DISTINCT, differentiable=False),
    OpInfo("argsort (ties, stable)", gg.argsort, "torch.argsort",
           [sample((4, 6), stable=True), sample((4, 6), descending=True, stable=True)],
           domain=TIES, differentiable=False),
    OpInfo("topk", gg.topk, "torch.topk",
           [sample((3, 5), k=2), sample((3, 5), k=3, dim=0, largest=False), sample((6,), k=6),
            sample((2, 3, 4), k=1, dim=1)], domain=DISTINCT, piecewise_linear=True),
    OpInfo("unique", gg.unique, "torch.unique",
           [sample((10,)), sample((3, 4), return_inverse=True, return_counts=True),
            sample((6, 2), dim=0, return_inverse=True, return_counts=True)],
           domain=labels(3), differentiable=False),
    OpInfo("unique (floats)", gg.unique, "torch.unique", [sample((3, 4), return_counts=True)],
           domain=TIES, differentiable=False),
]

# ================================================================================================
# Conventions at kinks and ties, where the derivative is a choice: glassgrad makes torch's
# (documented for amax/amin and maximum: ties share the gradient evenly; relu'(0) = 0; norm and
# std give 0, not NaN, at 0). Finite differences do not apply there, so torch is the only check.
# ================================================================================================
_AT_KINKS = dict(domain=TIES, fd=False)
CONVENTIONS = [
    OpInfo("maximum (ties)", gg.maximum, "torch.maximum", BINARY[:2], piecewise_linear=True,
           **_AT_KINKS),
    OpInfo("minimum (ties)", gg.minimum, "torch.minimum", BINARY[:2], piecewise_linear=True,
           **_AT_KINKS),
    OpInfo("amax (ties)", gg.amax, "torch.amax", REDUCE[:3], piecewise_linear=True, **_AT_KINKS),
    OpInfo("amin (ties)", gg.amin, "torch.amin", REDUCE[:3], piecewise_linear=True, **_AT_KINKS),
    OpInfo("max (ties, all elements)", gg.max, "torch.max", [sample((3, 4))],
           piecewise_linear=True, **_AT_KINKS),
    OpInfo("relu (at 0)", gg.relu, "torch.relu", UNARY[:1], piecewise_linear=True, **_AT_KINKS),
    OpInfo("leaky_relu (at 0)", ops.leaky_relu, "F.leaky_relu", UNARY[:1],
           piecewise_linear=True, **_AT_KINKS),
    OpInfo("abs (at 0)", gg.abs, "torch.abs", UNARY[:1], piecewise_linear=True, **_AT_KINKS),
    OpInfo("clamp (at the bounds)", gg.clamp, "torch.clamp", [sample((3, 4), min=-0.5, max=0.5)],
           piecewise_linear=True, **_AT_KINKS),
    OpInfo("norm (a zero row)", gg.norm, "torch.norm",
           [sample((3, 4), dim=1), sample((1, 4)), sample((3, 4), p=3, dim=1),
            sample((3, 4), p=1, dim=1), sample((3, 4), p=math.inf, dim=1)],
           domain=first_row(0.0), fd=False, order=1,
           note="order=1: torch's second derivative at the zero row is NaN, glassgrad's 0"),
    OpInfo("std (a constant row)", gg.std, "torch.std",
           [sample((3, 4), dim=1), sample((3, 4), dim=1, correction=0)],
           domain=first_row(0.7), fd=False, order=1,
           note="order=1: torch's second derivative at the constant row is NaN, glassgrad's 0"),
]


# ================================================================================================
# Pooling (ops/pool.py): max-pooling is a primitive, one pass per kernel tap.
POOL = [
    OpInfo("max_pool2d", nnF.max_pool2d, "F.max_pool2d",
           [sample((2, 3, 4, 4), kernel_size=2),                                # tiles
            sample((1, 2, 5, 4), kernel_size=2),                                # ragged end
            sample((1, 2, 5, 5), kernel_size=3, stride=2, padding=1),           # -inf padding
            sample((1, 2, 5, 6), kernel_size=(2, 3), stride=(1, 2), padding=(1, 1),
                   dilation=(2, 1), ceil_mode=True),
            sample((2, 4, 4), kernel_size=2, stride=1)],                        # unbatched
           domain=DISTINCT, piecewise_linear=True,
           note="DISTINCT: no ties, so the first-maximum rule is not what is being tested"),
    OpInfo("max_pool1d", nnF.max_pool1d, "F.max_pool1d",
           [sample((2, 3, 8), kernel_size=2),
            sample((1, 2, 9), kernel_size=3, stride=2, padding=1, ceil_mode=True),
            sample((1, 2, 9), kernel_size=2, stride=3, dilation=2)],            # gaps
           domain=DISTINCT, piecewise_linear=True),
]

# ================================================================================================
# The fused losses (ops/loss.py), each justified by a benchmark in its docstring.
LOSS = [
    # The fused mean-squared-error primitive (glassgrad/ops/loss.py);
    # both arguments are differentiated (torch allows a target that requires grad).
    OpInfo("mse_loss (nn.functional)", nnF.mse_loss, "F.mse_loss",
           [sample((3, 4), (3, 4)), sample((5,), (5,), reduction="sum"),
            sample((2, 3, 2), (2, 3, 2), reduction="mean"), sample((), ())]),
    # Fused log-softmax + NLL (glassgrad/ops/loss.py), cross_entropy's
    # common case; the class indices are constants (kwargs), the logits are differentiated.
    OpInfo("cross_entropy (fused)", nnF.cross_entropy, "F.cross_entropy",
           [sample((4, 3), target=_fixed(5, (4,), 3)),
            sample((6, 5), target=_fixed(6, (6,), 5), reduction="sum"),
            sample((1, 2), target=_fixed(7, (1,), 2))]),
    OpInfo("cross_entropy (fused, large logits)", nnF.cross_entropy, "F.cross_entropy",
           [sample((3, 4), target=_fixed(8, (3,), 4))], domain=LARGE,
           note="logits near 1000: the max is subtracted before exp"),
    # BCE of probabilities (ops/loss.py's BinaryCrossEntropy: torch's clamped gradient), both
    # the probabilities and the targets differentiated; p = 0 or 1 is in
    # tests/nn/test_loss_edge_cases.py (there finite differences do not apply).
    OpInfo("binary_cross_entropy (nn.functional)", nnF.binary_cross_entropy,
           "F.binary_cross_entropy",
           [sample((3, 4), (3, 4)), sample((5,), (5,), reduction="sum"),
            sample((2, 3), (2, 3), reduction="none")],
           domain=_each(lambda rng, shape: rng.uniform(0.1, 0.9, shape)),
           note="probabilities and targets in (0.1, 0.9), away from the clamps"),
]

# ================================================================================================
# Recurrences (ops/recurrence.py): Elman, LSTM and GRU over a whole packed sequence as one op,
# promoted from the composite `scan` for speed (benchmark in its docstring). Its rule is the
# composite's derivative; backward_array (hand-written BPTT) is checked against it here. The
# torch reference below is an independent transcription of torch.nn's step equations.
def _torch_recurrence(mode, x, w_ih, b_ih, h0, c0, w_hh, b_hh, batch_sizes, reverse):
    outputs = {}
    xw = F.linear(x, w_ih, b_ih)
    offsets = np.concatenate([[0], np.cumsum(batch_sizes)])
    h, c = h0, c0
    order = range(len(batch_sizes) - 1, -1, -1) if reverse else range(len(batch_sizes))
    for t in order:
        n = batch_sizes[t]
        x_t, hp = xw[offsets[t]:offsets[t] + n], h[:n]
        hw = hp @ w_hh.T + (0 if b_hh is None else b_hh)
        if mode == "LSTM":
            i, f, g, o = (x_t + hw).chunk(4, 1)
            c_new = torch.sigmoid(f) * c[:n] + torch.sigmoid(i) * torch.tanh(g)
            h_new = torch.sigmoid(o) * torch.tanh(c_new)
            c = torch.cat([c_new, c[n:]])
            outputs[t] = (h_new, c_new)
        elif mode == "GRU":
            xr, xz, xn = x_t.chunk(3, 1)
            hr, hz, hn = hw.chunk(3, 1)
            r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
            cand = torch.tanh(xn + r * hn)
            h_new = (1 - z) * cand + z * hp
            outputs[t] = h_new
        else:
            act = torch.tanh if mode == "RNN_TANH" else torch.relu
            h_new = outputs[t] = act(x_t + hw)
        h = torch.cat([h_new, h[n:]])
    states = [outputs[t][0] if mode == "LSTM" else outputs[t] for t in range(len(batch_sizes))]
    return torch.cat(states + [h] + ([c] if mode == "LSTM" else []))


def _recurrence_record(mode, with_c0, bias, note=""):
    G = {"LSTM": 4, "GRU": 3}.get(mode, 1)

    def shapes(n, b, H=3, F=2):
        return ([(n, F), (G * H, F)] + ([(G * H,)] if bias else []) + [(b, H)]
                + ([(b, H)] if with_c0 else []) + [(G * H, H)] + ([(G * H,)] if bias else []))

    def unpack(args):
        args = list(args)
        x, w_ih = args.pop(0), args.pop(0)
        b_ih = args.pop(0) if bias else None
        h0 = args.pop(0)
        c0 = args.pop(0) if with_c0 else None
        w_hh = args.pop(0)
        b_hh = args.pop(0) if bias else None
        return x, w_ih, b_ih, h0, c0, w_hh, b_hh

    def op(*args, batch_sizes, reverse):
        return ops.recurrence(mode, *unpack(args), batch_sizes, reverse)

    def ref(*args, batch_sizes, reverse):
        return _torch_recurrence(mode, *unpack(args), batch_sizes, reverse)

    return OpInfo(f"recurrence ({mode}{'' if bias else ', no bias'})", op, ref,
                  [sample(*shapes(6, 2), batch_sizes=(2, 2, 2), reverse=False),
                   sample(*shapes(6, 3), batch_sizes=(3, 2, 1), reverse=False),
                   sample(*shapes(6, 3), batch_sizes=(3, 2, 1), reverse=True)],
                  rtol=1e-5, note=note)


RECURRENCE = [
    _recurrence_record("LSTM", True, True),
    _recurrence_record("GRU", False, True),
    _recurrence_record("RNN_TANH", False, True),
    _recurrence_record("RNN_RELU", False, False,
                       note="relu: standard-normal inputs sit away from the kink"),
]


# ================================================================================================
# Fake quantization (ops/quantize.py, issue 16): the straight-through estimator. Its forward is
# a staircase, so finite differences do not apply (fd=False): torch is the check, and the STE's
# second derivative in x is 0 (piecewise_linear).
def _fake_quant(per_channel):
    def op(x):
        from glassgrad import quant
        if per_channel:
            return quant.fake_quantize_per_channel_affine(x, np.array([0.1, 0.2, 0.05, 0.3]),
                                                          np.array([0, 1, -2, 3]), 1, -8, 7)
        return quant.fake_quantize_per_tensor_affine(x, 0.25, 1, -8, 7)

    def ref(x):
        x32 = x.float()
        if per_channel:
            y = torch.fake_quantize_per_channel_affine(
                x32, torch.tensor([0.1, 0.2, 0.05, 0.3]),
                torch.tensor([0, 1, -2, 3], dtype=torch.int32), 1, -8, 7)
        else:
            y = torch.fake_quantize_per_tensor_affine(x32, 0.25, 1, -8, 7)
        return y.to(x.dtype)
    return op, ref


QUANTIZE = [
    OpInfo("fake_quantize_per_tensor_affine", *_fake_quant(False), [sample((3, 4)), sample((5,))],
           fd=False, piecewise_linear=True, atol=1e-6,
           note="torch computes in float32 only; the float64 check casts around it"),
    OpInfo("fake_quantize_per_channel_affine", *_fake_quant(True), [sample((3, 4)),
                                                                    sample((2, 4, 3))],
           fd=False, piecewise_linear=True, atol=1e-6),
]


# --- sparse (issue 14): message passing; the torch side is the same product with a dense A ----
_SP_ROWS, _SP_COLS = np.array([0, 0, 1, 3, 3, 3, 2]), np.array([1, 4, 0, 2, 2, 0, 4])


def _dense_of(values, rows, cols, n, m):
    return torch.zeros(n, m, dtype=values.dtype).index_put((torch.as_tensor(rows),
                                                            torch.as_tensor(cols)),
                                                           values, accumulate=True)


SPARSE = [
    OpInfo("sparse_mm",
           lambda values, dense, rows, cols: ops.sparse_mm((np.stack([rows, cols]), values,
                                                            (4, 5)), dense),
           lambda values, dense, rows, cols: _dense_of(values, rows, cols, 4, 5) @ dense,
           [sample((7,), (5, 3), rows=_SP_ROWS, cols=_SP_COLS),
            sample((7,), (5,), rows=_SP_ROWS, cols=_SP_COLS)],
           note="repeated (row, col) entries accumulate, as a COO matrix's duplicates do"),
    OpInfo("segment_sum",
           lambda src, index: ops.segment_sum(src, index, 4),
           lambda src, index: torch.zeros(4, *src.shape[1:], dtype=src.dtype).index_add(
               0, index, src),
           [sample((7, 3), index=_SP_ROWS), sample((7,), index=_SP_ROWS)],
           piecewise_linear=True),
    OpInfo("segment_mean",
           lambda src, index: ops.segment_mean(src, index, 5),
           lambda src, index: torch.zeros(5, *src.shape[1:], dtype=src.dtype).index_add(
               0, index, src) / torch.bincount(index, minlength=5).clamp(min=1).to(
                   src.dtype).reshape((-1,) + (1,) * (src.ndim - 1)),
           [sample((7, 3), index=_SP_ROWS)], piecewise_linear=True,
           note="segment 4 is empty: its mean is 0"),
]


OP_DB = (ELEMENTWISE + ACTIVATION + REDUCE_OPS + LINALG + MOVEMENT + INDEXING + WINDOW + POOL
         + LOSS + TENSOR_METHODS + CONVENTIONS + RECURRENCE + QUANTIZE + SPARSE)

# Public names of glassgrad.ops that are not tensor ops, so have no record.
NOT_OPS = {
    "broadcast_shapes": "computes a shape from shapes; its errors are tested with expand",
}
