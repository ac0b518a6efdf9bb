"""Dropout (Srivastava et al. 2014) with inverted scaling.

- Paper: Srivastava, Hinton, Krizhevsky, Sutskever & Salakhutdinov, "Dropout: A Simple Way to
  Prevent Neural Networks from Overfitting", JMLR 2014.
"""
import numpy as np

from ...random import _generator


def dropout(input, p=0.5, training=True, inplace=False, generator=None):
    """Zero each element with probability p and scale the survivors by 1/(1 - p).

    Scaling at training time ("inverted" dropout) keeps E[output] = input, so evaluation is the
    identity, with nothing to correct. `generator=` (a glassgrad.Generator) makes the mask
    reproducible. The mask is a constant of the graph: the gradient is masked and scaled alike.
    glassgrad never computes in place; `inplace` is accepted for torch compatibility.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    dtype = input._data.dtype
    if p == 1.0:
        return input * np.zeros(input.shape, dtype=dtype)
    keep = _generator(generator).random(input.shape, dtype=np.float32) >= p
    scale = np.asarray(1.0 / (1.0 - p), dtype=dtype)
    return input * np.multiply(keep, scale, dtype=dtype)


__all__ = ["dropout"]
