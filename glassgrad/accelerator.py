"""`glassgrad.accelerator`, as torch.accelerator: there is none, glassgrad runs on the CPU.

So `device = glassgrad.accelerator.current_accelerator() or 'cpu'` (torch's device-agnostic
idiom) picks the CPU, and `is_available()` is False.
"""


def is_available():
    """False: glassgrad has no accelerator (it computes with numpy on the CPU)."""
    return False


def current_accelerator(check_available=False):
    """None, as torch.accelerator.current_accelerator() returns where there is no accelerator."""
    return None


def device_count():
    """0 accelerators."""
    return 0
