"""glassgrad.nn: layers, losses, initialisers and the Module system, with torch.nn's names.

Explicit re-exports only; each name lives in one file under nn/modules or nn/functional.
"""
from .parameter import Parameter
from .modules import Module, RemovableHandle
from . import functional, init
