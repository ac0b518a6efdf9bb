"""`Dropout` layer; the function and the paper are in glassgrad.nn.functional.dropout."""
from ..functional.dropout import dropout
from .module import Module


class Dropout(Module):
    """Zeroes each element with probability p in training, scaling the rest by 1/(1 - p);
    the identity in eval mode.

    - Paper: Srivastava et al., "Dropout: A Simple Way to Prevent Neural Networks from
      Overfitting", JMLR 2014.

    Args:
        p: probability of an element being zeroed (default 0.5).
        inplace: accepted for torch compatibility (glassgrad never computes in place).
        generator: a glassgrad.Generator for reproducible masks (default: the global one).
    """

    def __init__(self, p=0.5, inplace=False, generator=None):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace, self.generator = p, inplace, generator

    def forward(self, input):
        return dropout(input, self.p, self.training, generator=self.generator)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
