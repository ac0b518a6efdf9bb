"""`MNIST1DCNN`: the MNIST-1D paper's CNN baseline, three stride-2 convolutions and a linear
classifier.

    h_k = relu(conv1d_k(h_{k-1})),  k = 1, 2, 3;   logits = W flatten(h_3) + b

- Paper: Greydanus & Kobak, "Scaling Down Deep Learning with MNIST-1D", ICML 2024
  (arXiv:2011.14439, 2020), Table 1: 94% test accuracy on MNIST-1D.
The architecture follows the reference repository's models (github.com/greydanus/mnist1d,
notebooks/models.py), written here from its description with glassgrad.nn: three Conv1d
layers of 25 channels (kernel 5, 3, 3; stride 2; padding 1) with ReLU, taking the length
40 -> 19 -> 10 -> 5, then Linear 125 -> 10 (5,210 parameters). The layers start from
PyTorch's default initialisation, which glassgrad.nn's layers share.
"""
from .. import nn


class MNIST1DCNN(nn.Module):
    """The paper's CNN: three stride-2 Conv1d + ReLU layers, then a linear classifier.

    Args:
        channels: channels of each convolution (25 in the paper).
        num_classes: number of outputs.
        length: length of the input signal (40 for MNIST-1D); sizes the classifier.
    Shape: input (N, L) or (N, 1, L) with L = length; output (N, num_classes).
    """

    def __init__(self, channels=25, num_classes=10, length=40):
        super().__init__()
        self.conv1 = nn.Conv1d(1, channels, 5, stride=2, padding=1)
        self.conv2 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
        self.conv3 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
        out = length
        for kernel in (5, 3, 3):               # each conv: L -> floor((L + 2·1 - k) / 2) + 1
            out = (out + 2 - kernel) // 2 + 1
        self.linear = nn.Linear(channels * out, num_classes)

    def forward(self, x):
        h = x.reshape(x.shape[0], 1, x.shape[-1])          # a single input channel
        h = self.conv1(h).relu()
        h = self.conv2(h).relu()
        h = self.conv3(h).relu()
        return self.linear(h.reshape(h.shape[0], -1))


__all__ = ["MNIST1DCNN"]
