"""glassgrad.nn: layers, losses, initialisers and the Module system, with torch.nn's names.

Explicit re-exports only; each name lives in one file under nn/modules or nn/functional.
"""
from .parameter import Parameter
from .modules import Module, RemovableHandle
from . import functional, init
from .modules import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, BatchNorm1d,
                      BatchNorm2d, Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d, GroupNorm,
                      InstanceNorm1d, InstanceNorm2d, LayerNorm, MaxPool1d, MaxPool2d)
