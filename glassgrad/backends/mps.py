"""`glassgrad.backends.mps`, as torch.backends.mps without Apple's GPU: glassgrad runs on the
CPU, so `'mps' if glassgrad.backends.mps.is_available() else 'cpu'` picks 'cpu'."""


def is_available():
    return False


def is_built():
    return False
