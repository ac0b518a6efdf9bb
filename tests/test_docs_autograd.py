"""docs/autograd.md states each engine file's length: those figures are the files' own."""
import glob
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROW = re.compile(r"^\| `(glassgrad/[^`]+)` \| (\d+) \|", re.M)


def _lines(pattern):
    return sum(sum(1 for _ in open(path, encoding="utf-8"))
               for path in glob.glob(os.path.join(ROOT, pattern)))


def test_the_line_counts_in_the_engine_walk_match_the_files():
    with open(os.path.join(ROOT, "docs", "autograd.md"), encoding="utf-8") as f:
        rows = ROW.findall(f.read())
    assert len(rows) >= 10, "the table of engine files is missing from docs/autograd.md"
    wrong = {path: (int(stated), _lines(path)) for path, stated in rows
             if int(stated) != _lines(path)}
    assert not wrong, f"docs/autograd.md: stated vs actual line counts: {wrong}"
