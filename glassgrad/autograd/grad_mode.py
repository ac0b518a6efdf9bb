"""Grad mode: whether ops record the graph. `no_grad`, `enable_grad`, `set_grad_enabled`.

Each works as a context manager and as a decorator, as in PyTorch. The mode is per thread, as
torch's is: one trainer thread's `no_grad` (or a backward running in another thread) leaves the
others recording. The per-op check in `Function.apply` is one attribute of a thread-local.
"""
import functools
import threading


class _ThreadState(threading.local):
    """What each thread has of its own: grad mode, and the debugging aids active in it
    (glassgrad.debug's detect_anomaly and strict_broadcasting, see autograd/function.py).
    Class attributes are every new thread's starting values."""
    enabled = True
    debug_modes = ()


_state = _ThreadState()


def is_grad_enabled():
    """True when new ops record the graph for backward (in this thread)."""
    return _state.enabled


class _GradMode:
    """Grad mode `mode` inside a `with` block or a decorated function; the previous mode after."""

    def __init__(self, mode):
        self.mode = bool(mode)

    def __enter__(self):
        self.prev, _state.enabled = _state.enabled, self.mode
        return self

    def __exit__(self, *exc):
        _state.enabled = self.prev
        return False

    def __call__(self, func):
        mode = self.mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with _GradMode(mode):          # a fresh one per call: calls may nest or recurse
                return func(*args, **kwargs)

        return wrapper


class set_grad_enabled(_GradMode):
    """Set grad mode to `mode` for a `with` block (or a decorated function), then restore it.

    Like torch, calling `set_grad_enabled(False)` outside a `with` also sets the mode at once.
    """

    def __init__(self, mode=True):
        super().__init__(mode)
        super().__enter__()            # at once; the `with` then only has to restore

    def __enter__(self):
        return self

    def __call__(self, func):
        # Used as a decorator: the constructor already switched the mode; undo that and
        # apply the mode around each call instead.
        self.__exit__()
        return super().__call__(func)


class no_grad(_GradMode):
    """Ops inside record no graph: for evaluation and for in-place parameter updates."""

    def __init__(self):
        super().__init__(False)


class enable_grad(_GradMode):
    """Ops inside record the graph even within an enclosing `no_grad`."""

    def __init__(self):
        super().__init__(True)
