"""builders: each model fits its input shape (float32 logits of shape (N, classes)), signals get
the MNIST-1D paper's models unchanged, shapes no model can take are refused by name, and
.npz data is read and checked."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.cli import builders
from glassgrad.models import MNIST1DCNN, MNIST1DMLP, LogisticRegression


@pytest.mark.parametrize("model", builders.MODELS)
@pytest.mark.parametrize("shape", [(40,), (1, 8, 8), (3, 28, 28), (2, 5, 9)])
def test_every_model_takes_every_shape(model, shape):
    gg.manual_seed(0)
    net = builders.build_model(model, shape, 7)
    x = gg.randn(4, *shape)
    out = net(x)
    assert out.shape == (4, 7) and out.dtype == gg.float32
    out.sum().backward()
    assert all(p.grad is not None for p in net.parameters())


def test_signals_get_the_papers_models_with_their_parameter_counts():
    counts = {"logreg": 410, "mlp": 15210, "cnn": 5210}            # the models' docstrings
    for name, cls in (("logreg", LogisticRegression), ("mlp", MNIST1DMLP),
                      ("cnn", MNIST1DCNN)):
        net = builders.build_model(name, (40,), 10)
        assert type(net) is cls and builders.count_parameters(net) == counts[name]
    images = builders.build_model("mlp", (1, 8, 8), 10)
    assert builders.describe_model(images) == "Flatten -> MNIST1DMLP"


def test_shapes_no_model_takes():
    with pytest.raises(ValueError, match=r"cnn: takes signals \(N, L\) or images"):
        builders.build_model("cnn", (3, 40), 10)
    with pytest.raises(ValueError, match="length >= 7, got 5"):
        builders.build_model("cnn", (5,), 10)
    with pytest.raises(ValueError, match="at least 4x4"):
        builders.build_model("cnn", (1, 3, 8), 10)
    with pytest.raises(ValueError, match="unknown model 'transformer'; known: logreg, mlp, "
                                         "cnn, rnn, lstm, gru"):
        builders.build_model("transformer", (40,), 10)
    with pytest.raises(ValueError, match=r"gru: takes signals \(N, L\), \(N, C, L\) or images"):
        builders.build_model("gru", (1, 2, 3, 4), 10)


def test_signals_get_the_papers_gru():
    from glassgrad.models import MNIST1DGRU
    net = builders.build_model("gru", (40,), 10)
    assert type(net) is MNIST1DGRU and builders.count_parameters(net) == 5134
    assert builders.build_model("lstm", (40,), 10).rnn.mode == "LSTM"


def test_optimizers_by_name():
    net = builders.build_model("logreg", (4,), 2)
    sgd = builders.build_optimizer("sgd", net.parameters())
    assert sgd.param_groups[0]["lr"] == 0.1 and sgd.param_groups[0]["momentum"] == 0.9
    assert builders.build_optimizer("adam", net.parameters(), lr=0.5).param_groups[0]["lr"] == 0.5
    with pytest.raises(ValueError, match="unknown optimizer 'lbfgs'"):
        builders.build_optimizer("lbfgs", net.parameters())


def test_load_data_named_and_from_npz(tmp_path):
    digits = builders.load_data("digits")
    assert digits.input_shape == (1, 8, 8) and digits.num_classes == 10
    assert digits.x_train.dtype == np.float32 and digits.y_train.dtype == np.int64
    x = np.arange(60, dtype=np.float64).reshape(20, 3)
    np.savez(tmp_path / "d.npz", x_train=x[:15], y_train=x[:15, 0] > 20, x_test=x[15:],
             y_test=np.ones(5, bool))
    data = builders.load_data(str(tmp_path / "d.npz"))
    assert data.num_classes == 2 and data.input_shape == (3,)
    assert data.x_test.dtype == np.float32 and data.y_train.dtype == np.int64
    with pytest.raises(ValueError, match="unknown data set 'co2'"):
        builders.load_data("co2")
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(builders.DataError, match="is not a valid .npz file: truncated or corrupt"):
        builders.load_data(str(tmp_path / "junk.npz"))
