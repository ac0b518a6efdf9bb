"""`Tensor`: a numpy array, plus what reverse-mode autodiff needs to know about it.

`_data` is the numpy array (float32 by default); `.data` is torch's: the same memory as a
tensor cut from the graph. A tensor made by an op that recorded the graph has `grad_fn`: the
op's node, which holds the op's inputs. Leaves (tensors made by the user) have no `grad_fn`;
backward accumulates their gradient in `.grad`. Every method here is a call into
`glassgrad.ops`, where each op's forward and backward live side by side; those whose
arguments are exactly the op's are bound from a list at the end of the file.
"""
import copy
import weakref

import numpy as np


class Tensor:
    __slots__ = ("_data", "grad", "requires_grad", "grad_fn", "_hooks", "_version",
                 "__weakref__")

    # numpy must hand `ndarray * tensor` to Tensor.__rmul__ instead of looping over the tensor.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False, _grad_fn=None):
        if type(data) is not np.ndarray:
            data = _as_array(data)
        self._data = data
        self.grad = None
        self.requires_grad = requires_grad
        self.grad_fn = _grad_fn
        self._hooks = None
        self._version = 0     # when .data last changed in place (see autograd.function)
        if requires_grad and _grad_fn is None and data.dtype.kind not in "fc":
            raise RuntimeError(f"requires_grad=True: only floating-point tensors can require "
                               f"gradients; got dtype {data.dtype} (shape {data.shape})")

    # --- copying and pickling (torch's rules) ------------------------------------------------
    def __reduce_ex__(self, protocol):
        """pickle and copy.copy keep the values and requires_grad, never the graph (whose
        default pickling would recurse through every op, RecursionError on a long one) nor
        .grad: a non-leaf comes back as a leaf, as in torch."""
        return (_rebuild_tensor, (self._data, self.requires_grad))

    def __deepcopy__(self, memo):
        """A leaf's values, requires_grad and .grad, copied (a Parameter stays a Parameter).

        As torch: a non-leaf cannot be deep-copied (copying its graph would copy everything it
        came from); `t.detach().clone()` copies its values."""
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment; this tensor was "
                               f"made by {self.grad_fn.name()} (shape {self.shape}): deepcopy "
                               "t.detach() instead")
        rebuild, args = self.__reduce_ex__(4)
        new = rebuild(*copy.deepcopy(args, memo))
        if type(self) is Tensor:                  # Parameter's own __reduce_ex__ keeps .grad
            new.grad = copy.deepcopy(self.grad, memo)
        memo[id(self)] = new
        return new

    # --- what a tensor is -----------------------------------------------------------------
    @property
    def data(self):
        """The same values as a tensor cut from the graph, sharing memory (torch's `.data`).

        Changes made through it are not seen by autograd: `p.data -= lr * g` updates `p`
        without a version stamp, as in torch. `_data` is the numpy array underneath.
        """
        return Tensor(self._data)

    @data.setter
    def data(self, value):
        array = value._data if isinstance(value, Tensor) else _as_array(value)
        self._data = array

    def __array__(self, dtype=None, copy=None):
        """np.asarray(tensor) gives the values, as torch's tensors do."""
        if dtype is not None and np.dtype(dtype) != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    @property
    def shape(self):
        return self._data.shape

    def size(self, dim=None):
        """The shape (torch's `size()`), or the length of one dimension."""
        return self._data.shape if dim is None else self._data.shape[dim]

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        """Bytes per element (4 for float32)."""
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    def stride(self, dim=None):
        """Steps in elements between neighbours along each dim (numpy's byte strides / itemsize;
        a flipped view has negative ones, where torch's flip copies)."""
        steps = tuple(s // self._data.itemsize for s in self._data.strides)
        return steps if dim is None else steps[dim]

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    @property
    def dtype(self):
        return self._data.dtype

    def is_floating_point(self):
        return dtypes.is_floating_point(self)

    def is_complex(self):
        return self._data.dtype.kind == "c"

    @property
    def device(self):
        """Always the CPU: glassgrad computes with numpy (see glassgrad/devices.py)."""
        return devices.CPU

    @property
    def is_cuda(self):
        return False

    @property
    def is_cpu(self):
        return True

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def T(self):
        return ops.permute(self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self):
        return ops.transpose(self, -2, -1)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __hash__(self):
        return id(self)

    def __contains__(self, element):
        """`value in tensor`: is some element equal to it (torch's rule)?"""
        return bool(ops.any(ops.eq(self, element)))

    def __format__(self, spec):
        """f"{loss:.4f}" formats a 0-d tensor as its number, as torch does."""
        return format(self.item(), spec) if self._data.ndim == 0 else object.__format__(self, spec)

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of a tensor of shape {self.shape} is ambiguous")
        return bool(self._data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError(f"only integer tensors of one element can be used as an index; "
                            f"got dtype {self.dtype}, shape {self.shape}")
        return int(self._data)

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise ValueError(f"item(): a tensor with {self._data.size} elements cannot be "
                             f"converted to a Python scalar (shape {self.shape})")
        return self._data.item()

    def numpy(self, *, force=False):
        """The data as a numpy array (shared memory). Refuses a tensor that requires grad,
        unless force=True (torch's `detach().numpy()`)."""
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on a tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self._data

    def tolist(self):
        return self._data.tolist()

    def __repr__(self):
        body = np.array2string(self._data, separator=", ", precision=4, prefix="tensor(")
        extras = []
        if self._data.dtype != np.float32 and self._data.dtype != np.int64 and self._data.dtype != bool:
            extras.append(f"dtype={self._data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    # --- autograd -------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (reverse-mode autodiff)."""
        from .autograd import engine
        engine.backward(self, gradient, retain_graph, create_graph, inputs)

    def detach(self):
        """The same data, cut from the graph (shares memory and the version counter, like
        torch: changing the detached tensor in place is seen by a backward that reads self)."""
        out = Tensor(self._data)
        share_version(self, out)
        return out

    def detach_(self):
        self.grad_fn = None
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad=True):
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError("requires_grad_(False) is only allowed on leaf tensors; "
                               "use detach() on a tensor computed by an op")
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError(f"requires_grad_(): only floating-point tensors can require "
                               f"gradients; got dtype {self._data.dtype} (shape {self.shape})")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self):
        """Keep `.grad` of this non-leaf tensor after backward (leaves always keep theirs)."""
        if self.grad_fn is not None:
            self.grad_fn._retain_ref = weakref.ref(self)
        elif not self.requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that has requires_grad=False")

    def register_hook(self, hook):
        """Call `hook(grad)` when this tensor's gradient is computed; a return value replaces it.

        Returns a handle whose `remove()` unregisters the hook.
        """
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            if self.grad_fn._out_hooks is None:
                self.grad_fn._out_hooks = []
            hooks = self.grad_fn._out_hooks
        else:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    # --- in-place updates (for optimisers and initialisers) -------------------------------
    def _check_inplace(self, op, *operands):
        """Refuse an in-place change autograd could not follow; else stamp the version."""
        from .autograd import grad_mode
        if grad_mode._state.enabled and self.requires_grad:
            if self.grad_fn is None:
                raise RuntimeError(f"{op}: a leaf tensor that requires grad is being used in an "
                                   "in-place operation; wrap the update in glassgrad.no_grad()")
            # In-place helpers change the array without recording an op, so the graph would
            # differentiate the old computation: a silently wrong gradient.
            raise RuntimeError(f"{op}: a tensor computed by an op ({type(self.grad_fn).__name__}, "
                               f"shape {self.shape}) cannot be changed in place while grad is "
                               "recorded; write it out of place (y = y * 2) or detach() it")
        if grad_mode._state.enabled and any(isinstance(o, Tensor) and o.requires_grad
                                      for o in operands):
            # torch would give self a place in the graph; glassgrad's in-place ops cannot.
            raise RuntimeError(f"{op}: an operand requires grad, so the result must be recorded "
                               f"in the graph, which an in-place op cannot do here; write it out "
                               f"of place: x = x.{op.rstrip('_')}(...)")
        # Stamped only once the change is allowed: a refused one leaves the tensor as it was.
        mark_modified(self)

    def zero_(self):
        self._check_inplace("zero_")
        self._data[...] = 0
        return self

    def fill_(self, value):
        self._check_inplace("fill_")
        self._data[...] = value
        return self

    def copy_(self, src):
        self._check_inplace("copy_", src)
        src = as_array(src)
        try:
            fits = np.broadcast_shapes(src.shape, self.shape) == self.shape
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(f"copy_: source of shape {src.shape} does not broadcast to the "
                               f"destination's shape {self.shape}")
        self._data[...] = src
        return self

    def add_(self, other, alpha=1):
        self._check_inplace("add_", other)
        other = other._data if isinstance(other, Tensor) else other
        self._data += other if alpha == 1 else alpha * other
        return self

    def sub_(self, other, alpha=1):
        return self.add_(other, alpha=-alpha)

    # Augmented assignment updates in place, as in torch: `p -= lr * p.grad` inside no_grad()
    # changes the parameter itself (rebinding the name to a new tensor would leave it unchanged).
    def __iadd__(self, other): return self._augmented(self.add_, Add, other)
    def __isub__(self, other): return self._augmented(self.sub_, Sub, other)
    def __imul__(self, other): return self._augmented(self.mul_, Mul, other)
    def __itruediv__(self, other): return self._augmented(self.div_, Div, other)

    def _augmented(self, inplace, op, other):
        """`x op= y`: in place, unless the result must join the graph (a residual `out += x`
        in a forward pass): then the op is recorded and `x` names the new tensor. torch writes
        into x's memory there too; only other names for the old x can tell the difference."""
        from .autograd import grad_mode
        records = grad_mode._state.enabled and (
            self.grad_fn is not None or (isinstance(other, Tensor) and other.requires_grad))
        if records and not (self.requires_grad and self.grad_fn is None):
            return apply_binary(op, self, other)
        return inplace(other)

    def mul_(self, other):
        self._check_inplace("mul_", other)
        self._data *= other._data if isinstance(other, Tensor) else other
        return self

    def div_(self, other):
        self._check_inplace("div_", other)
        self._data /= other._data if isinstance(other, Tensor) else other
        return self

    def clamp_(self, min=None, max=None):
        self._check_inplace("clamp_")
        np.clip(self._data, min, max, out=self._data)
        return self

    # In-place forms of ops: the op runs out of place, and its result is written into self.
    def masked_fill_(self, mask, value):
        return self._inplace("masked_fill_", ops.masked_fill(self, mask, value))

    def scatter_(self, dim, index, src=None, value=None):
        return self._inplace("scatter_", ops.scatter(self, dim, index, src, value))

    def scatter_add_(self, dim, index, src):
        return self._inplace("scatter_add_", ops.scatter_add(self, dim, index, src))

    def _inplace(self, op, result):
        """Write `result`, computed out of place by `op`'s function, into self."""
        self._check_inplace(op, result)
        self._data[...] = result._data
        return self

    def uniform_(self, a=0.0, b=1.0, generator=None):
        from .random import _generator
        self._check_inplace("uniform_")
        self._data[...] = _generator(generator).uniform(a, b, self.shape)
        return self

    def normal_(self, mean=0.0, std=1.0, generator=None):
        from .random import _generator
        self._check_inplace("normal_")
        self._data[...] = _generator(generator).normal(mean, std, self.shape)
        return self

    # --- conversions and devices ----------------------------------------------------------
    def to(self, *args, **kwargs):
        """to(dtype), to('cpu'), to(device, dtype), to(other), to(dtype=..., copy=True), ..."""
        return ops.to(self, *args, **kwargs)

    def cpu(self): return self
    def cuda(self, device=None, non_blocking=False):
        raise devices.not_available("Tensor.cuda", "cuda" if device is None else device)

    def type_as(self, other): return ops.to_dtype(self, other.dtype)
    def half(self): return ops.to_dtype(self, np.float16)
    def float(self): return ops.to_dtype(self, np.float32)
    def double(self): return ops.to_dtype(self, np.float64)
    def char(self): return ops.to_dtype(self, np.int8)
    def byte(self): return ops.to_dtype(self, np.uint8)
    def short(self): return ops.to_dtype(self, np.int16)
    def int(self): return ops.to_dtype(self, np.int32)
    def long(self): return ops.to_dtype(self, np.int64)
    def bool(self): return ops.to_dtype(self, np.bool_)

    # new tensors in this tensor's dtype (unless dtype= says otherwise), outside the graph
    def new_tensor(self, data, **kw): return creation.new(creation.tensor, self, data, **kw)
    def new_zeros(self, *size, **kw): return creation.new(creation.zeros, self, *size, **kw)
    def new_ones(self, *size, **kw): return creation.new(creation.ones, self, *size, **kw)
    def new_empty(self, *size, **kw): return creation.new(creation.empty, self, *size, **kw)
    def new_full(self, size, fill_value, **kw):
        return creation.new(creation.full, self, size, fill_value, **kw)

    def contiguous(self): return self if self._data.flags.c_contiguous else ops.clone(self)
    def is_contiguous(self): return self._data.flags.c_contiguous

    # --- arithmetic operators (reflected ones too) ----------------------------------------
    def __add__(self, other): return apply_binary(Add, self, other)
    def __radd__(self, other): return apply_binary(Add, other, self)
    def __sub__(self, other): return apply_binary(Sub, self, other)
    def __rsub__(self, other): return apply_binary(Sub, other, self)
    def __mul__(self, other): return apply_binary(Mul, self, other)
    def __rmul__(self, other): return apply_binary(Mul, other, self)
    def __truediv__(self, other): return apply_binary(Div, self, other)
    def __rtruediv__(self, other): return apply_binary(Div, other, self)
    def __pow__(self, other): return ops.pow(self, other)
    def __rpow__(self, other): return ops.pow(other, self)
    def __floordiv__(self, other): return ops.floor_divide(self, other)
    def __rfloordiv__(self, other): return ops.floor_divide(other, self)
    def __mod__(self, other): return ops.remainder(self, other)
    def __rmod__(self, other): return ops.remainder(other, self)
    def __matmul__(self, other): return ops.matmul(self, other)
    def __rmatmul__(self, other): return ops.matmul(other, self)
    def __neg__(self): return Neg.apply(self)
    def __pos__(self): return self

    def __setitem__(self, index, value):
        if self.grad_fn is not None:
            raise RuntimeError("__setitem__ on a tensor computed by an op would corrupt its "
                               "graph; build a new tensor with where()/masked_fill() instead")
        self._check_inplace("__setitem__", value)
        if isinstance(index, Tensor):
            index = index._data
        self._data[index] = value._data if isinstance(value, Tensor) else value

    # comparisons: boolean tensors, not differentiable
    def __eq__(self, other): return ops.eq(self, other)
    def __ne__(self, other): return ops.ne(self, other)
    def __lt__(self, other): return ops.lt(self, other)
    def __le__(self, other): return ops.le(self, other)
    def __gt__(self, other): return ops.gt(self, other)
    def __ge__(self, other): return ops.ge(self, other)
    def __and__(self, other): return ops.logical_and(self, other)
    def __or__(self, other): return ops.logical_or(self, other)

    # --- named methods: one line each into glassgrad.ops ----------------------------------
    def add(self, other, alpha=1): return ops.add(self, other, alpha=alpha)
    def sub(self, other, alpha=1): return ops.sub(self, other, alpha=alpha)
    def mul(self, other): return ops.mul(self, other)
    def div(self, other): return ops.div(self, other)
    def floor_divide(self, other): return ops.floor_divide(self, other)
    def remainder(self, other): return ops.remainder(self, other)
    def maximum(self, other): return ops.maximum(self, other)
    def minimum(self, other): return ops.minimum(self, other)
    def clamp_min(self, min): return ops.clamp(self, min=min)
    def clamp_max(self, max): return ops.clamp(self, max=max)
    def where(self, condition, other): return ops.where(condition, self, other)

    # comparisons, logic and tests: boolean tensors (or Python bools), no gradient
    def eq(self, other): return ops.eq(self, other)
    def ne(self, other): return ops.ne(self, other)
    def lt(self, other): return ops.lt(self, other)
    def le(self, other): return ops.le(self, other)
    def gt(self, other): return ops.gt(self, other)
    def ge(self, other): return ops.ge(self, other)
    def logical_and(self, other): return ops.logical_and(self, other)
    def logical_or(self, other): return ops.logical_or(self, other)
    def nonzero(self, *, as_tuple=False): return ops.nonzero(self, as_tuple)
    def equal(self, other): return ops.equal(self, other)
    def allclose(self, other, rtol=1e-5, atol=1e-8): return ops.allclose(self, other, rtol, atol)


    def matmul(self, other): return ops.matmul(self, other)
    def mm(self, other): return ops.mm(self, other)
    def bmm(self, other): return ops.bmm(self, other)
    def dot(self, other): return ops.dot(self, other)
    def outer(self, other): return ops.outer(self, other)
    def reshape(self, *shape): return ops.reshape(self, *shape)
    def view(self, *shape): return ops.view(self, *shape)
    def view_as(self, other): return ops.view(self, other.shape)
    def reshape_as(self, other): return ops.reshape(self, other.shape)
    def permute(self, *dims): return ops.permute(self, *dims)
    def expand(self, *shape): return ops.expand(self, *shape)
    def expand_as(self, other): return ops.expand(self, other.shape)
    def repeat(self, *sizes): return ops.repeat(self, *sizes)
    def tile(self, *dims): return ops.tile(self, dims)
    def flip(self, *dims): return ops.flip(self, dims)
    def split(self, split_size, dim=0): return ops.split(self, split_size, dim)


def _rebuild_tensor(data, requires_grad):
    return Tensor(data, requires_grad=requires_grad)


class _HookHandle:
    """What `register_hook` returns: `handle.remove()` unregisters the hook."""

    def __init__(self, hooks, hook):
        self.hooks, self.hook = hooks, hook

    def remove(self):
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


def as_array(x):
    """The numpy array of a Tensor, or anything numpy can read as one (the one such helper)."""
    return x._data if isinstance(x, Tensor) else np.asarray(x)


_new_object = object.__new__


def plain_tensor(array):
    """A tensor for an op's output when no graph is recorded: the array as it is, no checks and
    no node. The cheap path that keeps per-op overhead low (a backward without create_graph
    runs every op of its rule through here)."""
    t = _new_object(Tensor)
    t._data = array
    t.grad = None
    t.requires_grad = False
    t.grad_fn = None
    t._hooks = None
    t._version = 0
    return t


def is_tensor(obj):
    """torch.is_tensor: is `obj` a glassgrad Tensor?"""
    return isinstance(obj, Tensor)


def _as_array(data):
    """Convert what a user passes to `Tensor(...)` into an array; floats become float32."""
    if isinstance(data, Tensor):
        return data._data
    array = np.asarray(data)
    # A numpy float64 scalar (what numpy returns for 0-d arithmetic) keeps its dtype, as an
    # array does; only Python floats and lists become float32.
    if array.dtype == np.float64 and not isinstance(data, (np.ndarray, np.generic)):
        array = array.astype(np.float32)
    return array


# The ops import Tensor, so they are imported after the class exists.
from . import creation, devices, dtypes, ops  # noqa: E402
from .ops.elementwise import Add, Sub, Mul, Div, Neg  # noqa: E402
from .autograd.function import apply_binary, mark_modified, share_version  # noqa: E402

# Methods that are exactly the op of the same name, arguments and all (torch's `x.exp()` is
# `torch.exp(x)`): bound here from glassgrad.ops rather than written out a second time.
_SAME_AS_OPS = """
    clip clone pow neg abs exp log log1p sqrt rsqrt square sin cos tanh sigmoid relu erf sign
    floor ceil round trunc reciprocal log2 log10 clamp masked_fill logical_not isnan isinf
    isfinite any all sum mean var std max min amax amin prod logsumexp argmax argmin softmax
    log_softmax norm cumsum sort argsort topk unique flatten unflatten t transpose squeeze
    unsqueeze tril triu chunk unbind gather scatter_add scatter index_select
""".split()
_OTHER_NAME = {"__abs__": "abs", "__getitem__": "getitem", "__invert__": "logical_not",
               "type": "to_dtype", "unfold": "unfold_dim"}
for _name in _SAME_AS_OPS:
    setattr(Tensor, _name, getattr(ops, _name))
for _name, _op in _OTHER_NAME.items():
    setattr(Tensor, _name, getattr(ops, _op))
