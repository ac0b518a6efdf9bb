"""Parameters ↔ one flat vector: what second-order methods, line searches and weight averaging
work with (torch.nn.utils.parameters_to_vector / vector_to_parameters)."""
from ...ops.movement import cat
from ...tensor import Tensor


def parameters_to_vector(parameters):
    """Concatenate the parameters, flattened, into one 1-D tensor (differentiable)."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D `vec` into the parameters' data, in order."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a glassgrad.Tensor, but got "
                        f"{type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(f"vector_to_parameters: vec must be 1-D, got shape {tuple(vec.shape)}")
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    parameters = list(parameters)
    total = sum(p.numel() for p in parameters)
    if total != vec.numel():
        raise ValueError(f"vector_to_parameters: vec has {vec.numel()} elements, the parameters "
                         f"{[tuple(p.shape) for p in parameters]} hold {total}")
    pointer = 0
    for p in parameters:
        n = p.numel()
        p._data[...] = vec._data[pointer:pointer + n].reshape(p.shape)
        pointer += n
