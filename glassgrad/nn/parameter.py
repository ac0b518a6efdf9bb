"""`Parameter`: a Tensor that a Module owns and an optimiser trains.

Assigning a Parameter to a Module attribute registers it (`Module.__setattr__`), which is how
`module.parameters()` finds the weights without the layer listing them (torch.nn.Parameter).
"""
import numpy as np

from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf Tensor with `requires_grad=True` by default, registered by `Module.__setattr__`.

    Args:
        data: a Tensor or numpy array (shared, not copied, as in torch); an empty float tensor
            when None.
        requires_grad: False for a frozen parameter.

    Example::

        w = Parameter(glassgrad.randn(3, 4))
        w.requires_grad, w.is_leaf        # (True, True)
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            from ..dtypes import get_default_dtype
            data = np.empty(0, dtype=get_default_dtype())
        elif isinstance(data, Tensor):
            data = data._data          # share the array; the graph (if any) is left behind
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        # copy.deepcopy(module) must give Parameters back, with their flag and a copied array.
        return (_rebuild_parameter, (self._data, self.requires_grad, self.grad))


def _rebuild_parameter(data, requires_grad, grad):
    param = Parameter(data, requires_grad)
    param.grad = grad
    return param
