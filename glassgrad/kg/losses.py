"""Losses for knowledge-graph embeddings, each a function of glassgrad ops (any order).

Scores are "higher = more plausible". Two settings:
- sLCWA (negative sampling): a positive score per triple and k negative scores per positive.
  margin_ranking_loss, softplus_loss and bce_loss take (positive (B,), negative (B, k)).
- LCWA (1-N, all entities): a (B, N) score matrix and (B, N) 0/1 labels of the true tails of
  each (h, r). bce_loss takes the matrix with labels (optionally smoothed), cross_entropy_loss
  normalises each label row into a distribution (PyKEEN's CrossEntropyLoss).
"""
from ..nn import functional as F
from ..ops import log_softmax, relu, softplus
from ..ops import sum as gsum


def margin_ranking_loss(positive, negative, margin=1.0):
    """mean over pairs of max(0, margin - f(pos) + f(neg)) (Bordes et al. 2013)."""
    return relu(margin - positive.unsqueeze(1) + negative).mean()


def softplus_loss(positive, negative):
    """mean of log(1 + exp(-f(pos))) and log(1 + exp(f(neg))) (Trouillon et al. 2016)."""
    return 0.5 * (softplus(-positive).mean() + softplus(negative).mean())


def bce_loss(scores, labels, label_smoothing=0.0):
    """binary cross-entropy with logits on every score; labels smoothed towards 1/N
    (Dettmers et al. 2018's ConvE training)."""
    if label_smoothing:
        labels = labels * (1.0 - label_smoothing) + label_smoothing / labels.shape[-1]
    return F.binary_cross_entropy_with_logits(scores, labels)


def pairwise_bce_loss(positive, negative):
    """BCE with positives labelled 1 and negatives 0 (negative sampling)."""
    return 0.5 * (softplus(-positive).mean() + softplus(negative).mean())


def cross_entropy_loss(scores, labels):
    """-Σ_e y_e / Σ y · log softmax(scores)_e per row, averaged: 1-N cross-entropy (LCWA).
    With a single true entity per row it is the 1-vs-all loss of Lacroix et al. (2018)."""
    weights = labels / gsum(labels, -1, keepdim=True)
    return -(gsum(weights * log_softmax(scores, -1), -1)).mean()


LCWA_LOSSES = {"ce": cross_entropy_loss, "bce": bce_loss}
SLCWA_LOSSES = {"margin": margin_ranking_loss, "softplus": softplus_loss,
                "bce": pairwise_bce_loss}

__all__ = ["LCWA_LOSSES", "SLCWA_LOSSES", "bce_loss", "cross_entropy_loss",
           "margin_ranking_loss", "pairwise_bce_loss", "softplus_loss"]
