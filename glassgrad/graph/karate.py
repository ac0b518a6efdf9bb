"""Zachary's karate club: which of the two factions each member joined, from the graph alone.

34 members, 78 friendships; after a quarrel the club split between the instructor, Mr. Hi
(node 0), and the officer (node 33) (Zachary, "An information flow model for conflict and
fission in small groups", J. Anthropol. Res. 1977; networkx ships the graph and the factions).

- `embedding_probe`: how well a linear model reads the faction off a node embedding
  (DeepWalk / node2vec): leave-one-out logistic regression, accuracy with a Wilson 95% CI.
- `karate_gcn`: a two-layer GCN (Kipf & Welling 2017) that sees the label of node 0 and of
  node 33 only, and the graph; accuracy on the other 32 members.
- `plot_embedding`: the embedding in 2-D (its first two principal axes), coloured by faction.
"""
import numpy as np

from .. import nn, optim
from ..autograd import no_grad
from ..creation import eye, tensor
from ..models.logistic_regression import LogisticRegression
from ..random import manual_seed
from ..train.metrics import Score, wilson_interval
from .datasets import karate_club
from .norm import gcn_norm

LABELLED = (0, 33)      # Mr. Hi and the officer: the one labelled member of each faction


def embedding_probe(embedding, labels, weight_decay=1e-2):
    """Leave-one-out accuracy (a train.metrics.Score with a Wilson 95% CI) of binary logistic
    regression predicting `labels` (0/1) from the rows of `embedding`, standardised.

    weight_decay (an L2 penalty) keeps Newton's method finite when the classes separate.
    """
    x = np.asarray(embedding, dtype=np.float64)
    y = np.asarray(labels)
    if x.ndim != 2 or len(x) != len(y):
        raise ValueError(f"embedding_probe: expected an (n, d) embedding and n labels, got "
                         f"{x.shape} and {y.shape}")
    x = (x - x.mean(0)) / (x.std(0) + 1e-12)
    correct = 0
    for held_out in range(len(y)):
        train = np.arange(len(y)) != held_out
        model = LogisticRegression(x.shape[1]).fit(x[train], y[train],
                                                   weight_decay=weight_decay)
        with no_grad():
            logit = float(model(tensor(x[held_out:held_out + 1].astype(np.float32)))._data[0])
        correct += int((logit > 0) == bool(y[held_out]))
    low, high = wilson_interval(correct, len(y))
    return Score("leave-one-out accuracy", correct / len(y), low, high, n=len(y),
                 method="wilson")


def karate_gcn(seed=0, hidden=16, epochs=100, lr=0.01, weight_decay=5e-4):
    """Train a 2-layer GCN (identity features, as Kipf & Welling's karate example) on the
    labels of nodes 0 and 33 only; returns (accuracy on the 32 other members, predictions)."""
    edges, y = karate_club()
    n = len(y)
    indices, values = gcn_norm(edges, n)
    adjacency = (indices, values, (n, n))
    manual_seed(seed)
    first, second = nn.GCNConv(n, hidden), nn.GCNConv(hidden, 2)
    optimizer = optim.Adam(list(first.parameters()) + list(second.parameters()), lr=lr,
                           weight_decay=weight_decay)
    x, target, labelled = eye(n), tensor(y[list(LABELLED)]), list(LABELLED)
    for _ in range(epochs):
        optimizer.zero_grad()
        logits = second(nn.functional.relu(first(x, adjacency)), adjacency)
        nn.functional.cross_entropy(logits[labelled], target).backward()
        optimizer.step()
    with no_grad():
        predicted = second(nn.functional.relu(first(x, adjacency)), adjacency).argmax(1)._data
    others = np.setdiff1d(np.arange(n), labelled)
    return float((predicted[others] == y[others]).mean()), predicted


def project_2d(embedding):
    """The embedding on its first two principal axes (itself if it is 2-D already)."""
    x = np.asarray(embedding, dtype=np.float64)
    if x.shape[1] <= 2:
        return x
    centred = x - x.mean(0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    return centred @ axes[:2].T


def plot_embedding(embedding, labels, path, title="karate club embedding", names=None):
    """Save a scatter plot of the embedding in 2-D coloured by label (matplotlib, optional);
    returns the path."""
    try:
        from matplotlib.figure import Figure     # no pyplot: the caller's backend is left alone
    except ImportError:
        raise ImportError("plot_embedding: needs matplotlib (pip install matplotlib)") from None
    points = project_2d(embedding)
    labels = np.asarray(labels)
    figure = Figure(figsize=(5, 4))
    axis = figure.subplots()
    for value, colour, name in ((0, "tab:blue", "Mr. Hi"), (1, "tab:orange", "Officer")):
        mask = labels == value
        axis.scatter(points[mask, 0], points[mask, 1], c=colour, label=name, s=40)
    for i, (px, py) in enumerate(points):
        axis.annotate(str(i if names is None else names[i]), (px, py), fontsize=7,
                      xytext=(3, 3), textcoords="offset points")
    axis.set_title(title, fontsize=10)
    axis.set_xlabel("principal axis 1")
    axis.set_ylabel("principal axis 2")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    return path


__all__ = ["LABELLED", "embedding_probe", "karate_gcn", "plot_embedding", "project_2d"]
