"""The MNIST-1D paper's baseline models, with its architectures and training settings.

- Paper: Greydanus & Kobak, "Scaling Down Deep Learning with MNIST-1D", ICML 2024
  (arXiv:2011.14439, 2020), Table 1: test accuracy on MNIST-1D (4,000 train / 1,000 test):
  logistic regression 32%, MLP 68%, CNN 94% (GRU 91%, human 96%).

The architectures follow the reference repository's models (github.com/greydanus/mnist1d,
notebooks/models.py), written here from its description with glassgrad.nn:
- logistic regression: one Linear layer, 40 -> 10 (410 parameters);
- MLP: Linear 40->100, ReLU, then a residual ReLU layer h + relu(W h + b), Linear 100->10
  (15,210 parameters);
- CNN: three Conv1d layers of 25 channels (kernel 5, 3, 3; stride 2; padding 1) with ReLU,
  taking the length 40 -> 19 -> 10 -> 5, then Linear 125 -> 10 (5,210 parameters).
Training (the reference's train.py): Adam, lr 1e-2, no weight decay, batches of 100 taken in
order through the unshuffled training set, 6,000 steps (150 epochs), cross-entropy; the
layers start from PyTorch's default initialisation, which glassgrad.nn's layers share.
"""
from .. import nn

# Table 1 of the paper (test accuracy, MNIST-1D, not shuffled).
PAPER_ACCURACY = {"logistic": 0.32, "mlp": 0.68, "cnn": 0.94}

# The reference's training settings.
TRAINING = {"lr": 1e-2, "weight_decay": 0.0, "batch_size": 100, "steps": 6000}


class LogisticRegression(nn.Module):
    """Multinomial logistic regression: logits = W x + b (softmax in the loss)."""

    def __init__(self, input_size=40, num_classes=10):
        super().__init__()
        self.linear = nn.Linear(input_size, num_classes)

    def forward(self, x):
        return self.linear(x)


class MNIST1DMLP(nn.Module):
    """The paper's MLP: h1 = relu(W1 x), h2 = h1 + relu(W2 h1), logits = W3 h2."""

    def __init__(self, input_size=40, hidden_size=100, num_classes=10):
        super().__init__()
        self.linear1 = nn.Linear(input_size, hidden_size)
        self.linear2 = nn.Linear(hidden_size, hidden_size)
        self.linear3 = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        h = self.linear1(x).relu()
        h = h + self.linear2(h).relu()
        return self.linear3(h)


class MNIST1DCNN(nn.Module):
    """The paper's CNN: three stride-2 Conv1d + ReLU layers, then a linear classifier.

    Shape: input (N, L) or (N, 1, L) with L = 40; output (N, num_classes).
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


MODELS = {"logistic": LogisticRegression, "mlp": MNIST1DMLP, "cnn": MNIST1DCNN}
NAMES = {"logistic": "logistic regression", "mlp": "MLP", "cnn": "CNN"}


def build(name, **kwargs):
    """A fresh MNIST-1D model by name: "logistic", "mlp" or "cnn"."""
    if name not in MODELS:
        raise ValueError(f"unknown MNIST-1D model {name!r}; known: {', '.join(MODELS)}")
    return MODELS[name](**kwargs)


__all__ = ["LogisticRegression", "MNIST1DCNN", "MNIST1DMLP", "MODELS", "NAMES",
           "PAPER_ACCURACY", "TRAINING", "build"]
