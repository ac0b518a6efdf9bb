"""Pruning methods: each computes a 0/1 mask for one parameter (torch.nn.utils.prune's classes).

A pruned parameter `weight` becomes `weight_orig` (the Parameter that trains) and a
`weight_mask` buffer; a forward pre-hook (the method object itself) recomputes
`weight = weight_orig * weight_mask` before every forward, so the gradient reaching
`weight_orig` is zero wherever the mask is zero. Pruning the same parameter again wraps the
methods in a `PruningContainer`, which lets the new method choose only among the entries (or,
for structured methods, the channels) that are still unpruned: amounts compose relative to what
is left, as in torch.

Tie rule (explicit, where torch's `topk` leaves it to the implementation): entries with equal
scores are pruned in increasing flat-index order (a stable sort of the scores), and structured
methods keep, among channels of equal norm, the lower-indexed ones.

- Paper: LeCun, Denker & Solla, "Optimal Brain Damage", NeurIPS 1990 (pruning by saliency);
  Han, Pool, Tran & Dally, "Learning both Weights and Connections for Efficient Neural
  Networks", NeurIPS 2015 (magnitude pruning); Li, Kadav, Durdanovic, Samet & Graf, "Pruning
  Filters for Efficient ConvNets", ICLR 2017 (L1 norm of filters, structured).
"""
import numbers

import numpy as np

from ..creation import tensor as _tensor
from ..nn import Parameter
from ..tensor import Tensor


def _array(t):
    """A Tensor's (or array's) values as a numpy array, without a graph."""
    return t.detach().numpy() if isinstance(t, Tensor) else np.asarray(t)


def validate_amount_init(amount):
    """torch's check of `amount` when a method is made: a float in [0, 1] or an int >= 0."""
    if isinstance(amount, bool) or not isinstance(amount, numbers.Real):
        raise TypeError(f"Invalid type for amount: {amount}. Must be int or float.")
    if (isinstance(amount, numbers.Integral) and amount < 0) or (
            not isinstance(amount, numbers.Integral) and (float(amount) > 1.0
                                                          or float(amount) < 0.0)):
        raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a "
                         "non-negative integer")


def nparams_toprune(amount, tensor_size):
    """How many of `tensor_size` entries to prune: an int as given, a float's rounded share;
    more than there are is an error in torch's words."""
    if isinstance(amount, numbers.Integral):
        if amount > tensor_size:
            raise ValueError(f"amount={amount} should be smaller than the number of parameters "
                             f"to prune={tensor_size}")
        return int(amount)
    return int(round(amount * tensor_size))


def lowest(scores, k):
    """Flat indices of the k smallest scores; ties go to the lower index (stable sort)."""
    return np.argsort(scores.reshape(-1), kind="stable")[:k]


class BasePruningMethod:
    """A pruning method: `compute_mask(t, default_mask)` says which entries survive.

    `PRUNING_TYPE` is "unstructured" (single entries), "structured" (whole channels along
    `dim`) or "global"; a PruningContainer uses it to restrict a new method to what is left.
    The object is also the forward pre-hook that recomputes the pruned tensor.
    """
    PRUNING_TYPE = None
    _tensor_name = None

    def __call__(self, module, inputs):
        setattr(module, self._tensor_name, self.apply_mask(module))

    def compute_mask(self, t, default_mask):
        raise NotImplementedError(f"{type(self).__name__} must define compute_mask")

    def apply_mask(self, module):
        """`name_orig * name_mask`, a differentiable product (the mask is a constant)."""
        name = self._tensor_name
        if name is None:
            raise ValueError(f"Module {module} has to be pruned")
        return getattr(module, name + "_orig") * getattr(module, name + "_mask")

    @classmethod
    def apply(cls, module, name, *args, importance_scores=None, **kwargs):
        """Prune `module.name` with a new `cls(*args, **kwargs)`; returns the method (or the
        container it joined). `importance_scores` (same shape) replaces the parameter's values
        as the scores the mask is computed from."""
        old_method = None
        hooks = module._forward_pre_hooks
        found = [k for k, hook in hooks.items()
                 if isinstance(hook, BasePruningMethod) and hook._tensor_name == name]
        if len(found) > 1:
            raise RuntimeError(f"more than one pruning hook on parameter '{name}' of {module}")
        if found:
            old_method = hooks[found[0]]        # replaced once the new mask is made
        orig = getattr(module, name)              # AttributeError names a missing parameter
        if importance_scores is not None and tuple(importance_scores.shape) != tuple(orig.shape):
            raise ValueError(f"importance_scores should have the same shape as parameter "
                             f"{name} of {module}: got {tuple(importance_scores.shape)}, "
                             f"expected {tuple(orig.shape)}")
        method = cls(*args, **kwargs)
        method._tensor_name = name
        if old_method is not None:
            if isinstance(old_method, PruningContainer):
                old_method.add_pruning_method(method)
                method = old_method
            else:
                container = PruningContainer(old_method)
                container.add_pruning_method(method)
                method = container
        first = old_method is None
        if first and not isinstance(orig, Parameter):
            raise TypeError(f"prune: '{name}' of {type(module).__name__} is a "
                            f"{type(orig).__name__}, not a Parameter")
        default_mask = np.ones(orig.shape, dtype=np.float32) if first \
            else _array(getattr(module, name + "_mask")).copy()
        scores = _array(orig if importance_scores is None else importance_scores)
        try:          # the mask first: a bad amount or mask leaves the module as it was
            mask = method.compute_mask(scores, default_mask=default_mask)
        except Exception:
            if isinstance(old_method, PruningContainer) and old_method is method:
                old_method._pruning_methods = old_method._pruning_methods[:-1]
            raise
        if found:
            del hooks[found[0]]
        if first:
            # The first pruning of this parameter: it is kept under name_orig and trains there.
            module.register_parameter(name + "_orig", orig)
            del module._parameters[name]
        if name + "_mask" in module._buffers:
            module._buffers[name + "_mask"] = _tensor(mask.astype(np.float32))
        else:
            module.register_buffer(name + "_mask", _tensor(mask.astype(np.float32)))
        setattr(module, name, method.apply_mask(module))
        module.register_forward_pre_hook(method)
        return method

    def prune(self, t, default_mask=None, importance_scores=None):
        """The pruned values of `t` (a numpy array), without touching any module."""
        t = _array(t)
        scores = t if importance_scores is None else _array(importance_scores)
        default_mask = np.ones_like(t) if default_mask is None else _array(default_mask)
        return t * self.compute_mask(scores, default_mask=default_mask)

    def remove(self, module):
        """Make the pruning permanent: `name` becomes a Parameter holding orig * mask, and
        name_orig, name_mask go away (the hook is removed by the caller)."""
        name = self._tensor_name
        if name is None:
            raise ValueError(f"Module {module} has to be pruned before pruning can be removed")
        weight = self.apply_mask(module)
        if hasattr(module, name):
            delattr(module, name)
        orig = module._parameters[name + "_orig"]
        orig.data = weight.data
        del module._parameters[name + "_orig"]
        del module._buffers[name + "_mask"]
        setattr(module, name, orig)


class PruningContainer(BasePruningMethod):
    """The methods applied, in order, to one parameter; the newest one sees only the entries
    (unstructured) or the channels (structured) the earlier ones left."""

    def __init__(self, *methods):
        self._pruning_methods = ()
        for method in methods:
            self.add_pruning_method(method)

    def add_pruning_method(self, method):
        if not isinstance(method, BasePruningMethod) and method is not None:
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method is not None and self._tensor_name is not None \
                and self._tensor_name != method._tensor_name:
            raise ValueError(f"Can only add pruning methods acting on the parameter named "
                             f"'{self._tensor_name}' to PruningContainer. Found "
                             f"'{method._tensor_name}'")
        if method is not None:
            self._tensor_name = method._tensor_name
            self._pruning_methods += (method,)

    def __len__(self):
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, index):
        return self._pruning_methods[index]

    def compute_mask(self, t, default_mask):
        method = self._pruning_methods[-1]
        new_mask = default_mask.copy()
        if method.PRUNING_TYPE == "unstructured":
            keep = default_mask == 1                   # the entries still unpruned
            new_mask[keep] = method.compute_mask(t[keep], default_mask=default_mask[keep])
        elif method.PRUNING_TYPE == "global":          # a given mask: the whole tensor
            new_mask = method.compute_mask(t, default_mask=default_mask)
        elif method.PRUNING_TYPE == "structured":
            dim = method.dim if method.dim >= 0 else t.ndim + method.dim
            others = tuple(d for d in range(t.ndim) if d != dim)
            alive = default_mask.sum(axis=others) != 0          # channels not yet pruned
            index = [slice(None)] * t.ndim
            index[dim] = alive
            index = tuple(index)
            new_mask[index] = method.compute_mask(t[index], default_mask=default_mask[index])
        else:
            raise ValueError(f"Unrecognized PRUNING_TYPE {method.PRUNING_TYPE}")
        return new_mask


class Identity(BasePruningMethod):
    """Prunes nothing: the mask is all ones (a way to reparametrise without pruning)."""
    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t, default_mask):
        return default_mask.copy()


class RandomUnstructured(BasePruningMethod):
    """Prune `amount` of the entries chosen uniformly at random.

    Args: amount: a float in [0, 1] (a share) or an int (a count); generator: an optional
        numpy Generator (default: numpy's global stream).
    """
    PRUNING_TYPE = "unstructured"

    def __init__(self, amount, generator=None):
        validate_amount_init(amount)
        self.amount, self.generator = amount, generator

    def compute_mask(self, t, default_mask):
        k = nparams_toprune(self.amount, t.size)
        mask = default_mask.copy()
        rng = self.generator if self.generator is not None else np.random
        mask.reshape(-1)[rng.permutation(t.size)[:k]] = 0
        return mask


class L1Unstructured(BasePruningMethod):
    """Prune the `amount` entries of smallest absolute value (magnitude pruning)."""
    PRUNING_TYPE = "unstructured"

    def __init__(self, amount):
        validate_amount_init(amount)
        self.amount = amount

    def compute_mask(self, t, default_mask):
        k = nparams_toprune(self.amount, t.size)
        mask = default_mask.copy()
        mask.reshape(-1)[lowest(np.abs(t), k)] = 0
        return mask


def _structured(t):
    if t.ndim < 2:
        raise ValueError(f"Structured pruning can only be applied to multidimensional tensors. "
                         f"Found tensor of shape {tuple(t.shape)} with {t.ndim} dims")


def _channel_mask(t, dim, keep):
    """Ones on the channels `keep` (a boolean vector along dim), zeros elsewhere."""
    mask = np.zeros_like(t, dtype=np.float32)
    index = [slice(None)] * t.ndim
    index[dim] = keep
    mask[tuple(index)] = 1
    return mask


class RandomStructured(BasePruningMethod):
    """Prune `amount` of the channels along `dim` (whole rows for dim=0: output units),
    chosen at random."""
    PRUNING_TYPE = "structured"

    def __init__(self, amount, dim=-1, generator=None):
        validate_amount_init(amount)
        self.amount, self.dim, self.generator = amount, dim, generator

    def compute_mask(self, t, default_mask):
        _structured(t)
        channels = t.shape[self.dim]
        k = nparams_toprune(self.amount, channels)
        if k == 0:
            return default_mask.copy()
        rng = self.generator if self.generator is not None else np.random
        keep = np.ones(channels, dtype=bool)
        keep[rng.permutation(channels)[:k]] = False
        return _channel_mask(t, self.dim, keep) * default_mask


class LnStructured(BasePruningMethod):
    """Prune the `amount` channels along `dim` of smallest L`n` norm (n = 1, 2, inf, ...,
    or "fro"), the norm taken over all the other dimensions."""
    PRUNING_TYPE = "structured"

    def __init__(self, amount, n, dim=-1):
        validate_amount_init(amount)
        self.amount, self.n, self.dim = amount, n, dim

    def compute_mask(self, t, default_mask):
        _structured(t)
        dim = self.dim if self.dim >= 0 else t.ndim + self.dim
        channels = t.shape[dim]
        k = nparams_toprune(self.amount, channels)
        if k == 0:
            return default_mask.copy()
        flat = np.moveaxis(t, dim, 0).reshape(channels, -1)
        order = 2 if self.n == "fro" else self.n
        norms = np.linalg.norm(flat.astype(np.float64), ord=order, axis=1)
        keep = np.zeros(channels, dtype=bool)
        # keep the (channels - k) largest norms; among equal norms the lower index survives
        keep[np.argsort(-norms, kind="stable")[:channels - k]] = True
        return _channel_mask(t, dim, keep) * default_mask


class CustomFromMask(BasePruningMethod):
    """Prune with a given 0/1 mask (of the parameter's shape)."""
    PRUNING_TYPE = "global"

    def __init__(self, mask):
        self.mask = _array(mask)

    def compute_mask(self, t, default_mask):
        if tuple(default_mask.shape) != tuple(self.mask.shape):
            raise ValueError(f"custom_from_mask: mask of shape {tuple(self.mask.shape)} does "
                             f"not match the parameter's shape {tuple(default_mask.shape)}")
        return default_mask * self.mask.astype(default_mask.dtype)


__all__ = ["BasePruningMethod", "CustomFromMask", "Identity", "L1Unstructured",
           "LnStructured", "PruningContainer", "RandomStructured", "RandomUnstructured"]
