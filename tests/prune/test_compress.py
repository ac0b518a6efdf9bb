"""Real compression: shrinking structured-pruned layers keeps the function; sparse files
round-trip and are smaller; the sparsity report counts zeros per layer and globally."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn, prune


def model(seed=0):
    gg.manual_seed(seed)
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 12), nn.Tanh(),
                         nn.Linear(12, 3))


def test_shrink_drops_units_and_keeps_the_function():
    net = model()
    prune.ln_structured(net[0], "weight", amount=6, n=2, dim=0)
    prune.ln_structured(net[2], "weight", amount=0.5, n=1, dim=0)
    x = gg.randn(5, 8)
    with gg.no_grad():
        before = net(x).numpy()
    small, changes = prune.shrink(net)
    assert changes == {0: (16, 10), 2: (12, 6)}
    assert small[0].weight.shape == (10, 8) and small[2].weight.shape == (6, 10)
    assert small[4].weight.shape == (3, 6)
    with gg.no_grad():
        np.testing.assert_allclose(small(x).numpy(), before, atol=1e-5)
    assert prune.is_pruned(net)                      # the model passed in is untouched
    assert prune.count_parameters(small) < prune.count_parameters(net)


def test_shrink_conv_without_padding():
    gg.manual_seed(1)
    net = nn.Sequential(nn.Conv1d(2, 6, 3), nn.ReLU(), nn.Conv1d(6, 4, 3))
    prune.ln_structured(net[0], "weight", amount=3, n=1, dim=0)
    x = gg.randn(2, 2, 10)
    with gg.no_grad():
        np.testing.assert_allclose(prune.shrink(net)[0](x).numpy(), net(x).numpy(), atol=1e-5)
    assert prune.shrink(net)[0][0].weight.shape == (3, 2, 3)


def test_shrink_errors():
    with pytest.raises(TypeError, match="shrink: expects an nn.Sequential, got Linear"):
        prune.shrink(nn.Linear(2, 2))


def test_sparse_file_round_trip_and_size(tmp_path):
    def big(seed):
        gg.manual_seed(seed)
        return nn.Sequential(nn.Linear(8, 128), nn.ReLU(), nn.Linear(128, 64))
    net = big(0)
    for layer in (net[0], net[2]):
        prune.l1_unstructured(layer, "weight", amount=0.9)
    sparse = prune.save_sparse(net, tmp_path / "sparse.npz")
    dense = prune.save_dense(net, tmp_path / "dense.npz")
    assert sparse < dense / 3        # 10% kept: 6 bytes (uint16 index + float32) each
    fresh = big(5)
    fresh.load_state_dict(prune.load_sparse(tmp_path / "sparse.npz"))
    x = gg.randn(4, 8)
    with gg.no_grad():
        np.testing.assert_array_equal(fresh(x).numpy(), net(x).numpy())
    with pytest.raises(ValueError, match="save_sparse: path must end in .npz"):
        prune.save_sparse(net, tmp_path / "sparse.bin")


def test_sparsity_report():
    net = model()
    prune.l1_unstructured(net[0], "weight", amount=64)
    prune.global_unstructured([(net[2], "weight"), (net[4], "weight")],
                              pruning_method=prune.L1Unstructured, amount=100)
    report = prune.sparsity_report(net)
    assert report["layers"]["0.weight"] == {"params": 128, "zeros": 64, "sparsity": 0.5}
    zeros = report["layers"]["2.weight"]["zeros"] + report["layers"]["4.weight"]["zeros"]
    assert zeros == 100
    assert report["global"]["params"] == 128 + 192 + 36
    assert report["global"]["zeros"] == 164
    text = prune.format_report(report)
    assert "| 0.weight | 128 | 64 | 50.0% |" in text and text.splitlines()[-1].startswith(
        "| global | 356 | 164 |")
    assert "0.bias" in prune.sparsity_report(net, biases=True)["layers"]
