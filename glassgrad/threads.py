"""BLAS threads: `set_num_threads(n)` / `get_num_threads()` with torch's names, and what a run
records about the machine's linear algebra (`blas_info`, `cpu_name`).

glassgrad's matrix products run in numpy's BLAS (OpenBLAS, MKL, ...), whose thread pool sets
how a product's sums are split, and so (in float32) its last bits: the thread count is part of
what makes a result reproducible. The pool is resized at run time through threadpoolctl (an
optional extra: pip install threadpoolctl, or "glassgrad[cli]"), the well-kept library that
knows each BLAS's own call for it.

    glassgrad.set_num_threads(1)          # like torch.set_num_threads(1)
    glassgrad.get_num_threads()           # 1
"""
import os
import platform

import numpy as np

INSTALL = "pip install threadpoolctl (or pip install 'glassgrad[cli]')"


def _threadpoolctl(what):
    try:
        import threadpoolctl
    except ImportError:
        raise ImportError(f"{what} needs threadpoolctl, an optional extra: {INSTALL}") from None
    return threadpoolctl


def _blas_pools(threadpoolctl):
    return [pool for pool in threadpoolctl.threadpool_info() if pool.get("user_api") == "blas"]


def set_num_threads(n):
    """Use `n` threads in numpy's BLAS from now on (for the whole process)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive integer, got {n!r}")
    threadpoolctl = _threadpoolctl("set_num_threads")
    if not _blas_pools(threadpoolctl):
        raise RuntimeError("set_num_threads: threadpoolctl finds no BLAS library loaded by numpy,"
                           " so there is no thread pool to size")
    threadpoolctl.threadpool_limits(limits=int(n), user_api="blas")


def get_num_threads():
    """The number of threads numpy's BLAS uses (the largest pool's, if there are several)."""
    threadpoolctl = _threadpoolctl("get_num_threads")
    pools = _blas_pools(threadpoolctl)
    if not pools:
        raise RuntimeError("get_num_threads: threadpoolctl finds no BLAS library loaded by numpy")
    return max(int(pool["num_threads"]) for pool in pools)


def blas_info():
    """[{library, version, threads, threading}] for each BLAS numpy has loaded; without
    threadpoolctl, numpy's build record of its BLAS (threads None: unknown)."""
    try:
        import threadpoolctl
    except ImportError:
        return [dict(_numpy_blas(), threads=None,
                     note=f"threads unknown without threadpoolctl: {INSTALL}")]
    return [{"library": pool.get("internal_api"), "version": pool.get("version"),
             "threads": pool.get("num_threads"), "threading": pool.get("threading_layer"),
             "path": pool.get("filepath")} for pool in _blas_pools(threadpoolctl)]


def _numpy_blas():
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except (TypeError, KeyError):             # numpy < 1.26 has no mode="dicts"
        return {"library": None, "version": None}
    return {"library": blas.get("name"), "version": blas.get("version")}


def cpu_name():
    """The processor's model name ("AMD EPYC 9R14 ..."), or None where it cannot be read."""
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    return platform.processor() or None


__all__ = ["blas_info", "cpu_name", "get_num_threads", "set_num_threads"]
