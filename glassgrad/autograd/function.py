"""`Function`: one differentiable op, its forward on numpy arrays and its backward in glassgrad ops.

A subclass writes two static methods (the op pattern of shared/DESIGN.md):

    forward(ctx, *arrays, **params) -> numpy array        # whole-array numpy
    backward(ctx, grad) -> one gradient per input          # glassgrad ops, so it is differentiable

`apply` runs the forward and, when grad mode is on and some input requires a gradient, makes the
`ctx` object the output's `grad_fn`: the node of the graph. Because backward is written in
glassgrad ops, running it with grad mode on records the graph of the gradient itself, which is
how grad-of-grad, Hessians and Newton's method work.
"""
import itertools

import numpy as np

from . import grad_mode
from .grad_mode import _state
from ..tensor import Tensor, plain_tensor

# Each recorded node gets the next number: a node is always numbered after the nodes of its
# inputs, so the engine can run nodes in decreasing number, which is a topological order.
_sequence = itertools.count()

_float64 = np.dtype(np.float64)
_float32 = np.dtype(np.float32)
_float16 = np.dtype(np.float16)


class Function:
    """Base class of every op; also the public API for users' own differentiable ops.

    Example (a straight-through estimator, as quantization-aware training uses)::

        class RoundSTE(Function):
            @staticmethod
            def forward(ctx, x):
                return np.round(x)

            @staticmethod
            def backward(ctx, grad):
                return grad          # pretend rounding is the identity

        y = RoundSTE.apply(x)
    """

    # Class-level defaults, so that building a node sets only what it needs.
    save_output = False        # set True to keep the output's array for backward (ctx.output)
    returns_float64 = False    # True for an op asked for float64 (a cast): its output is kept
    # An op whose first derivative has a *different*, faster algorithm on numpy arrays may set
    # `backward_array(ctx, grad_array) -> arrays`; it runs instead of `backward` when no graph
    # of the gradient is recorded. `backward` stays the definition (the op table checks that
    # the two agree) and the override's docstring carries the benchmark that justifies it.
    backward_array = None
    # False for ops whose backward reads no input values (only shapes or indices): changing
    # an input in place after the forward cannot spoil their gradients (see mark_modified).
    reads_inputs = True
    # True for ops whose output may be a view of the first input's memory (reshape, permute,
    # expand, basic indexing): where it is, the two share one version counter, as in torch.
    is_view = False
    _out_data = None
    _out_version = None        # the output's version counter, for ops with save_output
    _out_hooks = None          # hooks registered on the (non-leaf) output tensor
    _retain_ref = None         # weak reference to the output when it called retain_grad()
    _saved = ()
    inputs = None              # the op's arguments (Tensors and constants), until freed

    @staticmethod
    def forward(ctx, *args, **params):
        raise NotImplementedError(f"{type(ctx).__name__} must define a static forward(ctx, ...)")

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError(f"{type(ctx).__name__} must define a static backward(ctx, grad)")

    @classmethod
    def apply(cls, *args, **params):
        """Run the op on Tensors (or Python numbers/arrays, taken as constants)."""
        arrays = []
        requires_grad = False
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a._data)
                if a.requires_grad:
                    requires_grad = True
            else:
                arrays.append(a)
        ctx = cls.__new__(cls)
        out = _forward(cls, ctx, arrays, params)
        if requires_grad and _state.enabled:
            result = _record(cls, ctx, args, arrays, out)
        else:
            if _state.debug_modes:
                _run_debug_modes(cls, arrays, out, None)
            result = plain_tensor(out)       # nothing of the op is kept
        if cls.is_view and isinstance(args[0], Tensor) and np.may_share_memory(out, arrays[0]):
            share_version(args[0], result)
        return result

    # --- what backward may use -------------------------------------------------------------
    def save_for_backward(self, *tensors):
        """Keep tensors (or arrays) for backward; read them back as `ctx.saved_tensors`."""
        self._saved = tensors

    @property
    def saved_tensors(self):
        """What forward saved. forward sees numpy arrays, so an input's array comes back as the
        input Tensor itself (as torch returns it): a backward using it stays differentiable."""
        if self.inputs is None:
            raise RuntimeError(_freed_message(self))
        by_id = {id(a._data): a for a in self.inputs if isinstance(a, Tensor)}
        return tuple(by_id.get(id(s), s) if isinstance(s, np.ndarray) else s for s in self._saved)

    @property
    def needs_input_grad(self):
        """One bool per input: does that input need a gradient?"""
        return tuple([isinstance(a, Tensor) and a.requires_grad for a in self.inputs])

    @property
    def output(self):
        """The op's output as a Tensor on this node (only for ops with `save_output = True`).

        Built anew from the saved array rather than kept, so that node and output do not hold
        each other in a reference cycle; it has this node as grad_fn, so it is the same graph
        vertex for differentiation.
        """
        if self._out_data is None:
            raise RuntimeError(_freed_message(self))
        out = Tensor(self._out_data, requires_grad=True, _grad_fn=self)
        if self._out_version is not None:
            out._version = self._out_version
        return out

    # --- the node as torch shows it ----------------------------------------------------------
    @property
    def next_functions(self):
        """The nodes this one sends gradients to, one `(node, 0)` per tensor input (torch's
        form): the input's grad_fn, an `AccumulateGrad` for a leaf that requires grad, or None.
        Walking them from `loss.grad_fn` visits the whole graph."""
        if self.inputs is None:
            raise RuntimeError(_freed_message(self))
        return tuple((_next_node(a), 0) for a in self.inputs if isinstance(a, Tensor))

    def name(self):
        """torch's name for the node: the op's name + "Backward0" (MulBackward0)."""
        return type(self).__name__ + "Backward0"

    def __repr__(self):
        return f"<{self.name()}>"

    def release(self):
        """Drop what the node holds, once its backward has run (unless retain_graph)."""
        self.inputs = None
        self._out_data = None
        self._saved = ()


class AccumulateGrad:
    """The end of a path in `next_functions`: where a leaf's gradient is accumulated (torch's
    name). `variable` is the leaf."""

    next_functions = ()

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return "<AccumulateGrad>"


def _next_node(tensor):
    if tensor.grad_fn is not None:
        return tensor.grad_fn
    return AccumulateGrad(tensor) if tensor.requires_grad else None


def mark_modified(tensor):
    """Record that `tensor._data` changed in place (an in-place method, an optimiser's update).

    The stamp is the next sequence number, so the engine can tell a tensor that changed after
    an op used it in the forward pass: that op's backward would read the new values and return
    a silently wrong gradient, so the engine refuses (torch's version counter does the same).
    """
    stamp = next(_sequence)
    if type(tensor._version) is int:
        tensor._version = stamp
    else:
        tensor._version.value = stamp      # shared with views and detached copies


class SharedVersion:
    """One version counter for tensors that share memory: a tensor, its views and its
    `detach()`ed copies (torch's `_version` is shared the same way). A tensor keeps a plain
    int until it first shares, so the common, unshared tensor costs nothing extra."""
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def version_of(tensor):
    """The tensor's version stamp: the last time its memory changed in place."""
    version = tensor._version
    return version if type(version) is int else version.value


def share_version(source, tensor):
    """Give `tensor` (a view or detached copy of `source`) source's version counter."""
    version = source._version
    if type(version) is int:
        version = source._version = SharedVersion(version)
    tensor._version = version


def apply_binary(cls, a, b):
    """`cls.apply(a, b)` for the arithmetic operators, the hottest path of all: no loop over the
    arguments, and no node built when no graph is recorded (element-wise forwards keep nothing
    on ctx). The per-op overhead this saves is most of what separates a small model's step from
    numpy's own speed."""
    if isinstance(a, Tensor):
        x, requires_grad = a._data, a.requires_grad
    else:
        x, requires_grad = a, False
    if isinstance(b, Tensor):
        y = b._data
        requires_grad = requires_grad or b.requires_grad
    else:
        y = b
    if requires_grad and _state.enabled:
        ctx = cls.__new__(cls)
        return _record(cls, ctx, (a, b), (x, y), _forward(cls, ctx, (x, y), _NO_PARAMS))
    out = _forward(cls, None, (x, y), _NO_PARAMS)
    if _state.debug_modes:
        _run_debug_modes(cls, (x, y), out, None)
    return plain_tensor(out)


_NO_PARAMS = {}


def _forward(cls, ctx, arrays, params):
    """The op's forward on arrays, with numpy's errors named and float32 kept."""
    try:
        out = cls.forward(ctx, *arrays, **params)
    except ValueError as error:
        # numpy's own errors (shapes that do not broadcast, a bad reshape) get the op's name
        # and the shapes it was given.
        shapes = ", ".join(str(getattr(a, "shape", type(a).__name__)) for a in arrays)
        raise RuntimeError(f"{cls.__name__}: inputs of shapes {shapes}: {error}") from None
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    dtype = out.dtype
    if dtype is not _float32 and dtype.kind == "f" and not cls.returns_float64 \
            and not _has_float(arrays, dtype):
        # An int tensor mixed with a Python float, a mean over ints (numpy: float64) or sqrt of
        # uint8 (numpy: float16): torch answers in the default float32. Keep float32.
        out = out.astype(_float32)
    return out


def _record(cls, ctx, args, arrays, out):
    """The output Tensor with `ctx` as its node (grad_fn): the node keeps the inputs and gets
    the next sequence number. Only when grad mode is on and some input requires grad."""
    ctx.inputs = args
    ctx.sequence_nr = next(_sequence)
    result = Tensor(out, True, ctx)
    if cls.save_output:
        # backward reads the output too: keep its version counter to notice an in-place
        # change made through another name for the same memory (a detach(), a view).
        ctx._out_data = out
        ctx._out_version = result._version = SharedVersion(0)
    if _state.debug_modes:
        _run_debug_modes(cls, arrays, out, ctx)
    return result


# Debugging aids (glassgrad.debug: detect_anomaly, strict_broadcasting) that watch every op while
# active live in `_state.debug_modes`, a tuple per thread: empty almost always, so the cost on
# the hot path is one truthiness test, and one thread's detect_anomaly never raises in another.


class DebugMode:
    """Base of the debugging aids in glassgrad.debug: a context manager that, while active in
    a thread, sees every op's forward there (`on_forward`) and every node's returned
    gradients (`on_backward`)."""

    def __enter__(self):
        _state.debug_modes = _state.debug_modes + (self,)
        return self

    def __exit__(self, *exc):
        modes = list(_state.debug_modes)
        modes.remove(self)
        _state.debug_modes = tuple(modes)
        return False

    def on_forward(self, cls, arrays, out, node):
        """Called after each op's forward; `node` is None when no graph was recorded."""

    def on_backward(self, node, grads):
        """Called with the gradients a node's backward returned (Tensors or numpy arrays)."""


def _run_debug_modes(cls, arrays, out, node):
    for mode in _state.debug_modes:
        mode.on_forward(cls, arrays, out, node)


def _has_float(arrays, dtype):
    """Did an input array ask for this float dtype: float64 from float64 (any float for float16,
    which numpy also makes from small integers)?"""
    for a in arrays:
        if isinstance(a, np.ndarray) and (a.dtype is dtype or dtype is _float16 and
                                          a.dtype.kind == "f"):
            return True
    return False


def _freed_message(node):
    return (f"Trying to backward through the graph a second time (op {type(node).__name__}): its saved "
            "values were freed after the first backward. Specify retain_graph=True in the "
            "first backward() or autograd.grad() call if you need to backward twice.")


def once_differentiable(backward):
    """Mark a backward written in numpy only: a second derivative through it raises.

    Decorate the static `backward`; under `create_graph=True` the engine refuses the op by name
    instead of silently returning a wrong (constant) second derivative.
    """
    def wrapper(ctx, grad):
        if grad_mode._state.enabled and (grad.requires_grad or any(
                isinstance(a, Tensor) and a.requires_grad for a in ctx.inputs)):
            raise RuntimeError(f"{type(ctx).__name__}: its backward is once_differentiable (numpy only); "
                               "a second derivative through it is not supported.")
        result = backward(ctx, grad)
        return result

    wrapper.__name__ = backward.__name__
    wrapper.__doc__ = backward.__doc__
    return staticmethod(wrapper)
