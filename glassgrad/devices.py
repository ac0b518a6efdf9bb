"""Devices: glassgrad computes on the CPU, with numpy, and nowhere else.

Programs written for torch name devices all the time (`x.to(device)`, `zeros(3, device=...)`,
`device = 'cuda' if torch.cuda.is_available() else 'cpu'`), so glassgrad reads torch's device
specifications: `device('cpu')`, `device('cpu', 0)`, `'cpu:0'`. Any other device ('cuda', 'mps',
'cuda:1', an accelerator's index 0, ...) is an error that names it and says why.

`parse_to` reads the arguments of `Tensor.to` and `Module.to` in all of torch's forms; both use it.
"""
import builtins

import numpy as np

from .tensor import Tensor

# The device types torch knows (torch.device's own list); only the first is glassgrad's.
_TORCH_TYPES = ("cpu", "cuda", "mps", "xpu", "hip", "meta", "mtia", "hpu", "xla", "lazy", "ipu",
                "vulkan", "mkldnn", "opengl", "opencl", "ideep", "ve", "fpga", "maia",
                "privateuseone")


def not_available(op, spec):
    """The error for a device glassgrad does not have."""
    return RuntimeError(f"{op}: device {str(spec)!r} is not available: glassgrad runs on the CPU "
                        "only (numpy); use 'cpu'")


class device:
    """Where a tensor lives, as torch.device: always the CPU here.

    `device('cpu')`, `device('cpu:0')`, `device('cpu', 0)` and `device(other_device)` are
    accepted; `.type` is 'cpu' and `.index` the index given (None if none). As in torch,
    `device('cpu') != device('cpu', 0)`, and a device is not equal to its string.
    """

    __slots__ = ("_type", "_index")

    def __init__(self, type, index=None):
        kind, parsed = _parse("device", type)
        if index is not None:
            if parsed is not None:
                raise RuntimeError(f"device: type (string) must not include an index because "
                                   f"index was passed explicitly: {type}")
            if not isinstance(index, int) or isinstance(index, builtins.bool) or index < 0:
                raise RuntimeError(f"device: the index must be a non-negative int, got "
                                   f"{index!r}")
            parsed = index
        self._type, self._index = kind, parsed

    @property
    def type(self):
        return self._type

    @property
    def index(self):
        return self._index

    def __eq__(self, other):
        if not isinstance(other, device):
            return NotImplemented
        return (self._type, self._index) == (other._type, other._index)

    def __hash__(self):
        return hash((self._type, self._index))

    def __str__(self):
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __repr__(self):
        index = "" if self._index is None else f", index={self._index}"
        return f"device(type={self._type!r}{index})"


def _parse(op, spec):
    """(type, index) of a device specification; an error naming `op` for anything not the CPU."""
    if isinstance(spec, device):
        return spec._type, spec._index
    if isinstance(spec, int) and not isinstance(spec, builtins.bool):
        raise not_available(op, spec)           # an int is an accelerator's index in torch
    if not isinstance(spec, str):
        raise TypeError(f"{op}: expected a device ('cpu', 'cpu:0' or glassgrad.device), got "
                        f"{type(spec).__name__} {spec!r}")
    kind, _, index = spec.partition(":")
    if kind not in _TORCH_TYPES:
        raise RuntimeError(f"{op}: invalid device string {spec!r}; glassgrad runs on the CPU "
                           "only: use 'cpu'")
    if kind != "cpu":
        raise not_available(op, spec)
    if not index:
        if spec.endswith(":"):
            raise RuntimeError(f"{op}: invalid device string {spec!r}")
        return kind, None
    if not index.isdigit():
        raise RuntimeError(f"{op}: invalid device string {spec!r}")
    return kind, int(index)


CPU = device("cpu")


def as_device(op, spec):
    """`spec` as a device (CPU; None means the CPU), or an error naming `op`."""
    return CPU if spec is None else device(*_parse(op, spec))


def _is_device(value):
    return isinstance(value, (str, device)) or (isinstance(value, int)
                                                and not isinstance(value, builtins.bool))


def parse_to(op, *args, device=None, dtype=None, non_blocking=False, copy=False):
    """The dtype (or None) and `copy` flag of `.to(...)`, in torch's forms:

        to(dtype)   to('cpu')   to(device, dtype)   to(other_tensor)   to(dtype=..., device=...)

    each optionally followed by `non_blocking` and `copy`. `non_blocking` is accepted and means
    nothing here: a copy on the CPU is never asynchronous.
    """
    rest = list(args)
    if rest and isinstance(rest[0], Tensor):          # to(other): its dtype (and device)
        dtype = rest.pop(0).dtype
    elif rest and _is_device(rest[0]):                # to(device) or to(device, dtype)
        device = rest.pop(0)
        if rest and not isinstance(rest[0], builtins.bool):
            dtype = rest.pop(0)
    elif rest and not isinstance(rest[0], builtins.bool):
        dtype = rest.pop(0)
    if len(rest) > 2 or not all(isinstance(flag, builtins.bool) for flag in rest):
        raise TypeError(f"{op}: expected (device, dtype, non_blocking, copy), (dtype, ...) or "
                        f"(tensor, ...), got arguments {args!r}")
    copy = rest[1] if len(rest) == 2 else copy
    as_device(op, device)
    if dtype is not None:
        try:
            dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"{op}: expected a dtype (glassgrad.float32, ...), a device or a "
                            f"tensor, got {type(dtype).__name__} {dtype!r}") from None
    return dtype, copy
