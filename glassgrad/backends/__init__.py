"""`glassgrad.backends`, as torch.backends on a CPU-only machine: `mps.is_available()` and
`cudnn.is_available()` are False, so programs that probe for a GPU pick the CPU."""
from . import cudnn, mps
