"""Module classes (torch.nn's layer names), re-exported by glassgrad.nn."""
from .module import Module, RemovableHandle
