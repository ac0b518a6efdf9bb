"""`glassgrad.backends.cudnn`, as torch.backends.cudnn without a GPU.

Seeding helpers set `cudnn.deterministic = True` and `cudnn.benchmark = False`; they can here
too, and change nothing: glassgrad has no cuDNN, and numpy on the CPU is deterministic.
"""

deterministic = False
benchmark = False


def is_available():
    return False
