"""Reverse-mode automatic differentiation: the engine, grad mode, Function, derivative helpers."""
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .function import Function, once_differentiable
from .engine import backward, grad
from . import functional
from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = ["Function", "once_differentiable", "backward", "grad", "functional", "gradcheck",
           "gradgradcheck", "GradcheckError", "no_grad", "enable_grad", "set_grad_enabled",
           "is_grad_enabled"]
