"""`python -m benchmarks`: every workload for glassgrad and PyTorch in turn, in one run.

Prints steps/s (µs/op for the overhead rows), the speed ratio glassgrad/PyTorch (> 1 means
glassgrad is faster), the peak extra memory of a few training steps for each, and, for the MLP
workloads, the speed of a hand-written numpy step (benchmarks/reference.py) as a ratio to
PyTorch: the most any numpy engine can reach on this machine.
"""
import argparse
import datetime
import os
import platform
import statistics
from collections import namedtuple


def limit_threads(threads):
    """Same thread count for both frameworks; must run before numpy is first imported."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    try:
        import torch
        torch.set_num_threads(threads)
    except ImportError:
        pass


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _fmt(value, unit):
    if value is None:
        return "—"
    return f"{value:.2f}" if unit == "us/op" else f"{value:,.1f}"


Result = namedtuple("Result", "name ours theirs ratio mem_ours mem_theirs mem_ratio hand "
                              "hand_ratio ratio_low ratio_high")


def _measure(workload, args, have_torch):
    """Speeds (medians over --rounds) and the speed ratio's median and range over the rounds.

    Each round times glassgrad, the numpy reference (next to glassgrad: both use numpy's BLAS)
    and torch in turn, so every round's ratio compares runs taken seconds apart.
    """
    from .runner import time_workload          # imported after limit_threads, as in main
    timing = dict(repeats=args.repeats, min_time=args.min_time,
                  settle=0.3 if args.min_time >= 0.05 else 0.0)     # the smoke test: none
    speeds = {"glassgrad": [], "numpy": [], "torch": []}
    frameworks = ["glassgrad"]
    if workload.build_reference is not None and not args.no_reference:
        frameworks.append("numpy")
    if have_torch:
        frameworks.append("torch")
    for _ in range(args.rounds):
        for framework in frameworks:
            speeds[framework].append(time_workload(workload, framework, **timing))
    faster = (lambda ours, theirs: theirs / ours) if workload.unit == "us/op" else \
        (lambda ours, theirs: ours / theirs)
    ratios = [faster(o, t) for o, t in zip(speeds["glassgrad"], speeds["torch"])]
    hand_ratios = [h / t for h, t in zip(speeds["numpy"], speeds["torch"])]
    median = lambda values: statistics.median(values) if values else None   # noqa: E731
    return Result(workload.name, median(speeds["glassgrad"]), median(speeds["torch"]),
                  median(ratios), None, None, None, median(speeds["numpy"]),
                  median(hand_ratios), min(ratios, default=None), max(ratios, default=None))


def _ratio(value, low=None, high=None):
    if value is None:
        return "—"
    spread = f" ({low:.2f}–{high:.2f})" if low is not None and high is not None and \
        low != high else ""
    return f"{value:.2f}×{spread}"


def _row(r, unit):
    return (f"| {r.name} | {unit} | {_fmt(r.ours, unit)} | {_fmt(r.theirs, unit)} | "
            f"{_ratio(r.ratio, r.ratio_low, r.ratio_high)} | "
            f"{'—' if r.mem_ours is None else f'{r.mem_ours:.1f}'} | "
            f"{'—' if r.mem_theirs is None else f'{r.mem_theirs:.1f}'} | "
            f"{_ratio(r.mem_ratio)} | {_fmt(r.hand, unit)} | {_ratio(r.hand_ratio)} |")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", nargs="*", help="workload names to run (default: all)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=1,
                        help="time every framework this many times in turn; the table shows "
                             "median speeds and the ratio's median (range)")
    parser.add_argument("--min-time", type=float, default=0.2,
                        help="seconds per timed repetition")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="batch-size multiplier (the smoke test uses a tiny one)")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory probes")
    parser.add_argument("--no-torch", action="store_true", help="glassgrad only")
    parser.add_argument("--no-reference", action="store_true",
                        help="skip the hand-written numpy steps")
    args = parser.parse_args(argv)
    limit_threads(args.threads)

    from .runner import matmul_gflops, measure_memory
    from .workloads import workloads
    try:
        import torch  # noqa: F401
        have_torch = not args.no_torch
    except ImportError:
        have_torch = False

    print(f"# glassgrad benchmarks, {datetime.date.today()}, {_cpu_name()}, "
          f"{args.threads} threads, float32")
    line = f"numpy 1024² matmul: {matmul_gflops('numpy'):.0f} GFLOP/s"
    if have_torch:
        line += f"; torch: {matmul_gflops('torch'):.0f} GFLOP/s"
    print(line + "\n")
    print("| workload | unit | glassgrad | PyTorch | speed ratio | peak MiB glassgrad | "
          "peak MiB PyTorch | memory ratio | numpy by hand | by hand / PyTorch |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    results = []
    for workload in workloads(args.scale):
        if args.only and workload.name not in args.only and \
                workload.name.split(" ")[0] not in args.only:
            continue
        result = _measure(workload, args, have_torch)
        if not args.no_memory and workload.unit == "steps/s":
            mem_ours = measure_memory(workload.name, "glassgrad", args.threads, args.scale)
            mem_theirs = measure_memory(workload.name, "torch", args.threads, args.scale) \
                if have_torch else None
            result = result._replace(
                mem_ours=mem_ours, mem_theirs=mem_theirs,
                mem_ratio=mem_ours / mem_theirs if mem_ours is not None and mem_theirs else None)
        results.append(result)
        print(_row(result, workload.unit), flush=True)
    return results


if __name__ == "__main__":
    main()
