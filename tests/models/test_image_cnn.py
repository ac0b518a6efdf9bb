"""ImageCNN: two 2x2 poolings size its classifier (8x8 -> 2x2, 28x28 -> 7x7), and images too
small for them are refused by name."""
import pytest

import glassgrad as gg
from glassgrad.models import ImageCNN


@pytest.mark.parametrize("channels, height, width, pooled", [(1, 8, 8, 2 * 2), (1, 28, 28, 7 * 7),
                                                             (3, 9, 5, 2 * 1)])
def test_shapes(channels, height, width, pooled):
    model = ImageCNN(channels, height, width, num_classes=4)
    assert model.linear.in_features == 32 * pooled
    assert model(gg.randn(2, channels, height, width)).shape == (2, 4)


def test_too_small():
    with pytest.raises(ValueError, match="ImageCNN: images must be at least 4x4 .* got 3x8"):
        ImageCNN(1, 3, 8)
