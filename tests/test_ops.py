"""The checks that tests/op_db.py drives: each test below runs once per (record, sample).

    test_forward_vs_torch      forward in float32 and float64 equals torch's, same dtype and
                               shape; the inputs are left unchanged
    test_dtype_is_kept         float32 in -> float32 outputs, gradients and second derivatives
    test_gradient_vs_fd        vᵀJu from backward equals float64 central differences, for random
                               u, v; the gradient without create_graph (where an op's numpy
                               override, backward_array, runs) equals the one with it
    test_second_order_vs_fd    the same for the gradient (inputs and grad_outputs both vary);
                               zero in the inputs for piecewise-linear ops
    test_grads_vs_torch        first and second order equal torch.autograd.grad(...,
                               create_graph=True) with the same inputs and grad_outputs

and the meta-tests at the end: every `Function` subclass in glassgrad is exercised by the table,
and every public op in glassgrad.ops has a record.
"""
import importlib
import inspect
import pkgutil
import zlib

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd import Function, grad

from op_db import NOT_OPS, OP_DB, REAL, torch_ref

FD_EPS = 1e-6                  # central differences in float64: error ~ eps² + 1e-16/eps
RTOL64, ATOL64 = 1e-7, 1e-7    # float64 against torch (torch.testing's defaults)


def _cases(keep=lambda record: True):
    return [pytest.param(record, i, id=f"{record.name.replace(' ', '_')}-{i}-{s.describe()}")
            for record in OP_DB if keep(record) for i, s in enumerate(record.samples)]


ALL = _cases()
DIFFERENTIABLE = _cases(lambda r: r.differentiable)
KEEPS_DTYPE = _cases(lambda r: r.differentiable and r.keeps_dtype)
FINITE_DIFFERENCES = _cases(lambda r: r.differentiable and r.fd)
SECOND_ORDER = _cases(lambda r: r.differentiable and r.fd and r.order >= 2)
GRADS_TORCH = _cases(lambda r: r.differentiable and r.torch_grads)


# --- running a record ----------------------------------------------------------------------------
def _rng(record, index, salt):
    return np.random.default_rng([zlib.crc32(record.name.encode()), index, salt])


def _arrays(record, index, dtype):
    """The sample's inputs as numpy arrays: floats in `dtype`, indices and masks as drawn."""
    shapes = record.samples[index].shapes
    arrays = (record.domain or REAL)(_rng(record, index, 0), shapes)
    return [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]


def _convert(value, to_tensor):
    """numpy arrays inside kwargs (also inside an index tuple) become the library's tensors."""
    if isinstance(value, np.ndarray):
        return to_tensor(value)
    if isinstance(value, tuple):
        return tuple(_convert(v, to_tensor) for v in value)
    return value


def _kwargs(record, index, to_tensor):
    return {k: _convert(v, to_tensor) for k, v in record.samples[index].kwargs.items()}


def _outputs(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


def run_glassgrad(record, index, arrays, requires_grad):
    """(inputs, outputs) of the glassgrad op; float inputs require grad when asked."""
    inputs = [gg.tensor(a, requires_grad=requires_grad and a.dtype.kind == "f") for a in arrays]
    kwargs = _kwargs(record, index, gg.tensor)
    return inputs, _outputs(record.op(*inputs, **kwargs))


def run_torch(record, index, arrays, requires_grad):
    import torch
    inputs = [torch.tensor(a, requires_grad=requires_grad and a.dtype.kind == "f")
              for a in arrays]
    kwargs = _kwargs(record, index, torch.tensor)
    return inputs, _outputs(torch_ref(record)(*inputs, **kwargs))


def _differentiable(tensors):
    return [t for t in tensors if getattr(t, "requires_grad", False)]


def _numpy(tensor_or_none, like):
    """A gradient as a numpy array; None (no dependence) is a zero gradient."""
    if tensor_or_none is None:
        return np.zeros(like.shape)
    data = tensor_or_none._data if isinstance(tensor_or_none, gg.Tensor) else \
        tensor_or_none.detach().numpy(force=True)    # force: torch's ZeroTensor of a zero
    return np.asarray(data)


def _inner(arrays, others):
    return sum(float(np.sum(a * b)) for a, b in zip(arrays, others))


def assert_close(actual, expected, rtol, atol, what):
    """Element-wise closeness, with atol scaled to the reference's magnitude (as in sums)."""
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    scale = max(1.0, float(np.nanmax(np.abs(expected)))) if expected.size else 1.0
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol * scale, err_msg=what)


def _tolerance(record, dtype):
    return (record.rtol, record.atol) if dtype == "float32" else (RTOL64, ATOL64)


def _glassgrad_grads(outputs, inputs, grad_outputs, create_graph):
    """grad() of the float outputs w.r.t. inputs; None (unused input) stays None."""
    return grad(outputs, inputs, grad_outputs=grad_outputs, retain_graph=True,
                create_graph=create_graph, allow_unused=True)


# --- 1. forward vs torch -------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("record, index", ALL)
def test_forward_vs_torch(record, index, dtype):
    torch = pytest.importorskip("torch")
    arrays = _arrays(record, index, dtype)
    originals = [a.copy() for a in arrays]
    _, ours = run_glassgrad(record, index, arrays, record.differentiable)
    _, theirs = run_torch(record, index, [a.copy() for a in originals], False)
    for a, original in zip(arrays, originals):
        np.testing.assert_array_equal(a, original, err_msg=f"{record.name} modified its input")
    assert len(ours) == len(theirs), f"{record.name}: {len(ours)} outputs, torch {len(theirs)}"
    rtol, atol = _tolerance(record, dtype)
    for i, (o, t) in enumerate(zip(ours, theirs)):
        what = f"{record.name} output {i}"
        if not isinstance(t, torch.Tensor):           # allclose, equal: Python values
            assert o == t and type(o) is type(t), f"{what}: {o!r}, torch {t!r}"
            continue
        assert isinstance(o, gg.Tensor), f"{what}: {type(o).__name__}, expected a Tensor"
        expected = t.detach().numpy()
        assert o.dtype == expected.dtype, f"{what}: dtype {o.dtype}, torch {expected.dtype}"
        if expected.dtype.kind == "f":
            assert_close(o._data, expected, rtol, atol, what)
        else:
            assert o.shape == expected.shape, f"{what}: shape {o.shape}, torch {expected.shape}"
            np.testing.assert_array_equal(o._data, expected, err_msg=what)


# --- 2. float32 stays float32 --------------------------------------------------------------------
@pytest.mark.parametrize("record, index", KEEPS_DTYPE)
def test_dtype_is_kept(record, index):
    inputs, outputs = run_glassgrad(record, index, _arrays(record, index, "float32"), True)
    outputs = _differentiable(outputs)
    for i, o in enumerate(outputs):
        assert o.dtype == np.float32, f"{record.name}: output {i} is {o.dtype}"
    rng = _rng(record, index, 1)
    vs = [gg.tensor(rng.standard_normal(o.shape).astype(np.float32), requires_grad=True)
          for o in outputs]
    xs = _differentiable(inputs)
    plain = _glassgrad_grads(outputs, xs, vs, create_graph=False)
    graph = _glassgrad_grads(outputs, xs, vs, create_graph=True)
    for kind, grads in (("create_graph=False", plain), ("create_graph=True", graph)):
        for i, g in enumerate(grads):
            assert g is None or g.dtype == np.float32, f"{record.name}: {kind} gradient {i} " \
                                                       f"is {g.dtype}"
    terms = [(g * g).sum() for g in graph if g is not None and g.requires_grad]
    if record.order >= 2 and terms:
        second = grad(sum(terms[1:], terms[0]), xs + vs, allow_unused=True)
        for i, h in enumerate(second):
            assert h is None or h.dtype == np.float32, f"{record.name}: second derivative " \
                                                       f"{i} is {h.dtype}"


# --- 3. gradient vs finite differences -----------------------------------------------------------
def _fd_directional(func, xs, us):
    """(func(x + εu) - func(x - εu)) / 2ε for a scalar func of a list of float64 arrays."""
    plus = func([x + FD_EPS * u for x, u in zip(xs, us)])
    minus = func([x - FD_EPS * u for x, u in zip(xs, us)])
    return (plus - minus) / (2 * FD_EPS)


def _replace_floats(arrays, floats):
    """The sample's arrays with the float ones replaced, in order, by `floats`."""
    floats = iter(floats)
    return [next(floats) if a.dtype.kind == "f" else a for a in arrays]


@pytest.mark.parametrize("record, index", FINITE_DIFFERENCES)
def test_gradient_vs_fd(record, index):
    arrays = _arrays(record, index, "float64")
    inputs, outputs = run_glassgrad(record, index, arrays, True)
    outputs, xs = _differentiable(outputs), _differentiable(inputs)
    assert outputs, f"{record.name}: no output requires grad"
    rng = _rng(record, index, 1)
    vs = [rng.standard_normal(o.shape) for o in outputs]
    us = [rng.standard_normal(x.shape) for x in xs]
    plain = _glassgrad_grads(outputs, xs, [gg.tensor(v) for v in vs], create_graph=False)
    graph = _glassgrad_grads(outputs, xs, [gg.tensor(v) for v in vs], create_graph=True)
    for i, (f, g, x) in enumerate(zip(plain, graph, xs)):
        assert (f is None) == (g is None), f"{record.name}: gradient {i} None on one path only"
        if f is not None:
            assert f.shape == x.shape, f"{record.name}: gradient {i} shape {f.shape} != {x.shape}"
            assert_close(_numpy(f, x), _numpy(g, x), 1e-12, 1e-12,
                         f"{record.name}: gradient {i} without vs with create_graph")

    def weighted_output(floats):
        _, outs = run_glassgrad(record, index, _replace_floats(arrays, floats),
                                False)
        return _inner([o._data for o in outs if o.dtype.kind == "f"], vs)

    grads = [_numpy(g, x) for g, x in zip(graph, xs)]
    analytic = _inner(grads, us)
    numeric = _fd_directional(weighted_output, [x._data for x in xs], us)
    scale = sum(float(np.abs(g * u).sum()) for g, u in zip(grads, us))
    assert abs(analytic - numeric) <= record.fd_atol + record.fd_rtol * scale, \
        f"{record.name}: vᵀJu = {analytic} from backward, {numeric} by finite differences"


# --- 4. second order vs finite differences -------------------------------------------------------
def _first_derivatives(record, index, arrays, vs, create_graph):
    """(inputs, gradients) of Σ v·output for float64 `arrays` and grad_outputs `vs`."""
    inputs, outputs = run_glassgrad(record, index, arrays, True)
    xs = _differentiable(inputs)
    grads = _glassgrad_grads(_differentiable(outputs), xs, vs, create_graph)
    return xs, grads


@pytest.mark.parametrize("record, index", SECOND_ORDER)
def test_second_order_vs_fd(record, index):
    arrays = _arrays(record, index, "float64")
    n_float = sum(a.dtype.kind == "f" for a in arrays)
    _, outputs = run_glassgrad(record, index, arrays, True)
    rng = _rng(record, index, 2)
    v_arrays = [rng.standard_normal(o.shape) for o in _differentiable(outputs)]
    vs = [gg.tensor(v, requires_grad=True) for v in v_arrays]
    xs, grads = _first_derivatives(record, index, arrays, vs, create_graph=True)
    ws = [rng.standard_normal(x.shape) for x in xs]
    terms = [(g * gg.tensor(w)).sum() for g, w in zip(grads, ws) if g is not None]
    if not any(t.requires_grad for t in terms):
        pytest.skip(f"{record.name}: the gradient depends on neither inputs nor grad_outputs")
    terms = [t for t in terms if t.requires_grad]
    second = grad(sum(terms[1:], terms[0]), xs + vs, allow_unused=True)
    in_x = [_numpy(h, x) for h, x in zip(second[:len(xs)], xs)]
    in_v = [_numpy(h, v) for h, v in zip(second[len(xs):], vs)]
    if record.piecewise_linear:
        for i, h in enumerate(in_x):
            assert not h.any(), f"{record.name}: piecewise linear, but the second derivative " \
                                f"in input {i} is not zero: {h}"
    us = [rng.standard_normal(x.shape) for x in xs]
    dvs = [rng.standard_normal(v.shape) for v in v_arrays]

    def weighted_gradient(floats):
        inputs, v_now = floats[:n_float], floats[n_float:]
        moved = _replace_floats(arrays, inputs)
        xs_now, grads_now = _first_derivatives(record, index, moved,
                                               [gg.tensor(v) for v in v_now], False)
        return _inner([_numpy(g, x) for g, x in zip(grads_now, xs_now)], ws)

    analytic = _inner(in_x, us) + _inner(in_v, dvs)
    numeric = _fd_directional(weighted_gradient, [x._data for x in xs] + v_arrays, us + dvs)
    scale = sum(float(np.abs(h * u).sum()) for h, u in zip(in_x + in_v, us + dvs))
    assert abs(analytic - numeric) <= record.fd_atol + record.fd_rtol * scale, \
        f"{record.name}: second order wᵀHu = {analytic} from double backward, {numeric} by " \
        "finite differences"


# --- 5. first and second order vs torch ----------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("record, index", GRADS_TORCH)
def test_grads_vs_torch(record, index, dtype):
    torch = pytest.importorskip("torch")
    arrays = _arrays(record, index, dtype)
    inputs, outputs = run_glassgrad(record, index, arrays, True)
    t_inputs, t_outputs = run_torch(record, index, arrays, True)
    outputs, t_outputs = _differentiable(outputs), _differentiable(t_outputs)
    xs, t_xs = _differentiable(inputs), _differentiable(t_inputs)
    assert len(outputs) == len(t_outputs), f"{record.name}: differentiable outputs differ"
    rng = _rng(record, index, 3)
    v_arrays = [rng.standard_normal(o.shape).astype(o.dtype) for o in outputs]
    vs = [gg.tensor(v, requires_grad=True) for v in v_arrays]
    t_vs = [torch.tensor(v, requires_grad=True) for v in v_arrays]
    rtol, atol = _tolerance(record, dtype)

    plain = _glassgrad_grads(outputs, xs, [v.detach() for v in vs], create_graph=False)
    grads = _glassgrad_grads(outputs, xs, vs, create_graph=True)
    t_grads = torch.autograd.grad(t_outputs, t_xs, t_vs, create_graph=True, allow_unused=True)
    for i, (f, g, t, x) in enumerate(zip(plain, grads, t_grads, xs)):
        expected = _numpy(t, x)
        assert_close(_numpy(f, x), expected, rtol, atol, f"{record.name}: gradient {i} "
                                                         "(create_graph=False)")
        assert_close(_numpy(g, x), expected, rtol, atol, f"{record.name}: gradient {i}")

    ws = [rng.standard_normal(x.shape).astype(dtype) for x in xs]
    terms = [(g * gg.tensor(w)).sum() for g, w in zip(grads, ws)
             if g is not None and g.requires_grad]
    t_terms = [(t * torch.tensor(w)).sum() for t, w in zip(t_grads, ws)
               if t is not None and t.requires_grad]
    assert bool(terms) == bool(t_terms), f"{record.name}: gradients differentiable on one side"
    if record.order < 2 or not terms:
        return
    second = grad(sum(terms[1:], terms[0]), xs + vs, allow_unused=True)
    t_second = torch.autograd.grad(sum(t_terms), t_xs + t_vs, allow_unused=True)
    names = [f"input {i}" for i in range(len(xs))] + [f"grad_output {i}" for i in range(len(vs))]
    for h, t, x, name in zip(second, t_second, xs + vs, names):
        assert_close(_numpy(h, x), _numpy(t, x), rtol, atol,
                     f"{record.name}: second derivative w.r.t. {name}")


# --- meta-tests ----------------------------------------------------------------------------------
def _glassgrad_functions():
    """Every Function subclass defined in glassgrad (every submodule imported first)."""
    for module in pkgutil.walk_packages(gg.__path__, "glassgrad."):
        if module.name.rsplit(".", 1)[-1] == "__main__":
            continue
        try:
            importlib.import_module(module.name)
        except ModuleNotFoundError as error:   # an optional dependency (matplotlib, ...)
            if error.name.split(".")[0] == "glassgrad":
                raise
    found, stack = set(), list(Function.__subclasses__())
    while stack:
        cls = stack.pop()
        if cls not in found:
            found.add(cls)
            stack.extend(cls.__subclasses__())
    return {cls for cls in found if cls.__module__.startswith("glassgrad.")}


def _nodes(tensors):
    """The Function classes in the graphs behind `tensors`."""
    seen, classes = set(), set()
    stack = [t.grad_fn for t in tensors if isinstance(t, gg.Tensor) and t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        classes.add(type(node))
        for inp in node.inputs or ():
            if isinstance(inp, gg.Tensor) and inp.grad_fn is not None:
                stack.append(inp.grad_fn)
    return classes


def exercised_functions(records):
    """The Function classes that the checks of `records` run forward and backward: those in
    the graph of each sample's outputs, and those in the graph of its gradients (their backward
    runs in the second-order checks)."""
    classes = set()
    for record in records:
        for index in range(len(record.samples)):
            inputs, outputs = run_glassgrad(record, index, _arrays(record, index, "float64"),
                                            record.differentiable)
            outputs = _differentiable(outputs)
            classes |= _nodes(outputs)
            xs = _differentiable(inputs)
            if outputs and xs:
                vs = [gg.tensor(np.ones(o.shape), requires_grad=True) for o in outputs]
                classes |= _nodes(_glassgrad_grads(outputs, xs, vs, create_graph=True))
    return classes


def test_every_function_is_in_the_table():
    missing = _glassgrad_functions() - exercised_functions(OP_DB)
    names = sorted(f"{cls.__module__}.{cls.__name__}" for cls in missing)
    assert not missing, f"Function subclasses that no record of tests/op_db.py exercises: " \
                        f"{names}; add a record to tests/op_db.py"


def test_the_function_meta_test_can_fail():
    """Without the exp, softmax, ... records, Exp must be reported missing."""
    only_add = [record for record in OP_DB if record.name == "add"]
    covered = exercised_functions(only_add)
    names = {cls.__name__ for cls in covered}
    assert "Add" in names and "Exp" not in names, names


def test_every_public_op_has_a_record():
    public = {name for name, value in vars(gg.ops).items()
              if not name.startswith("_") and inspect.isfunction(value)}
    recorded = {record.name.split(" ")[0] for record in OP_DB} | set(NOT_OPS)
    missing = sorted(public - recorded)
    assert not missing, f"public ops of glassgrad.ops without a record in tests/op_db.py: " \
                        f"{missing}"


def test_record_names_are_unique():
    names = [record.name for record in OP_DB]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})
