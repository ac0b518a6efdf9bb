"""`Module`: the base class of every layer and model (torch.nn.Module's names and behaviour).

A module keeps three ordered registries, filled by plain attribute assignment:
`_parameters` (Parameters), `_buffers` (Tensors saved with the model but not trained, such as
running statistics) and `_modules` (child modules). `__setattr__` sorts each assignment into
the right one and `__getattr__` reads them back, so `self.weight = Parameter(...)` is all a
layer writes. Everything that walks the model (parameters(), state_dict(), train(), apply())
recurses through `_modules`, naming entries by their dotted path ("0.weight", "encoder.bias").
"""
import collections
import itertools
from collections.abc import Mapping

import numpy as np

from ...devices import not_available, parse_to
from ...tensor import Tensor
from ..parameter import Parameter


class _IncompatibleKeys(collections.namedtuple("IncompatibleKeys",
                                               ["missing_keys", "unexpected_keys"])):
    """What `load_state_dict(strict=False)` returns (torch's named tuple)."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class RemovableHandle:
    """What `register_*_hook` returns: `handle.remove()` unregisters the hook (also on `with`)."""

    _next_id = itertools.count()

    def __init__(self, hooks_dict):
        self.hooks_dict = hooks_dict
        self.id = next(RemovableHandle._next_id)

    def remove(self):
        self.hooks_dict.pop(self.id, None)
        self.hooks_dict = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class Module:
    """Base class for all layers and models.

    A subclass calls `super().__init__()` first, assigns its Parameters, buffers and
    sub-modules as attributes, and defines `forward`. Call the module, not `forward`, so that
    hooks run::

        class TwoLayer(nn.Module):
            def __init__(self):
                super().__init__()
                self.hidden = nn.Linear(4, 8)
                self.out = nn.Linear(8, 1)

            def forward(self, x):
                return self.out(self.hidden(x).relu())
    """

    def __init__(self):
        set_ = object.__setattr__
        set_(self, "training", True)
        set_(self, "_parameters", {})
        set_(self, "_buffers", {})
        set_(self, "_non_persistent_buffers_set", set())
        set_(self, "_modules", {})
        set_(self, "_forward_pre_hooks", {})
        set_(self, "_forward_pre_hooks_with_kwargs", set())
        set_(self, "_forward_hooks", {})
        set_(self, "_forward_hooks_with_kwargs", set())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  '"forward" function')

    def __call__(self, *args, **kwargs):
        # The common case (no hooks) costs one dictionary truth test on top of forward.
        if not (self._forward_pre_hooks or self._forward_hooks):
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args, kwargs):
        for hook_id, hook in list(self._forward_pre_hooks.items()):
            if hook_id in self._forward_pre_hooks_with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError("forward pre-hook registered with_kwargs=True must "
                                           f"return None or (args, kwargs), got {result!r}")
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook_id, hook in list(self._forward_hooks.items()):
            if hook_id in self._forward_hooks_with_kwargs:
                result = hook(self, args, kwargs, output)
            else:
                result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    # --- hooks ----------------------------------------------------------------------------
    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Call `hook(module, args)` before forward; a non-None return replaces the args.

        With `with_kwargs=True` the hook is `hook(module, args, kwargs)` and may return
        `(args, kwargs)`. Returns a handle whose `remove()` unregisters the hook.
        """
        handle = RemovableHandle(self._forward_pre_hooks)
        _insert_hook(self._forward_pre_hooks, handle.id, hook, prepend)
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs.add(handle.id)
        return handle

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Call `hook(module, args, output)` after forward; a non-None return replaces output.

        The way to collect activations: append `output.detach()` to a list in the hook.
        Returns a handle whose `remove()` unregisters the hook.
        """
        handle = RemovableHandle(self._forward_hooks)
        _insert_hook(self._forward_hooks, handle.id, hook, prepend)
        if with_kwargs:
            self._forward_hooks_with_kwargs.add(handle.id)
        return handle

    # --- registration ---------------------------------------------------------------------
    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            self._forget(name)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(glassgrad.nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            modules = self.__dict__.get("_modules")
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            self._forget(name)
            modules[name] = value
        elif self.__dict__.get("_modules") is not None and name in self._modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module "
                                f"'{name}' (glassgrad.nn.Module or None expected)")
            self._modules[name] = None
        elif self.__dict__.get("_buffers") is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                "(glassgrad.Tensor or None expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name):
        """Remove `name` from every registry and the instance dict (before re-registering)."""
        self.__dict__.pop(name, None)
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        self._non_persistent_buffers_set.discard(name)

    def __getattr__(self, name):
        # Only reached when normal lookup fails: parameters, buffers and children live in the
        # registries, not in the instance dict.
        d = self.__dict__
        if "_parameters" in d:
            if name in d["_parameters"]:            # the hot case: self.weight in forward
                return d["_parameters"][name]
            if name in d["_buffers"]:
                return d["_buffers"][name]
            if name in d["_modules"]:
                return d["_modules"][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    def _check_name(self, kind, name):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if name == "" or "." in name:
            raise KeyError(f"{kind} name can't be empty or contain \".\", got {name!r}")

    def register_parameter(self, name, param):
        """Add a Parameter (or None, for an optional one such as a disabled bias)."""
        self._check_name("parameter", name)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter "
                            f"'{name}' (glassgrad.nn.Parameter or None required)")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Add a Tensor saved with the model but not trained (running statistics, masks).

        `persistent=False` keeps it out of `state_dict()`.
        """
        self._check_name("buffer", name)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer "
                            f"'{name}' (glassgrad.Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        """Add a child module under `name` (what attribute assignment does for a Module)."""
        self._check_name("module", name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        """The module at dotted path `target` ("" is self), e.g. "encoder.0"."""
        module = self
        for part in target.split(".") if target else ():
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(f"{type(module).__name__} has no submodule '{part}' "
                                     f"(looking for '{target}')")
            module = child
        return module

    # --- walking the tree -----------------------------------------------------------------
    def _named_members(self, get_members, prefix="", recurse=True, remove_duplicate=True):
        seen = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in get_members(module).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield (module_prefix + "." + name if module_prefix else name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, Parameter) pairs; a shared parameter appears once."""
        return self._named_members(lambda m: m._parameters, prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members(lambda m: m._buffers, prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(dotted name, module) for self ("") and every descendant, depth first."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            child_prefix = prefix + "." + name if prefix else name
            yield from module.named_modules(memo, child_prefix, remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    # --- modes and gradients --------------------------------------------------------------
    def train(self, mode=True):
        """Training mode (dropout drops, batch norm uses batch statistics) for the whole tree."""
        if not isinstance(mode, bool):
            raise ValueError(f"train(): mode is expected to be a bool, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self):
        """Evaluation mode: `train(False)`."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Set `requires_grad` on every parameter: `requires_grad_(False)` freezes the module."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset every parameter's gradient: to None (default, frees memory) or to zeros."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            elif param.grad.grad_fn is not None:     # a gradient with a graph: cut it loose
                param.grad = Tensor(np.zeros_like(param.grad._data))
            else:
                param.grad._data[...] = 0             # reuse the memory, as torch's zero_()

    def apply(self, fn):
        """Call `fn(module)` on every child (recursively), then on self; returns self.

        The usual way to re-initialise a model: `model.apply(init_weights)`.
        """
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # --- dtype and device -----------------------------------------------------------------
    def to(self, *args, **kwargs):
        """Cast floating-point parameters and buffers to a dtype in place; returns self.

        Accepts torch's forms, read by the same parser as `Tensor.to`: `to(dtype)`, `to('cpu')`,
        `to(device, dtype)`, `to(tensor)` (its dtype), `to(device=..., dtype=...)`. glassgrad
        runs on the CPU only, so any other device is an error.
        """
        dtype, _ = parse_to(f"{type(self).__name__}.to", *args, **kwargs)
        if dtype is not None:
            if dtype.kind != "f":
                raise TypeError(f"{type(self).__name__}.to only accepts floating point dtypes, "
                                f"got {dtype}")
            for tensor in itertools.chain(self.parameters(), self.buffers()):
                if tensor._data.dtype.kind == "f" and tensor._data.dtype != dtype:
                    tensor._data = tensor._data.astype(dtype)
                    if tensor.grad is not None:
                        tensor.grad = Tensor(tensor.grad._data.astype(dtype))
        return self

    def cpu(self):
        return self

    def cuda(self, device=None):
        raise not_available(f"{type(self).__name__}.cuda", "cuda" if device is None else device)

    def double(self):
        return self.to(np.float64)

    def float(self):
        return self.to(np.float32)

    def half(self):
        return self.to(np.float16)

    # --- saving and loading ---------------------------------------------------------------
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """An ordered dict of every parameter and persistent buffer, by dotted name.

        Values are detached Tensors sharing memory with the model (as in torch); copy them
        before changing the model if you need a snapshot.
        """
        if destination is None:
            destination = collections.OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buffer if keep_vars else buffer.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination, prefix + name + ".", keep_vars)
        return destination

    def load_state_dict(self, state_dict, strict=True):
        """Copy `state_dict`'s values into the parameters and buffers, in place.

        Every key, shape and dtype is checked (and every value turned into an array) before
        anything is copied, so a failed load leaves the model unchanged. With `strict=True`
        (default) missing or unexpected keys are an error; a shape mismatch, a value that is not
        numbers (None, strings, a ragged list) or a complex value for a real parameter always
        is. Returns `(missing_keys, unexpected_keys)`.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        errors, sources = [], {}
        for key, target in own.items():
            if key in state_dict:
                error, sources[key] = _source_array(key, state_dict[key], target)
                if error:
                    errors.append(error)
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in unexpected) + ".")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in missing) + ".")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        for key, source in sources.items():     # all checked: the copies cannot fail
            own[key]._data[...] = source
        return _IncompatibleKeys(missing, unexpected)

    # --- printing -------------------------------------------------------------------------
    def extra_repr(self):
        """The layer's settings, shown inside its parentheses in `repr` (override this)."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        lines = [line for line in self.extra_repr().split("\n") if line]
        for name, module in self._modules.items():
            child = _indent(repr(module), 2)
            lines.append(f"({name}): {child}")
        if not self._modules:
            return f"{self._get_name()}({self.extra_repr()})"
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


def _source_array(key, source, target):
    """(error or None, the array to copy) for one state_dict entry, checked against its
    parameter or buffer `target` without touching it."""
    try:
        array = source._data if isinstance(source, Tensor) else np.asarray(source)
    except (ValueError, TypeError) as error:          # a ragged list, say
        return (f"invalid value for {key}: {type(source).__name__} is not an array of numbers "
                f"({error})."), None
    if array.dtype.kind not in "biufc" or (array.dtype.kind == "c"
                                           and target.dtype.kind != "c"):
        return (f"dtype mismatch for {key}: copying a {type(source).__name__} of dtype "
                f"{array.dtype} from checkpoint, the param in current model has dtype "
                f"{target.dtype}."), None
    if tuple(array.shape) != tuple(target.shape):
        return (f"size mismatch for {key}: copying a param with shape {tuple(array.shape)} "
                f"from checkpoint, the shape in current model is {tuple(target.shape)}."), None
    return None, array


def _indent(text, spaces):
    first, *rest = text.split("\n")
    return "\n".join([first] + [" " * spaces + line for line in rest])


def _insert_hook(hooks, hook_id, hook, prepend):
    hooks[hook_id] = hook
    if prepend:
        for other in [k for k in hooks if k != hook_id]:
            hooks[other] = hooks.pop(other)        # move the others behind the new one

