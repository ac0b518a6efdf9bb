"""The normalised adjacency of a GCN: Â = D^-1/2 (A + I) D^-1/2 (Kipf & Welling 2017, eq. 2)."""
import numpy as np


def gcn_norm(edge_index, num_nodes, edge_weight=None, add_self_loops=True, symmetric_input=True):
    """(indices (2, E'), values (E',)) of Â for an edge list given once per undirected edge
    (`symmetric_input=True` adds each reverse) or already in both directions (False)."""
    edge_index = np.asarray(edge_index, dtype=np.int64)
    if edge_index.ndim != 2 or edge_index.shape[0] != 2:
        raise ValueError(f"gcn_norm: edge_index must have shape (2, E), got {edge_index.shape}")
    if edge_index.size and (edge_index.min() < 0 or edge_index.max() >= num_nodes):
        raise IndexError(f"gcn_norm: edge indices must be in [0, {num_nodes}), got values from "
                         f"{edge_index.min()} to {edge_index.max()}")
    weight = (np.ones(edge_index.shape[1]) if edge_weight is None
              else np.asarray(edge_weight, dtype=np.float64))
    if np.isnan(weight).any():
        raise ValueError("gcn_norm: edge weights contain NaN")
    rows, cols = edge_index
    if symmetric_input:
        rows, cols, weight = (np.concatenate([rows, cols]), np.concatenate([cols, rows]),
                              np.concatenate([weight, weight]))
    if add_self_loops:
        loops = np.arange(num_nodes)
        rows, cols = np.concatenate([rows, loops]), np.concatenate([cols, loops])
        weight = np.concatenate([weight, np.ones(num_nodes)])
    degree = np.bincount(rows, weights=weight, minlength=num_nodes)
    inv_sqrt = np.where(degree > 0, 1.0 / np.sqrt(np.maximum(degree, 1e-12)), 0.0)
    values = inv_sqrt[rows] * weight * inv_sqrt[cols]
    return np.stack([rows, cols]), values.astype(np.float32)


__all__ = ["gcn_norm"]
