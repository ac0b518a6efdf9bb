"""Small classic models from the first week of any course, written to be read: Rosenblatt's
perceptron, logistic regression, and the multi-layer perceptron."""
from .logistic_regression import LogisticRegression
from .mlp import MLP
from .perceptron import Perceptron
