"""The MNIST-1D paper's MLP: its second hidden layer is residual."""
import glassgrad as gg
from glassgrad.models import MNIST1DMLP


def test_mlp_residual():
    mlp = MNIST1DMLP()
    x = gg.randn(4, 40)
    with gg.no_grad():
        mlp.linear2.weight.fill_(0.0)
        mlp.linear2.bias.fill_(0.0)
        h = mlp.linear1(x).relu()
        assert gg.allclose(mlp(x), mlp.linear3(h))         # relu(0) = 0: the skip path alone
