"""`glassgrad.cuda`, as torch.cuda on a machine without a GPU: glassgrad runs on the CPU.

Course programs write `device = 'cuda' if torch.cuda.is_available() else 'cpu'`; here that picks
'cpu'. Asking for 'cuda' itself (`x.cuda()`, `x.to('cuda')`) is an error that says so.
"""


def is_available():
    """False: glassgrad computes with numpy on the CPU only."""
    return False


def device_count():
    """0 GPUs."""
    return 0


def manual_seed(seed):
    """Does nothing, as torch.cuda.manual_seed without CUDA ("silently ignored"): seeding
    helpers call it next to `glassgrad.manual_seed`, which seeds glassgrad's one generator."""


def manual_seed_all(seed):
    """Does nothing, as torch.cuda.manual_seed_all without CUDA (see `manual_seed`)."""
