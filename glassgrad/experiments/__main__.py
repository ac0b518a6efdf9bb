"""`python -m glassgrad.experiments ...`: the same as `glassgrad experiments ...`
(glassgrad/cli/experiments.py)."""
import sys

from ..cli import main

if __name__ == "__main__":
    sys.exit(main(["experiments", *sys.argv[1:]]))
