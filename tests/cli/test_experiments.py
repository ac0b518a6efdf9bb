"""`glassgrad experiments list | run` (and `python -m glassgrad.experiments`, the same
command): the registry from the shell, its results as JSON without long curves, and its
errors."""
import json
import os
import subprocess
import sys

import pytest

from glassgrad import cli, experiments

from cli_harness import ROOT, one_error_line


def test_experiments_list_and_run(tmp_path, capsys):
    from glassgrad import experiments
    assert cli.main(["experiments", "list"]) == 0
    listed = capsys.readouterr().out
    for name in experiments.list_experiments():
        assert name in listed
    assert cli.main(["experiments", "run", "nonesuch"]) == 2
    assert "unknown experiment 'nonesuch'" in one_error_line(
        capsys.readouterr().err, "glassgrad experiments run")
    pytest.importorskip("matplotlib")
    assert cli.main(["experiments", "run", "initialisation", "--size", "small", "--out",
                     str(tmp_path / "figs")]) == 0
    results = capsys.readouterr().out
    assert '"schemes"' in results and f"figures in {tmp_path / 'figs'}" in results
    assert any(f.endswith(".png") for f in os.listdir(tmp_path / "figs"))


def test_command_line_list_and_errors(capsys):
    assert cli.main(["experiments", "list"]) == 0
    assert "optimizer_comparison" in capsys.readouterr().out
    assert cli.main(["experiments", "run", "nope"]) == 2
    assert "unknown experiment 'nope'" in capsys.readouterr().err
    # A bad --size is a usage error (status 2, one line), like every other bad command line; the
    # second parser `python -m glassgrad.experiments` had was argparse's own (SystemExit).
    assert cli.main(["experiments", "run", "optimizer_comparison", "--size", "huge"]) == 2
    assert "invalid choice: 'huge'" in one_error_line(capsys.readouterr().err,
                                                      "glassgrad experiments run")


def test_command_line_run_prints_the_results_without_long_curves(tmp_path, capsys):
    @experiments.register("_probe_cli", "a probe")
    def probe(size="small", out_dir=None, seed=0):
        return {"size": size, "seed": seed, "out": out_dir, "losses": [1.0, 0.5],
                "curve": list(range(100))}

    try:
        assert cli.main(["experiments", "run", "_probe_cli", "--size", "full", "--out",
                         str(tmp_path), "--seed", "7"]) == 0
    finally:
        experiments._REGISTRY.pop("_probe_cli", None)
    printed = json.loads(capsys.readouterr().out)         # no figures: no "figures in" line
    assert printed == {"size": "full", "seed": 7, "out": str(tmp_path),
                       "curve": "[100 values]"}


def test_without_matplotlib_the_table_is_printed_and_the_figures_skipped_once(
        tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)     # as if not installed
    monkeypatch.setattr(experiments, "_noted", [])

    @experiments.register("_probe_table", "a probe with a table")
    def probe(size="small", out_dir=None, seed=0):
        results = {"size": size, "table": "| model | accuracy |\n|---|---|\n| mlp | 65% |",
                   "figures": []}
        if out_dir is not None and experiments.can_draw():
            results["figures"].append("never drawn")
        return results

    out = tmp_path / "runs" / "probe"
    try:
        assert cli.main(["experiments", "run", "_probe_table", "--out", str(out)]) == 0
    finally:
        experiments._REGISTRY.pop("_probe_table", None)
    printed = capsys.readouterr()
    assert printed.out.endswith("| model | accuracy |\n|---|---|\n| mlp | 65% |\n")
    assert "figures in" not in printed.out and '"table"' not in printed.out
    assert printed.err.count('pip install "glassgrad[cli]"') == 1
    assert not (tmp_path / "runs").exists()


def test_python_m_glassgrad_experiments_is_the_same_command(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    listed = subprocess.run([sys.executable, "-m", "glassgrad.experiments", "list"],
                            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
                            check=False)
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[0] for line in listed.stdout.splitlines()] == \
        experiments.list_experiments()
    bad = subprocess.run([sys.executable, "-m", "glassgrad.experiments", "run", "nope"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
                         check=False)
    assert bad.returncode == 2
    assert bad.stderr.startswith("glassgrad experiments run: error: unknown experiment 'nope'")
    assert len(bad.stderr.strip().splitlines()) == 1
