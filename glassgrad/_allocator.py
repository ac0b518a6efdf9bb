"""Keep glibc from returning large numpy temporaries to the OS after every step.

glibc serves blocks of 128 KiB and more (a 64×512 float32 array) with mmap and unmaps them on
free, so a training step that allocates tens of MB of temporaries page-faults all of them in
again on the next step. Raising the mmap and trim thresholds keeps those blocks in the heap
for reuse; shared/PERFORMANCE.md measured this doubling a numpy CNN step. Done once, at import,
and only where the C library is glibc; elsewhere it is a no-op.
"""
import ctypes
import ctypes.util
import platform

M_TRIM_THRESHOLD = -1
M_TOP_PAD = -2
M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD = 32 * 1024 * 1024    # glibc's largest allowed value on 64-bit systems
TRIM_THRESHOLD = 512 * 1024 * 1024   # keep up to this much freed memory at the heap's top
TOP_PAD = 64 * 1024 * 1024           # grow the heap in large steps

tuned = False


def tune_malloc():
    """Raise glibc's mmap/trim thresholds (once); returns True when applied."""
    global tuned
    if tuned:
        return True
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    tuned = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                 and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
                 and mallopt(M_TOP_PAD, TOP_PAD))
    return tuned
