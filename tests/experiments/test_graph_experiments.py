"""The graph experiments (glassgrad/experiments/graphs.py) at their CI size."""
import pytest

from glassgrad import experiments


def test_rgcn_umls_small_beats_the_majority_class(tmp_path):
    results = experiments.run("rgcn_umls", size="small", out_dir=str(tmp_path))
    assert len(results["per_seed"]) == 2 and results["mean"] >= 0.85
    assert results["majority"] < 0.5 and results["pooled"]["n"] == 108
    low, high = results["pooled"]["ci95"]
    assert low < results["pooled"]["accuracy"] < high


@pytest.mark.slow
def test_karate_club_small(tmp_path):
    pytest.importorskip("networkx")
    results = experiments.run("karate_club", size="small", out_dir=str(tmp_path))
    assert results["gcn"]["mean"] >= 0.95
    assert results["node2vec"]["pooled"]["n"] == 34 and results["node2vec"]["mean"] >= 0.85
    assert results["deepwalk"]["mean"] >= 0.8
    if results["figures"]:
        assert (tmp_path / "karate_node2vec.png").stat().st_size > 1000
