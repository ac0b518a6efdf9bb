"""Child process of the memory measurement: `python -m benchmarks.memory NAME FRAMEWORK`."""
import argparse
import json
import os


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("name")
    parser.add_argument("framework", choices=["glassgrad", "torch"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    from .__main__ import limit_threads
    limit_threads(args.threads)
    from .workloads import workloads
    from .runner import measure_memory_here
    workload = next(w for w in workloads(args.scale) if w.name == args.name)
    print(json.dumps({"peak_mib": measure_memory_here(workload, args.framework)}))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
