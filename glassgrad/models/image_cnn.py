"""`ImageCNN`: a small LeNet-style CNN for images, what `glassgrad train --model cnn` trains on
digits and Fashion-MNIST.

    h = maxpool(relu(conv3x3(x))),  16 channels;   h = maxpool(relu(conv3x3(h))),  32 channels
    logits = W flatten(h) + b
"""
from .. import nn


class ImageCNN(nn.Module):
    """A small LeNet-style CNN for images: two blocks of 3x3 convolution (padding 1), ReLU and
    2x2 max pooling (16, then 32 channels), then a linear classifier.

    - Paper: LeCun, Bottou, Bengio & Haffner, "Gradient-based learning applied to document
      recognition", Proc. IEEE 1998 (the convolution-pooling pattern).
    Shape: input (N, C, H, W) with H, W >= 4; output (N, num_classes). 8x8 -> 2x2, 28x28 -> 7x7
    after the two poolings.
    """

    def __init__(self, in_channels=1, height=28, width=28, num_classes=10):
        super().__init__()
        if height < 4 or width < 4:
            raise ValueError(f"ImageCNN: images must be at least 4x4 (two 2x2 poolings), got "
                             f"{height}x{width}")
        self.conv1 = nn.Conv2d(in_channels, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.linear = nn.Linear(32 * (height // 4) * (width // 4), num_classes)

    def forward(self, x):
        h = self.pool(self.conv1(x).relu())
        h = self.pool(self.conv2(h).relu())
        return self.linear(h.reshape(h.shape[0], -1))


__all__ = ["ImageCNN"]
