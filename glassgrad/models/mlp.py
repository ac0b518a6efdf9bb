"""`MLP`: the multi-layer perceptron as a Sequential of Linear, activation and Dropout layers.

    h₀ = x,   h_k = dropout(act(W_k h_{k-1} + b_k)),   y = W_L h_{L-1} + b_L

- Paper: Rumelhart, Hinton & Williams, "Learning representations by back-propagating errors",
  Nature 323, 1986.
"""
from ..nn.modules import activation as act
from ..nn.modules.container import Sequential
from ..nn.modules.dropout import Dropout
from ..nn.modules.linear import Linear
from ..nn.modules.module import Module

ACTIVATIONS = {
    "relu": act.ReLU, "leaky_relu": act.LeakyReLU, "tanh": act.Tanh, "sigmoid": act.Sigmoid,
    "gelu": act.GELU, "silu": act.SiLU, "elu": act.ELU, "softplus": act.Softplus,
}


def _activation_factory(activation):
    if isinstance(activation, str):
        if activation not in ACTIVATIONS:
            raise ValueError(f"MLP: unknown activation {activation!r}; choose one of "
                             f"{sorted(ACTIVATIONS)} or pass a Module class")
        return ACTIVATIONS[activation]
    if callable(activation):
        return activation
    raise TypeError(f"MLP: activation must be a name or a callable returning a Module, got "
                    f"{type(activation).__name__}")


class MLP(Sequential):
    """Linear layers of the given sizes, each hidden one followed by an activation (and Dropout
    when `dropout` > 0); the output layer is linear (logits for a classification loss).

    Args:
        in_features: input size.
        hidden_sizes: sizes of the hidden layers, e.g. [512, 512] (may be empty).
        out_features: output size.
        activation: a name ("relu", "tanh", "gelu", ...) or a callable returning a Module
            (e.g. nn.Tanh, or lambda: nn.LeakyReLU(0.2)); a fresh one after each hidden layer.
        dropout: dropout probability after each hidden activation (0 for none).
        bias: biases in the Linear layers.

    The layers are numbered as in the equivalent Sequential, so the state dict's keys equal
    torch's `nn.Sequential(nn.Linear(784, 512), nn.ReLU(), ...)`.

    Example::

        model = MLP(784, [512, 512], 10, activation="relu", dropout=0.1)
    """

    def __init__(self, in_features, hidden_sizes, out_features, activation="relu", dropout=0.0,
                 bias=True):
        make_activation = _activation_factory(activation)
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MLP: dropout must be in [0, 1), got {dropout}")
        layers, width = [], in_features
        for size in hidden_sizes:
            layers.append(Linear(width, size, bias=bias))
            layer_activation = make_activation()
            if not isinstance(layer_activation, Module):
                raise TypeError(f"MLP: activation() returned {type(layer_activation).__name__}, "
                                "not a Module")
            layers.append(layer_activation)
            if dropout > 0:
                layers.append(Dropout(dropout))
            width = size
        layers.append(Linear(width, out_features, bias=bias))
        super().__init__(*layers)
        self.in_features, self.hidden_sizes = in_features, list(hidden_sizes)
        self.out_features = out_features
