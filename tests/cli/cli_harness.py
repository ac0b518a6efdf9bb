"""What the tests of the `glassgrad` command share: run `glassgrad train` in-process, check
that stderr is one error line, read a run's files, and snapshot a folder to show it unchanged."""
import json
import os
import re

from glassgrad import cli

try:
    import matplotlib  # noqa: F401
    HAS_MATPLOTLIB = True
except ImportError:
    HAS_MATPLOTLIB = False

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CI_LINE = re.compile(r"^test accuracy (\d\.\d{3}) \(95% CI (\d\.\d{3})–(\d\.\d{3}), n=(\d+)\)$",
                     re.MULTILINE)


def train(out, *extra, data="mnist1d", model="logreg", epochs="2"):
    return cli.main(["train", "--data", data, "--model", model, "--epochs", epochs,
                     "--no-progress", "--out", str(out), *extra])


def one_error_line(err, prog):
    """stderr is exactly one line, `prog: error: ...`, and no traceback."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{prog}: error: "), err
    assert "Traceback" not in err
    return lines[0]


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def snapshot(folder):
    contents = {}
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as f:
            contents[name] = f.read()
    return contents
