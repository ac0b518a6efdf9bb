"""Random walks on a graph: DeepWalk's uniform walks and node2vec's biased (p, q) walks.

A walk turns a graph into "sentences" of nodes, so that a word model (skip-gram) can embed
nodes that occur in the same walks close together.

- DeepWalk: each step goes to a neighbour chosen uniformly (Perozzi, Al-Rfou & Skiena,
  "DeepWalk: Online Learning of Social Representations", KDD 2014).
- node2vec: having come from t to v, the walk goes on to a neighbour x of v with unnormalised
  probability 1/p if x = t (return), 1 if x is a neighbour of t (stay close: BFS-like),
  1/q otherwise (move away: DFS-like) (Grover & Leskovec, "node2vec: Scalable Feature
  Learning for Networks", KDD 2016, eq. 3). Small q explores outward (homophily, communities);
  large q stays local (structural roles).

The walks advance all together, one step for every walk at a time, in whole-array numpy. The
biased step samples by rejection (KnightKing's trick: Yang et al., SOSP 2019): propose a
uniform neighbour, accept it with probability weight / max weight, re-propose the rejected.
Edge weights are not used: the walks are over the unweighted graph. A walk that reaches a node
without out-neighbours stops there; the rest of its row is -1 (the samplers skip it).
"""
import numpy as np

from ..random import _generator


def _csr(graph):
    """(indptr, indices, sorted edge keys src * N + dst) of who can step to whom."""
    indptr, indices = graph.neighbours()
    src = np.repeat(np.arange(graph.num_nodes), np.diff(indptr))
    return indptr, indices, src * graph.num_nodes + indices


def _uniform_neighbour(indptr, indices, nodes, rng):
    """A uniform out-neighbour of each node (-1 for a node without any)."""
    start, degree = indptr[nodes], indptr[nodes + 1] - indptr[nodes]
    pick = (rng.random(len(nodes)) * np.maximum(degree, 1)).astype(np.int64)
    out = np.full(len(nodes), -1, dtype=np.int64)
    alive = degree > 0
    out[alive] = indices[start[alive] + pick[alive]]
    return out


def _is_edge(keys, num_nodes, u, v):
    """Whether u → v is an edge, elementwise (binary search in the sorted keys)."""
    query = u * num_nodes + v
    where = np.minimum(np.searchsorted(keys, query), max(len(keys) - 1, 0))
    return (keys[where] == query) if len(keys) else np.zeros(len(u), dtype=bool)


def random_walks(graph, walk_length, walks_per_node=1, p=1.0, q=1.0, generator=None):
    """(walks_per_node · N, walk_length) int64 array of node2vec walks, every node starting
    `walks_per_node` walks (in the order 0..N-1, repeated); p = q = 1 is DeepWalk.

    Args:
        graph: a glassgrad.graph.Graph (undirected edges are walked both ways, arcs forwards).
        walk_length: nodes per walk, the start included.
        walks_per_node: walks started at each node.
        p: return parameter (large p: rarely step straight back).
        q: in-out parameter (q < 1 moves outward, q > 1 stays near the start).
        generator: a glassgrad.random.Generator (the default one when None).
    """
    if walk_length < 1 or walks_per_node < 1:
        raise ValueError(f"random_walks: walk_length and walks_per_node must be positive, got "
                         f"{walk_length} and {walks_per_node}")
    if not (p > 0 and q > 0):
        raise ValueError(f"random_walks: p and q must be positive, got p={p}, q={q}")
    rng = _generator(generator)
    indptr, indices, keys = _csr(graph)
    n = graph.num_nodes
    walks = np.full((walks_per_node * n, walk_length), -1, dtype=np.int64)
    walks[:, 0] = np.tile(np.arange(n), walks_per_node)
    if walk_length > 1:
        walks[:, 1] = _uniform_neighbour(indptr, indices, walks[:, 0], rng)
    biased = not (p == 1 and q == 1)
    top = max(1.0 / p, 1.0, 1.0 / q)
    for step in range(2, walk_length):
        alive = np.flatnonzero(walks[:, step - 1] >= 0)
        current, previous = walks[alive, step - 1], walks[alive, step - 2]
        chosen = np.full(len(alive), -1, dtype=np.int64)
        pending = np.arange(len(alive))
        while len(pending):
            proposal = _uniform_neighbour(indptr, indices, current[pending], rng)
            if not biased:
                chosen[pending] = proposal
                break
            dead = proposal < 0
            weight = np.where(proposal == previous[pending], 1.0 / p,
                              np.where(_is_edge(keys, n, previous[pending], proposal), 1.0,
                                       1.0 / q))
            accept = dead | (rng.random(len(pending)) * top < weight)
            chosen[pending[accept]] = proposal[accept]
            pending = pending[~accept]
        walks[alive, step] = chosen
    return walks


def deepwalk_walks(graph, walk_length, walks_per_node=1, generator=None):
    """DeepWalk's uniform random walks: random_walks with p = q = 1."""
    return random_walks(graph, walk_length, walks_per_node, 1.0, 1.0, generator)


__all__ = ["deepwalk_walks", "random_walks"]
