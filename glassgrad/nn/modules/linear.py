"""`Linear` (y = x Wᵀ + b) and `Identity`."""
import math

from ... import creation
from ...ops.linalg import linear
from .. import init
from ..parameter import Parameter
from .module import Module


class Identity(Module):
    """Returns its input unchanged; any constructor arguments are ignored (a placeholder layer,
    e.g. to remove a model's head: `model.fc = nn.Identity()`)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x Wᵀ + b, applied to the last dimension.

    Default initialisation is torch's: W ~ kaiming_uniform_(a=√5), i.e. U(-1/√fan_in,
    1/√fan_in), and b ~ U(-1/√fan_in, 1/√fan_in).

    Args:
        in_features: size of each input sample's last dimension.
        out_features: size of each output sample's last dimension.
        bias: learn the additive bias b (default True).
        dtype: parameter dtype (default float32).

    Shape: input (*, in_features) → output (*, out_features).
    Parameters: weight (out_features, in_features), bias (out_features,).

    Example::

        layer = nn.Linear(20, 30)
        layer(glassgrad.randn(128, 20)).shape      # (128, 30)
    """

    def __init__(self, in_features, out_features, bias=True, dtype=None):
        super().__init__()
        if in_features < 0 or out_features < 0:
            raise ValueError(f"Linear: in_features and out_features must be non-negative, got "
                             f"{in_features} and {out_features}")
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(creation.empty(out_features, in_features, dtype=dtype))
        if bias:
            self.bias = Parameter(creation.empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """torch's default: kaiming_uniform_(a=√5) for W, which is U(±1/√fan_in), same for b.

        - Paper: He et al., "Delving Deep into Rectifiers", ICCV 2015 (the kaiming family).
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        try:
            return linear(input, self.weight, self.bias)
        except (RuntimeError, IndexError):
            # Checked only on failure, so the common path is the one op call.
            if input.shape[-1:] != (self.in_features,):
                raise RuntimeError(f"{self!r}: expected input of shape (*, {self.in_features}), "
                                   f"got {tuple(input.shape)}") from None
            raise

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
