"""`prepare` and `convert`: swap a model's layers for QAT wrappers, then for integer layers.

    model = quant.prepare(model, quant.default_qconfig())    # Linear -> QuantLinear, ...
    ... calibrate (run data through it) and/or train it (QAT) ...
    model = quant.convert(model)                              # QuantLinear -> Int8Linear, ...

Both return a new model (a deep copy) unless inplace=True; the swap follows torch.ao's
prepare_qat / convert in eager mode.
"""
import copy

from .int8 import Int8Conv1d, Int8Conv2d, Int8Linear
from .qat import QAT_MODULES, QConfig, QuantConv1d, QuantConv2d, QuantLinear
from .quantizer import FakeQuantize

INT8_MODULES = {QuantLinear: Int8Linear, QuantConv1d: Int8Conv1d, QuantConv2d: Int8Conv2d}


def _swap(model, mapping, make):
    swapped = []
    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if type(child) in mapping:
                # in place in _modules, so that a Sequential keeps its order
                module._modules[name] = make(mapping[type(child)], child)
                swapped.append(name)
    return swapped


def prepare(model, qconfig, inplace=False):
    """Every nn.Linear / Conv1d / Conv2d inside `model` becomes its QAT wrapper under qconfig."""
    if not isinstance(qconfig, QConfig):
        raise TypeError(f"prepare: qconfig must be a quant.QConfig, got "
                        f"{type(qconfig).__name__}")
    model = model if inplace else copy.deepcopy(model)
    if type(model) in QAT_MODULES:
        return QAT_MODULES[type(model)](model, qconfig)
    swapped = _swap(model, QAT_MODULES, lambda cls, child: cls(child, qconfig))
    if not swapped:
        raise ValueError(f"prepare: {type(model).__name__} has no Linear, Conv1d or Conv2d "
                         "layer to quantize")
    return model


def freeze_observers(model):
    """Stop every FakeQuantize in `model` updating its range (after calibration)."""
    for module in model.modules():
        if isinstance(module, FakeQuantize):
            module.enable_observer(False)
    return model


def convert(model, inplace=False):
    """Every QAT wrapper inside a prepared, calibrated `model` becomes its int8 layer."""
    if type(model) in INT8_MODULES:
        return INT8_MODULES[type(model)](model)
    if not any(type(m) in INT8_MODULES for m in model.modules()):
        raise ValueError(f"convert: {type(model).__name__} was never prepared (no QuantLinear, "
                         "QuantConv1d or QuantConv2d inside); call quant.prepare(model, "
                         "qconfig) and calibrate it first")
    model = model if inplace else copy.deepcopy(model)
    _swap(model, INT8_MODULES, lambda cls, child: cls(child))
    return model


def model_nbytes(model):
    """Bytes of the parameters (float layers) plus the integer layers' stored buffers."""
    total = 0
    for module in model.modules():
        if hasattr(module, "nbytes") and callable(module.nbytes):
            total += module.nbytes()
        else:
            total += sum(p._data.nbytes for p in module.parameters(recurse=False))
    return total


__all__ = ["prepare", "convert", "freeze_observers", "model_nbytes", "INT8_MODULES"]
