"""vanishing_gradients at size "small": the deep sigmoid MLP's early-layer gradients are orders
of magnitude below its last layer's, the ReLU MLP's are not; the figure is written."""
import json

import pytest

from glassgrad import experiments
from glassgrad.experiments.vanishing_gradients import deep_mlp


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    pytest.importorskip("matplotlib")
    out = tmp_path_factory.mktemp("vanishing_gradients")
    return experiments.run("vanishing_gradients", size="small", out_dir=str(out), seed=0)


def test_sigmoid_gradients_vanish_towards_the_input(results):
    sigmoid = results["sigmoid"]
    assert len(sigmoid["norms"]) == results["depth"] + 1
    assert sigmoid["first_to_last"] < 1e-4                  # ≥ 4 orders of magnitude at depth 10
    assert sigmoid["orders_of_magnitude"] > 4
    # and the decay is steady: every layer's gradient is smaller than the next one's
    assert all(a < b for a, b in zip(sigmoid["norms"], sigmoid["norms"][1:]))


def test_relu_gradients_keep_their_size(results):
    relu = results["relu"]
    assert 0.1 < relu["first_to_last"] < 10
    assert max(relu["norms"]) / min(relu["norms"]) < 20
    assert relu["first_to_last"] > 1000 * results["sigmoid"]["first_to_last"]


def test_figure_and_json(results):
    (path,) = results["figures"]
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    json.dumps(results)


def test_models_use_each_activations_standard_initialisation():
    import glassgrad as gg
    from glassgrad import nn
    model = deep_mlp("relu", depth=3, width=500, generator=gg.Generator(0))
    hidden = [m for m in model if isinstance(m, nn.Linear)][1]
    assert hidden.weight._data.var() == pytest.approx(2 / 500, rel=0.05)        # He
    assert not hidden.bias._data.any()
    model = deep_mlp("sigmoid", depth=3, width=500, generator=gg.Generator(0))
    hidden = [m for m in model if isinstance(m, nn.Linear)][1]
    assert hidden.weight._data.var() == pytest.approx(2 / 1000, rel=0.05)       # Glorot
    assert isinstance(model[1], nn.Sigmoid)
