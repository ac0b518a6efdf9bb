"""Grad mode: whether ops record the graph. `no_grad`, `enable_grad`, `set_grad_enabled`.

Each works as a context manager and as a decorator, as in PyTorch. The flag is one
module-level boolean so that the per-op check in `Function.apply` stays a single lookup.
"""
import functools

_enabled = True


def is_grad_enabled():
    """True when new ops record the graph for backward."""
    return _enabled


class set_grad_enabled:
    """Set grad mode to `mode` for a `with` block (or a decorated function), then restore it.

    Like torch, calling `set_grad_enabled(False)` outside a `with` also sets the mode at once.
    """

    def __init__(self, mode=True):
        global _enabled
        self.prev = _enabled
        self.mode = bool(mode)
        _enabled = self.mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        global _enabled
        _enabled = self.prev
        return False

    def __call__(self, func):
        # Used as a decorator: the constructor already switched the mode; undo that and
        # apply the mode around each call instead.
        self.__exit__()
        return _with_mode(func, self.mode)


class _ModeContext:
    """Base of `no_grad`/`enable_grad`: a fixed mode for a block or a decorated function."""

    mode = True

    def __enter__(self):
        global _enabled
        self.prev = _enabled
        _enabled = self.mode
        return self

    def __exit__(self, *exc):
        global _enabled
        _enabled = self.prev
        return False

    def __call__(self, func):
        return _with_mode(func, self.mode)


def _with_mode(func, mode):
    """`func` wrapped to run with grad mode set to `mode` (what the decorators return)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with set_grad_enabled(mode):
            return func(*args, **kwargs)

    return wrapper


class no_grad(_ModeContext):
    """Ops inside record no graph: for evaluation and for in-place parameter updates."""

    mode = False


class enable_grad(_ModeContext):
    """Ops inside record the graph even within an enclosing `no_grad`."""

    mode = True
