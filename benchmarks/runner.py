"""Timing and memory measurement for the benchmark workloads.

Timing: build, warm up, then the median over several repetitions, each long enough (~0.2 s) to
swamp the timer's resolution. Memory: each (workload, framework) pair runs in its own child
process, because an allocator that keeps freed memory (glibc tuned by glassgrad, or torch's)
would hide the next workload's peak; the peak is the resident set's high-water mark during the
steps minus the resident set just before them (Linux: /proc/self/status, reset via clear_refs).
"""
import gc
import json
import os
import statistics
import subprocess
import sys
import time


def _tune_for(framework):
    """Every framework is timed in a process whose glibc allocator is tuned, as `fit` and
    `glassgrad train` run (glassgrad.tune_malloc, an explicit call since it changes the whole
    process; importing glassgrad used to make it, so the figures were measured this way)."""
    import glassgrad
    glassgrad.tune_malloc()


def time_workload(workload, framework, seed=0, repeats=7, min_time=0.2, settle=0.3):
    """Median speed: steps/s, or µs per op for the overhead workloads.

    framework: "glassgrad", "torch" or "numpy" (the hand-written reference, where there is one).
    settle: seconds to sleep first. After its last call, a BLAS or OpenMP pool keeps its
    worker threads spinning for a while (OpenBLAS ~0.1 s): measured on 2 cores, torch's mlp
    ran at 163 steps/s right after glassgrad's and at 271 after a 0.3 s pause.
    """
    time.sleep(settle)
    _tune_for(framework)
    build = {"glassgrad": workload.build_glassgrad, "torch": workload.build_torch,
             "numpy": workload.build_reference}[framework]
    step = build(seed)
    for _ in range(3):
        step()
    # Calibrate the number of calls per repetition.
    calls, elapsed = 1, 0.0
    while elapsed < min_time / 4:
        start = time.perf_counter()
        for _ in range(calls):
            step()
        elapsed = time.perf_counter() - start
        if elapsed < min_time / 4:
            calls *= 4
    calls = max(1, int(calls * min_time / max(elapsed, 1e-9)))
    rates = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        for _ in range(calls):
            step()
        seconds = time.perf_counter() - start
        rates.append(seconds / calls * 1e6 if workload.unit == "us/op" else calls / seconds)
    return statistics.median(rates)


def _status_kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not found in /proc/self/status")


def measure_memory_here(workload, framework, seed=0, steps=5):
    """Peak extra resident memory (MiB) of `steps` training steps, in this process."""
    _tune_for(framework)
    build = workload.build_glassgrad if framework == "glassgrad" else workload.build_torch
    step = build(seed)
    gc.collect()
    before = _status_kib("VmRSS")
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")                      # reset VmHWM to the current resident size
    for _ in range(steps):
        step()
    return (_status_kib("VmHWM") - before) / 1024


def measure_memory(name, framework, threads, scale):
    """Run measure_memory_here in a child process; None where the platform cannot tell."""
    if not os.path.exists("/proc/self/clear_refs"):
        return None
    command = [sys.executable, "-m", "benchmarks.memory", name, framework,
               "--threads", str(threads), "--scale", str(scale)]
    result = subprocess.run(command, capture_output=True, text=True, env=os.environ.copy())
    if result.returncode != 0:
        raise RuntimeError(f"memory probe for {name} ({framework}) failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])["peak_mib"]


def matmul_gflops(framework, n=1024, repeats=5):
    """GFLOP/s of an n×n float32 matmul: the machine's reference speed."""
    import numpy as np
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    if framework == "torch":
        import torch
        a = torch.from_numpy(a)
        mm = torch.matmul
    else:
        mm = np.matmul
    mm(a, a)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        mm(a, a)
        times.append(time.perf_counter() - start)
    return 2 * n ** 3 / min(times) / 1e9
