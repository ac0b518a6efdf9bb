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


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", nargs="*", help="workload names to run (default: all)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=7)
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

    from .runner import matmul_gflops, measure_memory, time_workload
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
        timing = dict(repeats=args.repeats, min_time=args.min_time,
                      settle=0.3 if args.min_time >= 0.05 else 0.0)   # the smoke test: none
        ours = time_workload(workload, "glassgrad", **timing)
        hand = None                 # numpy by hand, next to glassgrad: both use numpy's BLAS
        if workload.build_reference is not None and not args.no_reference:
            hand = time_workload(workload, "numpy", **timing)
        theirs = time_workload(workload, "torch", **timing) if have_torch else None
        ratio = None
        if theirs:
            ratio = theirs / ours if workload.unit == "us/op" else ours / theirs
        mem_ours = mem_theirs = mem_ratio = None
        if not args.no_memory and workload.unit == "steps/s":
            mem_ours = measure_memory(workload.name, "glassgrad", args.threads, args.scale)
            if have_torch:
                mem_theirs = measure_memory(workload.name, "torch", args.threads, args.scale)
            if mem_ours is not None and mem_theirs:
                mem_ratio = mem_ours / mem_theirs
        hand_ratio = hand / theirs if hand and theirs else None
        results.append((workload.name, ours, theirs, ratio, mem_ours, mem_theirs, mem_ratio,
                        hand, hand_ratio))
        print(f"| {workload.name} | {workload.unit} | {_fmt(ours, workload.unit)} | "
              f"{_fmt(theirs, workload.unit)} | "
              f"{'—' if ratio is None else f'{ratio:.2f}×'} | "
              f"{'—' if mem_ours is None else f'{mem_ours:.1f}'} | "
              f"{'—' if mem_theirs is None else f'{mem_theirs:.1f}'} | "
              f"{'—' if mem_ratio is None else f'{mem_ratio:.2f}×'} | "
              f"{_fmt(hand, workload.unit)} | "
              f"{'—' if hand_ratio is None else f'{hand_ratio:.2f}×'} |", flush=True)
    return results


if __name__ == "__main__":
    main()
