"""Graph convolution: each node mixes its neighbours' features through a normalised adjacency."""
import math

from .. import init
from ..parameter import Parameter
from ...creation import empty
from ...ops.linalg import matmul
from ...ops.sparse import sparse_mm
from .module import Module


class GCNConv(Module):
    """H' = Â H W + b with Â = D^-1/2 (A + I) D^-1/2 (symmetric normalisation, self loops).

    - Paper: Kipf & Welling, "Semi-Supervised Classification with Graph Convolutional
      Networks", ICLR 2017.

    Args: in_channels, out_channels, bias.
    Shape: x (N, in_channels), adjacency (indices (2, E), values (E,), (N, N)) from
    glassgrad.graph.gcn_norm → (N, out_channels).
    """

    def __init__(self, in_channels, out_channels, bias=True):
        super().__init__()
        if in_channels < 1 or out_channels < 1:
            raise ValueError(f"GCNConv: channels must be positive, got in_channels="
                             f"{in_channels}, out_channels={out_channels}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.weight = Parameter(empty(in_channels, out_channels))
        self.bias = Parameter(empty(out_channels)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        init.xavier_uniform_(self.weight)      # Glorot & Bengio 2010, as the paper
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, x, adjacency):
        if x.shape[-1] != self.in_channels:
            raise ValueError(f"GCNConv: expected features of width {self.in_channels}, got x of "
                             f"shape {tuple(x.shape)}")
        # Multiply by W first: Â (X W) keeps the sparse product narrow (out_channels wide).
        out = sparse_mm(adjacency, matmul(x, self.weight))
        return out + self.bias if self.bias is not None else out

    def extra_repr(self):
        return f"{self.in_channels}, {self.out_channels}, bias={self.bias is not None}"


__all__ = ["GCNConv"]
