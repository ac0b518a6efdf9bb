"""The experiments registry: register, get, list, run, errors (its command line is
`glassgrad experiments`, tested in tests/cli/test_experiments.py)."""
import os

import pytest

from glassgrad import experiments


def test_registry_lists_and_gets_registered_experiments():
    assert "optimizer_comparison" in experiments.list_experiments()
    func = experiments.get("optimizer_comparison")
    assert callable(func) and "Rosenbrock" in experiments.describe("optimizer_comparison")


def test_register_run_and_the_default_out_dir(tmp_path, monkeypatch):
    calls = []

    @experiments.register("_probe_for_tests", "a probe")
    def probe(size="small", out_dir=None, seed=0):
        calls.append((size, out_dir, seed, os.path.isdir(out_dir)))
        return {"size": size}

    try:
        assert experiments.run("_probe_for_tests", size="full", out_dir=str(tmp_path),
                               seed=3) == {"size": "full"}
        monkeypatch.chdir(tmp_path)
        experiments.run("_probe_for_tests")
        assert calls[1][1].endswith("runs/experiments/_probe_for_tests")
        assert calls[1][3]                       # the folder is there while the run writes
        assert not (tmp_path / "runs").exists()  # and gone, as it stayed empty
        assert calls[0] == ("full", str(tmp_path), 3, True)
        with pytest.raises(ValueError, match="already registered"):
            experiments.register("_probe_for_tests")(lambda **kw: {})
    finally:
        experiments._REGISTRY.pop("_probe_for_tests", None)


def test_unknown_names_and_sizes_raise():
    with pytest.raises(KeyError, match="unknown experiment 'nope'; registered: "
                                       ".*optimizer_comparison"):
        experiments.get("nope")
    with pytest.raises(ValueError, match=r"size must be one of \('small', 'full'\), got 'huge'"):
        experiments.run("optimizer_comparison", size="huge")


def test_missing_matplotlib_gives_a_clear_error(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)     # as if not installed
    with pytest.raises(ImportError, match="pip install matplotlib"):
        experiments.require_matplotlib()


def test_without_matplotlib_the_results_come_with_one_note_and_no_empty_folder(
        tmp_path, monkeypatch, capsys):
    import sys
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)     # as if not installed
    monkeypatch.setattr(experiments, "_noted", [])
    out = tmp_path / "runs" / "experiments" / "vanishing_gradients"
    results = experiments.run("vanishing_gradients", out_dir=str(out))
    assert results["figures"] == [] and results["sigmoid"]["first_to_last"] > 0
    assert list(tmp_path.iterdir()) == []                # runs/ and its sub-folders are gone
    experiments.run("initialisation", out_dir=str(out))
    err = capsys.readouterr().err
    assert err.count("figures skipped") == 1              # one note, however many experiments
    assert 'pip install "glassgrad[cli]"' in err and "matplotlib is not installed" in err
    assert list(tmp_path.iterdir()) == []


def test_a_failed_experiment_leaves_no_empty_folder(tmp_path):
    @experiments.register("_probe_fails", "a probe that fails")
    def probe(size="small", out_dir=None, seed=0):
        raise RuntimeError("probe failed")

    try:
        out = tmp_path / "runs" / "experiments" / "probe"
        with pytest.raises(RuntimeError, match="probe failed"):
            experiments.run("_probe_fails", out_dir=str(out))
        assert list(tmp_path.iterdir()) == []            # runs/ and its sub-folders are gone
        kept = tmp_path / "kept"
        kept.mkdir()
        (kept / "notes.txt").write_text("mine")
        with pytest.raises(RuntimeError):
            experiments.run("_probe_fails", out_dir=str(kept))
        assert [p.name for p in kept.iterdir()] == ["notes.txt"]     # a folder it did not make
    finally:
        experiments._REGISTRY.pop("_probe_fails", None)
