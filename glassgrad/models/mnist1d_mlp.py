"""`MNIST1DMLP`: the MNIST-1D paper's MLP baseline, with one residual hidden layer.

    h1 = relu(W1 x + b1),   h2 = h1 + relu(W2 h1 + b2),   logits = W3 h2 + b3

- Paper: Greydanus & Kobak, "Scaling Down Deep Learning with MNIST-1D", ICML 2024
  (arXiv:2011.14439, 2020), Table 1: 68% test accuracy on MNIST-1D.
The architecture follows the reference repository's models (github.com/greydanus/mnist1d,
notebooks/models.py), written here from its description with glassgrad.nn: Linear 40->100,
ReLU, the residual ReLU layer, Linear 100->10 (15,210 parameters). The layers start from
PyTorch's default initialisation, which glassgrad.nn's layers share.
"""
from .. import nn


class MNIST1DMLP(nn.Module):
    """The paper's MLP: h1 = relu(W1 x), h2 = h1 + relu(W2 h1), logits = W3 h2.

    Args:
        input_size: length of the input signal (40 for MNIST-1D).
        hidden_size: units of both hidden layers (the residual needs them equal).
        num_classes: number of outputs.
    Shape: input (N, input_size); output (N, num_classes).
    """

    def __init__(self, input_size=40, hidden_size=100, num_classes=10):
        super().__init__()
        self.linear1 = nn.Linear(input_size, hidden_size)
        self.linear2 = nn.Linear(hidden_size, hidden_size)
        self.linear3 = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        h = self.linear1(x).relu()
        h = h + self.linear2(h).relu()
        return self.linear3(h)


__all__ = ["MNIST1DMLP"]
