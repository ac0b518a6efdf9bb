"""glassgrad.nn: layers, losses, initialisers and the Module system, with torch.nn's names.

Explicit re-exports only; each name lives in one file under nn/modules or nn/functional.
"""
from .parameter import Parameter
from .modules import Module, RemovableHandle
from .modules import ModuleDict, ModuleList, Sequential
from .modules import Identity, Linear, Flatten, Unflatten, Dropout, Embedding
from .modules import (ELU, GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Softplus,
                      Tanh)
from .modules import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from . import functional, init, utils
from .modules import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, BatchNorm1d,
                      BatchNorm2d, Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d, GroupNorm,
                      InstanceNorm1d, InstanceNorm2d, LayerNorm, MaxPool1d, MaxPool2d)
from .modules import GRU, LSTM, RNN, RNNBase, GRUCell, LSTMCell, RNNCell, RNNCellBase
from .modules import GCNConv, RGCNConv
from .modules import (LearnedPositionalEncoding, MultiheadAttention, PositionalEncoding,
                      Transformer, TransformerDecoder, TransformerDecoderLayer,
                      TransformerEncoder, TransformerEncoderLayer)
