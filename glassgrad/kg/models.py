"""Knowledge-graph embedding models: each scores a triple (h, r, t), higher = more plausible.

Every model offers three views of one scoring function f(h, r, t):
    score_hrt(hrt)   (B, 3) ids -> (B,) scores of those triples
    score_t(h, r)    (B,) ids each -> (B, N) scores of (h, r, e) for every entity e
    score_h(r, t)    (B,) ids each -> (B, N) scores of (e, r, t) for every entity e
The all-entity views are the "1-N" scoring of the LCWA training and the filtered evaluation;
for the bilinear models they are one matrix product with the entity table.

With `inverse=True` the model holds 2R relations and `score_h(r, t)` is `score_t(t, r + R)`:
the reciprocal-relation trick (Lacroix et al. 2018), for training with add_inverse_triples.
Complex vectors (ComplEx, RotatE) are stored as paired real halves [real | imaginary].
"""
import math

import numpy as np

from .. import nn
from ..creation import tensor
from ..ops import cat, cos, index_select, matmul, sin, sqrt, sum as gsum
from .triples import check_triples


class KGModel(nn.Module):
    """Entity and relation tables plus the three scoring views; subclasses give f."""

    complex_valued = False

    def __init__(self, num_entities, num_relations, embedding_dim, inverse=False):
        super().__init__()
        if num_entities < 1 or num_relations < 1:
            raise ValueError(f"{type(self).__name__}: needs at least one entity and one relation, "
                             f"got num_entities={num_entities}, num_relations={num_relations}")
        if embedding_dim < 1:
            raise ValueError(f"{type(self).__name__}: embedding_dim must be positive, got "
                             f"{embedding_dim}")
        self.num_entities, self.num_relations = num_entities, num_relations
        self.embedding_dim, self.inverse = embedding_dim, inverse
        width = 2 * embedding_dim if self.complex_valued else embedding_dim
        self.entity = nn.Embedding(num_entities, width)
        self.relation = nn.Embedding(num_relations * (2 if inverse else 1),
                                     self.relation_width(width))
        self.reset_parameters()

    def relation_width(self, width):
        return width

    def reset_parameters(self):
        # Xavier-uniform tables (Glorot & Bengio 2010), PyKEEN's default for these models.
        for table in (self.entity.weight, self.relation.weight):
            nn.init.xavier_uniform_(table)

    def _ids(self, ids, limit, kind):
        ids = np.asarray(ids._data if hasattr(ids, "_data") else ids).astype(np.int64)
        if ids.size and (ids.min() < 0 or ids.max() >= limit):
            raise ValueError(f"{type(self).__name__}: {kind} ids must be in [0, {limit}), got "
                             f"values from {ids.min()} to {ids.max()}")
        return ids

    def entities(self, ids):
        return index_select(self.entity.weight, 0, self._ids(ids, self.num_entities, "entity"))

    def relations(self, ids):
        return index_select(self.relation.weight, 0,
                            self._ids(ids, self.relation.weight.shape[0], "relation"))

    def score_hrt(self, hrt):
        hrt = check_triples(hrt, self.num_entities, self.relation.weight.shape[0],
                            f"{type(self).__name__}.score_hrt")
        h, r, t = self.entities(hrt[:, 0]), self.relations(hrt[:, 1]), self.entities(hrt[:, 2])
        return self.interaction(h, r, t)

    def score_t(self, h, r):
        return self.all_tails(self.entities(h), self.relations(r))

    def score_h(self, r, t):
        if self.inverse:
            return self.score_t(t, self._ids(r, self.num_relations, "relation")
                                + self.num_relations)
        return self.all_heads(self.relations(r), self.entities(t))

    def forward(self, hrt):
        return self.score_hrt(hrt)

    def extra_repr(self):
        return (f"num_entities={self.num_entities}, num_relations={self.num_relations}, "
                f"embedding_dim={self.embedding_dim}, inverse={self.inverse}")


def _halves(x):
    d = x.shape[-1] // 2
    return x[..., :d], x[..., d:]


def _distance(x, y, p):
    """||x - y||_p over the last dim; p=2 with a tiny epsilon so the gradient at 0 is finite."""
    diff = x - y
    if p == 1:
        return gsum(diff.abs(), -1)
    return sqrt(gsum(diff * diff, -1) + 1e-12)


class TransE(KGModel):
    """f(h, r, t) = -||h + r - t||_p: a relation is a translation in the embedding space.

    - Paper: Bordes, Usunier, Garcia-Durán, Weston & Yakhnenko, "Translating Embeddings for
      Modeling Multi-relational Data", NeurIPS 2013.

    Args: num_entities, num_relations, embedding_dim; p: the norm (1 or 2); inverse.
    """

    def __init__(self, num_entities, num_relations, embedding_dim=50, p=2, inverse=False):
        if p not in (1, 2):
            raise ValueError(f"TransE: p must be 1 or 2, got {p}")
        self.p = p
        super().__init__(num_entities, num_relations, embedding_dim, inverse)

    def interaction(self, h, r, t):
        return -_distance(h + r, t, self.p)

    def all_tails(self, h, r):
        return self._to_all(h + r, self.entity.weight)

    def all_heads(self, r, t):
        # ||h + r - t|| = ||h - (t - r)||: the heads near t - r.
        return self._to_all(t - r, self.entity.weight)

    def _to_all(self, query, table):
        if self.p == 1:
            return -gsum((query.unsqueeze(1) - table.unsqueeze(0)).abs(), -1)
        # ||q - e||² = |q|² - 2 q·e + |e|²: one matrix product instead of a (B, N, d) tensor.
        squared = (gsum(query * query, -1, keepdim=True) - 2 * matmul(query, table.t())
                   + gsum(table * table, -1).unsqueeze(0))
        return -sqrt(squared.clamp(min=0.0) + 1e-12)


class DistMult(KGModel):
    """f(h, r, t) = <h, r, t> = Σ_i h_i r_i t_i: a diagonal bilinear form (symmetric in h, t).

    - Paper: Yang, Yih, He, Gao & Deng, "Embedding Entities and Relations for Learning and
      Inference in Knowledge Bases", ICLR 2015.
    """

    def __init__(self, num_entities, num_relations, embedding_dim=50, inverse=False):
        super().__init__(num_entities, num_relations, embedding_dim, inverse)

    def interaction(self, h, r, t):
        return gsum(h * r * t, -1)

    def all_tails(self, h, r):
        return matmul(h * r, self.entity.weight.t())

    def all_heads(self, r, t):
        return matmul(r * t, self.entity.weight.t())


class ComplEx(KGModel):
    """f(h, r, t) = Re(<h, r, conj(t)>) = Re(Σ_i h_i r_i conj(t_i)), with h, r, t ∈ ℂ^d.

    The conjugate makes the score asymmetric, so antisymmetric relations can be modelled.
    Stored as real tables of width 2d: [Re | Im].

    - Paper: Trouillon, Welbl, Riedel, Gaussier & Bouchard, "Complex Embeddings for Simple Link
      Prediction", ICML 2016.
    """

    complex_valued = True

    def __init__(self, num_entities, num_relations, embedding_dim=50, inverse=False):
        super().__init__(num_entities, num_relations, embedding_dim, inverse)

    @staticmethod
    def _times(a, b):
        """The complex product a ∘ b of [Re | Im] halves, as [Re | Im]."""
        a_re, a_im = _halves(a)
        b_re, b_im = _halves(b)
        return cat([a_re * b_re - a_im * b_im, a_re * b_im + a_im * b_re], -1)

    def interaction(self, h, r, t):
        # Re(q conj(t)) = q_re t_re + q_im t_im: a plain dot product of the [Re | Im] vectors.
        return gsum(self._times(h, r) * t, -1)

    def all_tails(self, h, r):
        return matmul(self._times(h, r), self.entity.weight.t())

    def all_heads(self, r, t):
        # Re(h w) with w = r conj(t) is h_re w_re - h_im w_im = h · [w_re | -w_im].
        r_re, r_im = _halves(r)
        t_re, t_im = _halves(t)
        w = cat([r_re * t_re + r_im * t_im, -(r_im * t_re - r_re * t_im)], -1)
        return matmul(w, self.entity.weight.t())


class RotatE(KGModel):
    """f(h, r, t) = -||h ∘ r - t|| = -Σ_i |h_i r_i - t_i|, with |r_i| = 1: a relation rotates
    each complex coordinate of the head by a phase θ_i (r_i = e^{iθ_i}).

    - Paper: Sun, Deng, Nie & Tang, "RotatE: Knowledge Graph Embedding by Relational Rotation
      in Complex Space", ICLR 2019.

    Relations are stored as d phases; entities as [Re | Im] halves.
    """

    complex_valued = True

    def __init__(self, num_entities, num_relations, embedding_dim=50, inverse=False):
        super().__init__(num_entities, num_relations, embedding_dim, inverse)

    def relation_width(self, width):
        return width // 2          # one phase per complex coordinate

    def reset_parameters(self):
        nn.init.xavier_uniform_(self.entity.weight)
        nn.init.uniform_(self.relation.weight, -math.pi, math.pi)

    @staticmethod
    def _rotate(x, phase, sign=1.0):
        x_re, x_im = _halves(x)
        c, s = cos(phase), sin(phase) * sign
        return x_re * c - x_im * s, x_re * s + x_im * c

    @staticmethod
    def _modulus_sum(d_re, d_im):
        return gsum(sqrt(d_re * d_re + d_im * d_im + 1e-12), -1)

    def interaction(self, h, r, t):
        q_re, q_im = self._rotate(h, r)
        t_re, t_im = _halves(t)
        return -self._modulus_sum(q_re - t_re, q_im - t_im)

    def _to_all(self, q_re, q_im):
        e_re, e_im = _halves(self.entity.weight)
        return -self._modulus_sum(q_re.unsqueeze(1) - e_re.unsqueeze(0),
                                  q_im.unsqueeze(1) - e_im.unsqueeze(0))

    def all_tails(self, h, r):
        return self._to_all(*self._rotate(h, r))

    def all_heads(self, r, t):
        # |h r - t| = |h - t conj(r)| since |r| = 1: the heads near t rotated back.
        return self._to_all(*self._rotate(t, r, sign=-1.0))


MODELS = {"transe": TransE, "distmult": DistMult, "complex": ComplEx, "rotate": RotatE}


def get_model(name, num_entities, num_relations, embedding_dim, inverse=False, **options):
    key = str(name).lower()
    if key not in MODELS:
        raise ValueError(f"kg: unknown model {name!r}; expected one of {', '.join(MODELS)}")
    return MODELS[key](num_entities, num_relations, embedding_dim, inverse=inverse, **options)


__all__ = ["ComplEx", "DistMult", "KGModel", "MODELS", "RotatE", "TransE", "get_model"]
