"""Ready models, each in its own file, written to be read: the first week of any course
(Rosenblatt's perceptron, logistic regression, the multi-layer perceptron), the MNIST-1D
paper's baselines (its MLP, CNN and GRU; its logistic regression is
`LogisticRegression(40, 10)`), a small CNN for images, and the sequence models of the course's
taxonomy: an encoder-decoder (seq-to-seq), a per-step tagger and a label-conditioned generator
(label-to-seq)."""
from .conditional_generator import ConditionalGenerator
from .image_cnn import ImageCNN
from .logistic_regression import LogisticRegression
from .mlp import MLP
from .mnist1d_cnn import MNIST1DCNN
from .mnist1d_gru import MNIST1DGRU
from .mnist1d_mlp import MNIST1DMLP
from .perceptron import Perceptron
from .seq2seq import Seq2Seq
from .tagger import SequenceTagger

__all__ = ["ConditionalGenerator", "ImageCNN", "LogisticRegression", "MLP", "MNIST1DCNN",
           "MNIST1DGRU", "MNIST1DMLP", "Perceptron", "Seq2Seq", "SequenceTagger"]
