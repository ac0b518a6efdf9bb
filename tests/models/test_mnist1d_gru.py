"""The MNIST-1D paper's GRU: the reference's parameter count (5,134), its outputs equal to the
same model built in torch with the weights copied, every input layout, and clear errors."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.models import MNIST1DGRU


def test_parameter_count_is_the_references():
    model = MNIST1DGRU()
    assert sum(p.numel() for p in model.parameters()) == 5134         # GRUBase prints 5134
    assert model.linear.in_features == 2 * 6 * 40


def test_equals_torch_with_copied_weights():
    torch = pytest.importorskip("torch")
    gg.manual_seed(0)
    model = MNIST1DGRU(cell="gru").double()
    gru = torch.nn.GRU(1, 6, batch_first=True, bidirectional=True).double()
    linear = torch.nn.Linear(480, 10).double()
    state = model.state_dict()
    with torch.no_grad():
        for name, p in gru.named_parameters():
            p.copy_(torch.from_numpy(state[f"rnn.{name}"].numpy()))
        linear.weight.copy_(torch.from_numpy(state["linear.weight"].numpy()))
        linear.bias.copy_(torch.from_numpy(state["linear.bias"].numpy()))
    x = np.random.default_rng(0).normal(size=(5, 40))
    output, _ = gru(torch.from_numpy(x).unsqueeze(-1))
    expected = linear(output.reshape(5, -1)).detach().numpy()
    np.testing.assert_allclose(model(gg.tensor(x)).detach().numpy(), expected, atol=1e-10)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_layouts(cell):
    gg.manual_seed(0)
    signal = MNIST1DGRU(cell=cell)
    x = gg.randn(3, 40)
    assert signal(x).shape == (3, 10)
    assert gg.allclose(signal(x), signal(x.unsqueeze(-1)))             # (N, T) = (N, T, 1)
    channels = MNIST1DGRU(input_size=2, time_steps=7, channels_first=True, cell=cell)
    assert channels(gg.randn(3, 2, 7)).shape == (3, 10)
    images = MNIST1DGRU(input_size=3 * 5, time_steps=4, num_classes=7, cell=cell)
    assert images(gg.randn(2, 3, 4, 5)).shape == (2, 7)                # rows are the steps


def test_errors():
    with pytest.raises(ValueError, match="MNIST1DGRU: cell must be one of rnn, lstm, gru, got "
                                         "'transformer'"):
        MNIST1DGRU(cell="transformer")
    with pytest.raises(RuntimeError, match=r"MNIST1DGRU: expected input \(N, 40, 1\) .* got "
                                           r"\(2, 30, 1\)"):
        MNIST1DGRU()(gg.randn(2, 30))
