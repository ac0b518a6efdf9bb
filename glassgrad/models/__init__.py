"""Ready models, each in its own file, written to be read: the first week of any course
(Rosenblatt's perceptron, logistic regression, the multi-layer perceptron), the MNIST-1D
paper's baselines (its MLP and CNN; its logistic regression is `LogisticRegression(40, 10)`),
and a small CNN for images."""
from .image_cnn import ImageCNN
from .logistic_regression import LogisticRegression
from .mlp import MLP
from .mnist1d_cnn import MNIST1DCNN
from .mnist1d_mlp import MNIST1DMLP
from .perceptron import Perceptron

__all__ = ["ImageCNN", "LogisticRegression", "MLP", "MNIST1DCNN", "MNIST1DMLP", "Perceptron"]
