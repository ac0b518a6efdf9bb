"""Graph convolution: each node mixes its neighbours' features through a normalised adjacency.

GCNConv (one adjacency) and RGCNConv (one per relation type, R-GCN), both composites of
sparse_mm and matmul, so their gradients of any order come from those ops.
"""
import math

import numpy as np

from .. import init
from ..parameter import Parameter
from ...creation import empty
from ...ops.linalg import matmul
from ...tensor import as_array
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


def _relation_adjacency(edge_index, edge_type, num_nodes, num_relations, op="RGCNConv"):
    """(rows, cols, values) of the (N, N·R) matrix whose row i holds 1/c_{i,r} at column
    j·R + r for each edge j → i of relation r, c_{i,r} = |N_i^r| (the paper's per-relation
    mean): times the (N·R, out) stack of every x_j W_r it gives Σ_r Σ_j x_j W_r / c_{i,r}."""
    edge_index = as_array(edge_index).astype(np.int64)
    edge_type = as_array(edge_type).astype(np.int64).ravel()
    if edge_index.ndim != 2 or edge_index.shape[0] != 2:
        raise ValueError(f"{op}: edge_index must have shape (2, E), got {edge_index.shape}")
    if edge_type.shape != (edge_index.shape[1],):
        raise ValueError(f"{op}: edge_type must have one entry per edge ({edge_index.shape[1]}),"
                         f" got shape {edge_type.shape}")
    if edge_index.size and (edge_index.min() < 0 or edge_index.max() >= num_nodes):
        raise IndexError(f"{op}: edge indices must be in [0, {num_nodes}), got values from "
                         f"{edge_index.min()} to {edge_index.max()}")
    if edge_type.size and (edge_type.min() < 0 or edge_type.max() >= num_relations):
        raise IndexError(f"{op}: edge types must be in [0, {num_relations}), got values from "
                         f"{edge_type.min()} to {edge_type.max()}")
    src, dst = edge_index
    slot = dst * num_relations + edge_type                 # (target, relation) of each edge
    count = np.bincount(slot, minlength=num_nodes * num_relations)
    return dst, src * num_relations + edge_type, 1.0 / count[slot]


def rgcn_conv(x, edge_index, edge_type, weight, comp=None, root=None, bias=None):
    """h_i' = x_i W_0 + Σ_r Σ_{j ∈ N_i^r} x_j W_r / |N_i^r| + b, W_r = Σ_b comp[r, b] V_b.

    x (N, in) or None (featureless: x = I, so W_r's rows are per-node embeddings);
    weight: the bases V (B, in, out) with comp (R, B), or W (R, in, out) with comp None;
    root W_0 (in, out) or None; bias (out,) or None; edge_index (2, E) source → target,
    edge_type (E,) in [0, R).
    """
    num_relations = weight.shape[0] if comp is None else comp.shape[0]
    in_channels, out_channels = weight.shape[1], weight.shape[2]
    if comp is not None:        # basis decomposition: (R, B) @ (B, in·out)
        weight = matmul(comp, weight.reshape(weight.shape[0], -1))
    weight = weight.reshape(num_relations, in_channels, out_channels)
    stacked = weight.permute(1, 0, 2).reshape(in_channels, num_relations * out_channels)
    if x is not None:
        if x.ndim != 2 or x.shape[1] != in_channels:
            raise ValueError(f"RGCNConv: expected x of shape (N, {in_channels}), got "
                             f"{tuple(x.shape)}")
        stacked = matmul(x, stacked)                        # row j: [x_j W_0 | x_j W_1 | ...]
    num_nodes = stacked.shape[0]
    rows, cols, values = _relation_adjacency(edge_index, edge_type, num_nodes, num_relations)
    messages = stacked.reshape(num_nodes * num_relations, out_channels)
    out = sparse_mm((np.stack([rows, cols]), values.astype(messages.dtype),
                     (num_nodes, num_nodes * num_relations)), messages)
    if root is not None:
        out = out + (root if x is None else matmul(x, root))
    return out + bias if bias is not None else out


class RGCNConv(Module):
    """h_i' = W_0 h_i + Σ_r Σ_{j ∈ N_i^r} (1 / c_{i,r}) W_r h_j + b with c_{i,r} = |N_i^r|,
    and with `num_bases` B the basis decomposition W_r = Σ_b a_{rb} V_b (eq. 2 and 3).

    - Paper: Schlichtkrull, Kipf, Bloem, van den Berg, Titov & Welling, "Modeling Relational
      Data with Graph Convolutional Networks", ESWC 2018.

    The paper also adds each relation's inverse as a relation of its own; pass edges and
    types that include them (glassgrad.graph.with_inverse_relations). The self-connection
    W_0 h_i is `root_weight`. Names follow PyTorch Geometric's RGCNConv.

    Args: in_channels (the number of nodes for featureless input, x=None), out_channels,
    num_relations, num_bases (None: a full W_r per relation), root_weight, bias.
    Shape: x (N, in_channels) or None, edge_index (2, E), edge_type (E,) → (N, out_channels).
    """

    def __init__(self, in_channels, out_channels, num_relations, num_bases=None,
                 root_weight=True, bias=True):
        super().__init__()
        if min(in_channels, out_channels, num_relations) < 1:
            raise ValueError(f"RGCNConv: in_channels, out_channels and num_relations must be "
                             f"positive, got {in_channels}, {out_channels}, {num_relations}")
        if num_bases is not None and num_bases < 1:
            raise ValueError(f"RGCNConv: num_bases must be positive or None, got {num_bases}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.num_relations, self.num_bases = num_relations, num_bases
        count = num_relations if num_bases is None else num_bases
        self.weight = Parameter(empty(count, in_channels, out_channels))
        self.comp = Parameter(empty(num_relations, num_bases)) if num_bases else None
        self.root = Parameter(empty(in_channels, out_channels)) if root_weight else None
        self.bias = Parameter(empty(out_channels)) if bias else None
        self.reset_parameters()

    def reset_parameters(self):
        # Glorot & Bengio 2010 over each matrix's last two sizes, as PyTorch Geometric's glorot.
        for parameter in (self.weight, self.comp, self.root):
            if parameter is not None:
                bound = math.sqrt(6.0 / (parameter.shape[-2] + parameter.shape[-1]))
                init.uniform_(parameter, -bound, bound)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, x, edge_index, edge_type):
        return rgcn_conv(x, edge_index, edge_type, self.weight, self.comp, self.root,
                         self.bias)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, num_relations={self.num_relations}, "
                f"num_bases={self.num_bases}")


__all__ = ["GCNConv", "RGCNConv", "rgcn_conv"]
