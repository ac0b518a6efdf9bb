"""gradient_flow: None (never reached), all zeros (died on the way), norms against torch's own
gradients, the table, per-layer norms, and the PNG."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.debug import GradientFlowReport, gradient_flow, plot_gradient_flow


def broken_model():
    """Layer 2's ReLUs are dead (bias -100), and layer 5 is never used by the forward below."""
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(),
                          nn.Linear(8, 3), nn.Linear(3, 3))
    with gg.no_grad():
        model[2].bias.fill_(-100.0)
    x, y = gg.randn(16, 4), gg.randint(0, 3, (16,))
    hidden = x
    for layer in list(model)[:5]:                  # skips model[5]: backprop never reaches it
        hidden = layer(hidden)
    nn.CrossEntropyLoss()(hidden, y).backward()
    return model


def test_none_zero_and_ok_are_told_apart():
    report = gradient_flow(broken_model())
    assert report.none == ["5.weight", "5.bias"]
    # Dead ReLUs after layer 2 stop everything below them; 4.weight sees only zero inputs.
    assert report.zero == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight"]
    assert report.nonfinite == [] and not report.ok
    assert report.norms["4.bias"] > 0 and report.norms["5.bias"] is None
    assert report.layer_norms() == {"0": 0.0, "2": 0.0, "4": report.norms["4.bias"], "5": None}


def test_table_and_summary():
    text = str(gradient_flow(broken_model()))
    lines = text.splitlines()
    assert lines[0].split() == ["parameter", "shape", "gradient", "norm", "mean", "|g|",
                                "|param|"]
    assert set(lines[1]) <= {"-", " "}
    assert "5.weight   (3, 3)  None: backprop never reached it  -" in text
    assert "2.bias     (8,)    all zeros: died on the way" in text
    assert lines[-1] == ("8 parameters; 2 without a gradient (None): 5.weight, 5.bias; 5 with "
                         "all-zero gradients: 0.weight, 0.bias, 2.weight, 2.bias, 4.weight")


def test_norms_match_torch():
    torch = pytest.importorskip("torch")
    gg.manual_seed(1)
    model = nn.Sequential(nn.Linear(5, 6), nn.Tanh(), nn.Linear(6, 2))
    x = np.random.default_rng(0).normal(size=(7, 5)).astype(np.float32)
    (model(gg.tensor(x)) ** 2).sum().backward()
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 6), torch.nn.Tanh(), torch.nn.Linear(6, 2))
    with torch.no_grad():
        for p, q in zip(theirs.parameters(), model.parameters()):
            p.copy_(torch.from_numpy(q._data))
    (theirs(torch.from_numpy(x)) ** 2).sum().backward()
    report = gradient_flow(model)
    assert report.ok and report.summary().startswith("4 parameters; norms from ")
    for (name, p), row in zip(theirs.named_parameters(), report.rows):
        assert row.name == name
        assert row.norm == pytest.approx(p.grad.norm().item(), rel=1e-5)
        assert row.mean_abs == pytest.approx(p.grad.abs().mean().item(), rel=1e-5)
        assert row.param_norm == pytest.approx(p.detach().norm().item(), rel=1e-5)


def test_nonfinite_and_named_pairs_and_errors():
    w = nn.Parameter(gg.tensor([1.0, 2.0]))
    w.grad = gg.tensor([np.nan, 1.0])
    report = gradient_flow([("w", w)])
    assert report.nonfinite == ["w"] and "NaN/Inf" in str(report)
    with pytest.raises(ValueError, match="gradient_flow: the model has no parameters"):
        gradient_flow(nn.ReLU())


def test_plot(tmp_path):
    pytest.importorskip("matplotlib")
    model = broken_model()
    path = plot_gradient_flow(model, tmp_path / "flow.png")
    assert (tmp_path / "flow.png").read_bytes()[:4] == b"\x89PNG"
    report = gradient_flow(model)
    assert isinstance(report, GradientFlowReport)
    assert plot_gradient_flow(report, tmp_path / "again.png").endswith("again.png")
    assert path.endswith("flow.png")


def test_plot_labels_name_each_layer_and_its_class():
    from glassgrad.debug.grad_flow import _layer_labels
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    names = list(gradient_flow_names(model))
    assert _layer_labels(model, names) == ["0\nLinear", "2\nLinear"]
    assert _layer_labels(list(model.named_parameters()), names) == names


def gradient_flow_names(model):
    model(gg.randn(2, 3)).sum().backward()
    return gradient_flow(model).layer_norms()
