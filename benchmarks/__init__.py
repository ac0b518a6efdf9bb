"""glassgrad vs PyTorch, side by side in one process run, reported as ratios.

Run `python -m benchmarks` (add `--help` for options). Nothing here is imported by the package
or by the tests' assertions: speed is measured, never asserted.
"""
