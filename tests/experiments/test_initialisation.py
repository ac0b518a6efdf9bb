"""initialisation at size "small": in a deep ReLU network He keeps the activation and gradient
variance constant across depth, naive N(0, 1) explodes, small N(0, 0.01²) vanishes, Glorot
halves it at every layer, each as the theory n·Var(W)/2 predicts."""
import json

import pytest

import glassgrad as gg
from glassgrad import experiments, nn
from glassgrad.experiments.initialisation import initialise, relu_network, theory_factor


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    pytest.importorskip("matplotlib")
    out = tmp_path_factory.mktemp("initialisation")
    return experiments.run("initialisation", size="small", out_dir=str(out), seed=0)


def test_he_keeps_the_variance_roughly_constant(results):
    he = results["schemes"]["he"]
    assert 0.3 < he["activation_ratio"] < 3
    assert 0.3 < he["gradient_ratio"] < 3
    first = he["activation_var"][0]
    assert all(0.2 < v / first < 5 for v in he["activation_var"])


def test_naive_explodes_and_small_vanishes(results):
    schemes = results["schemes"]
    assert schemes["naive"]["activation_ratio"] > 1e6
    assert schemes["naive"]["gradient_ratio"] > 1e6
    assert schemes["small"]["activation_ratio"] < 1e-6
    assert schemes["small"]["gradient_ratio"] < 1e-6
    glorot = schemes["glorot"]
    assert 1e-5 < glorot["activation_ratio"] < 1e-1      # halves per layer: 2^-9 ≈ 2e-3


@pytest.mark.parametrize("scheme", ["naive", "small", "glorot", "he"])
def test_measured_factor_per_layer_matches_the_theory(results, scheme):
    stats = results["schemes"][scheme]
    assert stats["theory_factor"] == theory_factor(scheme, results["width"])
    assert stats["factor_per_layer"] == pytest.approx(stats["theory_factor"], rel=0.25)


def test_figure_and_json(results):
    (path,) = results["figures"]
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    json.dumps(results)


def test_network_and_schemes():
    model = relu_network("he", depth=4, width=16, generator=gg.Generator(0))
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU"] * 3 + ["Linear"]
    assert theory_factor("he", 64) == 1.0 and theory_factor("glorot", 64) == 0.5
    with pytest.raises(ValueError, match="unknown scheme 'lecun'; known: naive, small, glorot, "
                                         "he"):
        initialise(nn.Linear(2, 2).weight, "lecun", gg.Generator(0))
