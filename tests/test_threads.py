"""glassgrad.set_num_threads / get_num_threads (threadpoolctl) and what a run records about
the machine; glibc's allocator is tuned only by an explicit call."""
import json
import os
import subprocess
import sys

import pytest

import glassgrad
from glassgrad import threads

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_set_and_get_num_threads():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = glassgrad.get_num_threads()
    try:
        glassgrad.set_num_threads(1)
        assert glassgrad.get_num_threads() == 1
        blas = [pool for pool in threadpoolctl.threadpool_info() if pool["user_api"] == "blas"]
        assert blas and all(pool["num_threads"] == 1 for pool in blas)
        assert [info["threads"] for info in threads.blas_info()] == [1] * len(blas)
        assert threads.blas_info()[0]["library"] and threads.blas_info()[0]["version"]
    finally:
        glassgrad.set_num_threads(before)
    assert glassgrad.get_num_threads() == before
    for bad in (0, -2, 1.5, True, "2"):
        with pytest.raises(ValueError, match="set_num_threads: expected a positive integer"):
            glassgrad.set_num_threads(bad)


def test_without_threadpoolctl_the_error_names_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)
    with pytest.raises(ImportError, match=r"set_num_threads needs threadpoolctl, an optional "
                                          r"extra: pip install threadpoolctl \(or pip install "
                                          r"'glassgrad\[cli\]'\)"):
        glassgrad.set_num_threads(1)
    (info,) = threads.blas_info()                 # numpy's own record, threads unknown
    assert info["threads"] is None and "threadpoolctl" in info["note"]


def test_the_cli_threads_option_and_metrics_json(tmp_path):
    pytest.importorskip("threadpoolctl")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = tmp_path / "r"
    done = subprocess.run([sys.executable, "-m", "glassgrad", "train", "--model", "logreg",
                           "--epochs", "1", "--threads", "1", "--no-progress", "--out",
                           str(out)], env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    with open(out / "metrics.json", encoding="utf-8") as f:
        machine = json.load(f)["machine"]
    assert machine["blas_threads"] == 1
    assert machine["blas"][0]["threads"] == 1 and machine["blas"][0]["version"]
    assert machine["numpy"] and machine["cpus"] >= 1
    if os.path.exists("/proc/cpuinfo"):
        assert machine["cpu"]                         # e.g. "AMD EPYC 9R14 96-Core Processor"
    assert machine["malloc_tuned"] is glassgrad._allocator.tune_malloc()
    untuned = subprocess.run([sys.executable, "-m", "glassgrad", "train", "--model", "logreg",
                              "--epochs", "1", "--no-tune-malloc", "--no-progress", "--out",
                              str(tmp_path / "untuned")], env=env, capture_output=True,
                             text=True, timeout=120, check=False)
    assert untuned.returncode == 0, untuned.stderr
    with open(tmp_path / "untuned" / "metrics.json", encoding="utf-8") as f:
        assert json.load(f)["machine"]["malloc_tuned"] is False


ALLOCATOR_PROBE = """
import glassgrad, glassgrad._allocator as a
from glassgrad import nn, optim
from glassgrad.train import fit
after_import = a.tuned
model = nn.Linear(2, 2)
batches = [(glassgrad.randn(4, 2), glassgrad.tensor([0, 1, 0, 1]))]
fit(model, batches, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), 1,
    verbose=0, tune_malloc={flag})
print(after_import, a.tuned)
"""


@pytest.mark.parametrize("flag, tuned", [(False, "False"), (True, "True")])
def test_importing_glassgrad_leaves_the_allocator_alone_fit_tunes_it_unless_told_not(
        flag, tuned):
    import platform
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        pytest.skip("the tuning applies to glibc only")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run([sys.executable, "-c", ALLOCATOR_PROBE.format(flag=flag)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", tuned]
