"""`Optimizer`: the base of every optimiser, with PyTorch's contract.

The base owns everything that is not the paper's update: parameter groups with per-group
options (the defaults filled in), the per-parameter `state`, `zero_grad`, the closure, the loop
over groups and parameters that have a gradient (under `no_grad`), and `state_dict` /
`load_state_dict` in torch's format. A subclass writes only

    init_state(state, param, group)          # the paper's buffers at t = 0 (numpy, in place)
    update_step(param, grad, state, group)   # θ_t from θ_{t-1}: in place on param's array

where `param` and `grad` are the numpy arrays behind the parameter and its gradient. Updating
`.data` in place keeps the parameter's identity (a model's Parameter objects stay the ones the
optimiser holds) and its dtype: float32 stays float32 because every hyper-parameter is a Python
float, which numpy never lets widen an array (NEP 50).

state_dict() is torch's: {"state": {index: {"step": int, "exp_avg": Tensor, ...}},
"param_groups": [{"lr": ..., "params": [indices]}]}, where index numbers the parameters in
group order. The values are Tensors (numpy arrays behind them) and plain Python numbers, so a
checkpoint can store them as .npz arrays plus JSON, without pickle. As in torch, the returned
Tensors are the live buffers, not copies: save them before the next step changes them.
"""
import numbers
from collections import defaultdict

import numpy as np

from ..autograd import grad_mode
from ..autograd.function import mark_modified
from ..tensor import Tensor


class _RequiredParameter:
    """The default of an option that every parameter group must give (torch's `required`)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class of all optimisers: holds `param_groups` and `state`, runs the update loop.

    Args:
        params: an iterable of Tensors, or of dicts {"params": [...], option: value} that give
            some groups their own options (torch's per-parameter options).
        defaults: the options of a group that does not give them.
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._validate(defaults)
        self.state = defaultdict(dict)
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got a Tensor of shape {params.shape}; "
                            "wrap it in a list: [tensor]")
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError(f"{type(self).__name__}: optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # --- what a subclass writes -------------------------------------------------------------
    def _validate(self, options):
        """Numbers where numbers belong (one message naming the optimiser), then validate()."""
        check_numbers(type(self).__name__, options)
        self.validate(options)

    def validate(self, options):
        """Raise ValueError on an invalid hyper-parameter (called on defaults and each group)."""

    def init_state(self, state, param, group):
        """Fill a parameter's empty `state` dict with the paper's initial buffers."""

    def update_step(self, param, grad, state, group):
        """Update the numpy array `param` in place from its gradient `grad`."""
        raise NotImplementedError(f"{type(self).__name__} must define update_step(param, grad, "
                                  "state, group), or override step()")

    # --- the loop ---------------------------------------------------------------------------
    def step(self, closure=None):
        """One update of every parameter that has a gradient.

        closure: an optional function that re-evaluates the model (zero_grad, forward,
        backward) and returns the loss; it runs with grad mode on, and its loss is returned.
        """
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        with grad_mode.no_grad():
            for group in self.param_groups:
                maximize = group.get("maximize", False)
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    grad = _grad_array(p, type(self).__name__)
                    if maximize:
                        grad = -grad             # ascend f by descending -f
                    state = self.state[p]
                    if not state:
                        self.init_state(state, p._data, group)
                    self.update_step(p._data, grad, state, group)
                    mark_modified(p)      # a graph built before this step is now stale
        return loss

    def zero_grad(self, set_to_none=True):
        """Forget every parameter's gradient: `.grad = None` (the default) or fill it with 0."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                elif p.grad.grad_fn is not None or not p.grad._data.flags.writeable:
                    p.grad = Tensor(np.zeros_like(p.grad._data))
                else:
                    p.grad.requires_grad = False
                    p.grad._data[...] = 0

    # --- parameter groups -------------------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a group of parameters with its own options (e.g. unfreezing layers mid-training).

        Options the group leaves out take the optimiser's defaults.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        params = list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params "
                                f"(index {i}) is {type(p).__name__}")
            if p.grad_fn is not None:
                raise ValueError(f"can't optimize a non-leaf Tensor (index {i}, shape "
                                 f"{p.shape}, made by {p.grad_fn!r}); optimise the leaf it was "
                                 "computed from")
        group = dict(param_group, params=params)
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            group.setdefault(name, default)
        self._validate(group)
        seen = {}
        for i, p in enumerate(params):
            if id(p) in seen:
                raise ValueError(f"optimizer contains a parameter group with duplicate "
                                 f"parameters: index {seen[id(p)]} and {i} are the same tensor "
                                 f"(shape {p.shape})")
            seen[id(p)] = i
        for other in self.param_groups:
            if any(id(p) in seen for p in other["params"]):
                raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    # --- saving and loading -----------------------------------------------------------------
    def _param_index(self):
        """{id(param): its index}, numbering the parameters in group order (torch's ids)."""
        index = {}
        for group in self.param_groups:
            for p in group["params"]:
                index.setdefault(id(p), len(index))
        return index

    def state_dict(self):
        """The optimiser's state in torch's format (see the module docstring)."""
        index = self._param_index()
        groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items()
                 if isinstance(p, Tensor) and id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Load a state saved by `state_dict()` (or read back from .npz + JSON).

        The parameters are matched by position, as in torch. Buffers are copied and cast to
        their parameter's dtype; integer keys that JSON turned into strings are accepted.
        Everything is checked and converted before anything is replaced, so a failed load
        leaves the optimiser as it was.
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            keys = sorted(map(str, state_dict)) if isinstance(state_dict, dict) else None
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and "
                             f"'param_groups' (what state_dict() returns), got "
                             f"{type(state_dict).__name__}" + (f" with keys {keys}" if keys
                                                               is not None else ""))
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has a different number of parameter groups: "
                             f"{len(saved_groups)} saved, {len(self.param_groups)} in this "
                             f"{type(self).__name__}")
        id_map = {}
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(f"loaded state dict contains a parameter group that doesn't "
                                 f"match the size of optimizer's group: group {i} has "
                                 f"{len(saved['params'])} parameters saved, "
                                 f"{len(group['params'])} here")
            id_map.update(zip((int(k) for k in saved["params"]), group["params"]))
        state = self._load_state(state_dict["state"], id_map)
        loaded = []
        for group, saved in zip(self.param_groups, saved_groups):
            options = {key: _plain(value, group.get(key)) for key, value in saved.items()
                       if key != "params"}
            self._validate(dict(group, **options))      # a saved lr of '0.1' or -1: refused
            loaded.append(options)
        # All checked: only now is anything replaced.
        self.state = state
        for group, options in zip(self.param_groups, loaded):
            # Update the group dicts in place: whoever shares them (Lookahead, a scheduler)
            # sees the loaded options.
            params = group["params"]
            group.clear()
            group.update(options)
            group["params"] = params

    def _load_state(self, saved_state, id_map):
        state = defaultdict(dict)
        for key, values in saved_state.items():
            index = int(key)
            if index not in id_map:
                raise ValueError(f"loaded state dict has state for parameter {index}, but this "
                                 f"{type(self).__name__} has {len(id_map)} parameters")
            param = id_map[index]
            state[param] = {name: _cast_state(value, param, name, index)
                            for name, value in values.items()}
        return state

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        return "\n".join(lines) + "\n)"


def _grad_array(p, name):
    """The gradient's numpy array, in the parameter's dtype and shape."""
    grad = p.grad._data
    if grad.shape != p._data.shape:
        raise RuntimeError(f"{name}.step: a gradient of shape {grad.shape} for a parameter of "
                           f"shape {p._data.shape}")
    if grad.dtype != p._data.dtype:
        grad = grad.astype(p._data.dtype)
    return grad


def _cast_state(value, param, name, index):
    """A saved state value made live again: arrays copied into Tensors of the parameter's
    float dtype, 'step' an int, numpy scalars Python numbers."""
    if name == "step":
        return int(value.item() if isinstance(value, (Tensor, np.ndarray, np.generic)) else value)
    if isinstance(value, (Tensor, np.ndarray)):
        array = np.array(value._data if isinstance(value, Tensor) else value)
        if array.dtype.kind == "f":
            array = array.astype(param._data.dtype)
        if array.ndim > 0 and array.shape != param._data.shape:
            raise ValueError(f"loaded state dict: state {name!r} of parameter {index} has shape "
                             f"{array.shape}, but the parameter has shape {param._data.shape}")
        return Tensor(array)
    if isinstance(value, dict):
        return {k: _cast_state(v, param, k, index) for k, v in value.items()}
    return _plain(value)


def _plain(value, current=None):
    """Python scalars for numpy scalars; a list back to a tuple where the option was a tuple
    (JSON turns the tuple `betas` into a list)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    if isinstance(value, list) and isinstance(current, tuple):
        return tuple(_plain(v) for v in value)
    return value


# torch's names for the numeric hyper-parameters, as its "Invalid ..." messages word them.
NUMERIC = {"lr": "learning rate", "eps": "epsilon value", "momentum": "momentum value",
           "dampening": "dampening value", "weight_decay": "weight_decay value",
           "alpha": "alpha value", "lr_decay": "lr_decay value",
           "initial_accumulator_value": "initial_accumulator_value value",
           "trust_coefficient": "trust_coefficient value", "damping": "damping value",
           "lambd": "lambd value", "t0": "t0 value", "rho": "rho value"}


def _is_number(value):
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)) or (
        isinstance(value, Tensor) and value.numel() == 1 and value.dtype.kind == "f")


def check_numbers(optimizer, options):
    """Every numeric hyper-parameter (and each beta) is a real number: `SGD(lr='0.1')` raises
    "Invalid learning rate: '0.1' (SGD expects a number, got str)" instead of a comparison's
    TypeError from deep inside the checks."""
    for key, description in NUMERIC.items():
        if key in options and options[key] is not required and not _is_number(options[key]):
            raise TypeError(f"Invalid {description}: {options[key]!r} ({optimizer} expects a "
                            f"number, got {type(options[key]).__name__})")
    betas = options.get("betas")
    if isinstance(betas, (tuple, list)):
        for i, beta in enumerate(betas):
            if not _is_number(beta):
                raise TypeError(f"Invalid beta parameter at index {i}: {beta!r} ({optimizer} "
                                f"expects a number, got {type(beta).__name__})")


def check_hyperparameter(optimizer, description, value, valid, expected):
    """Raise torch's ValueError ("Invalid learning rate: -1"), plus what was expected."""
    if not valid:
        raise ValueError(f"Invalid {description}: {value} ({optimizer} expects {expected})")


def check_betas(optimizer, betas):
    """Both betas in [0, 1), torch's wording for each."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"Invalid betas: {betas!r} ({optimizer} expects a pair (beta1, beta2))")
    for i, beta in enumerate(betas):
        check_hyperparameter(optimizer, f"beta parameter at index {i}", beta,
                             0.0 <= beta < 1.0, "0 <= beta < 1")


def check_common(optimizer, options, lr=True, eps=True, weight_decay=True):
    """lr >= 0, eps >= 0, weight_decay >= 0: the checks most optimisers share."""
    if lr:
        lr = options["lr"]
        check_hyperparameter(optimizer, "learning rate", lr,
                             isinstance(lr, numbers.Real) and lr >= 0.0, "lr >= 0")
    if eps:
        check_hyperparameter(optimizer, "epsilon value", options["eps"], options["eps"] >= 0.0,
                             "eps >= 0")
    if weight_decay:
        check_hyperparameter(optimizer, "weight_decay value", options["weight_decay"],
                             options["weight_decay"] >= 0.0, "weight_decay >= 0")


def zeros_state(param):
    """A zero buffer shaped and typed like the parameter, as a Tensor (for `state`)."""
    return Tensor(np.zeros_like(param))
