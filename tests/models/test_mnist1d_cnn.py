"""The MNIST-1D paper's CNN: the classifier's size follows the signal length through the three
stride-2 convolutions, and (N, L) and (N, 1, L) inputs both work."""
import glassgrad as gg
from glassgrad.models import MNIST1DCNN


def test_cnn_shapes():
    cnn = MNIST1DCNN()
    assert cnn.linear.in_features == 125                   # 25 channels x length 5
    assert cnn(gg.randn(2, 1, 40)).shape == (2, 10)
    assert MNIST1DCNN(length=50).linear.in_features == 25 * 6
