"""Regularisers of the embeddings used in a batch (not the whole table).

- N3: λ/B Σ |x|³ over the moduli of the batch's h, r, t coordinates; the weighted nuclear
  3-norm of the CP tensor. Paper: Lacroix, Usunier & Obozinski, "Canonical Tensor
  Decomposition for Knowledge Base Completion", ICML 2018.
- L2: λ/B Σ x² (Yang et al. 2015; Trouillon et al. 2016 regularise ComplEx this way).
"""
from ..ops import sqrt
from ..ops import sum as gsum


def _moduli(x, complex_valued):
    if not complex_valued:
        return x.abs()
    d = x.shape[-1] // 2
    return sqrt(x[..., :d] * x[..., :d] + x[..., d:] * x[..., d:] + 1e-12)


def n3(factors, weight, complex_valued=False):
    batch = factors[0].shape[0]
    return weight * sum(gsum(_moduli(f, complex_valued) ** 3) for f in factors) / batch


def l2(factors, weight, complex_valued=False):
    batch = factors[0].shape[0]
    return weight * sum(gsum(f * f) for f in factors) / batch


REGULARIZERS = {"n3": n3, "l2": l2}

__all__ = ["REGULARIZERS", "l2", "n3"]
