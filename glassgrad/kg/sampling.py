"""Negative sampling: corrupt the head or the tail of a true triple with a random entity.

- uniform: head or tail with probability 1/2 (Bordes et al. 2013).
- bernoulli: per relation, replace the head with probability tph / (tph + hpt), where tph is
  the mean number of tails per head and hpt of heads per tail, so that a 1-to-N relation
  corrupts its "one" side and false negatives get rarer. Paper: Wang, Zhang, Feng & Chen,
  "Knowledge Graph Embedding by Translating on Hyperplanes", AAAI 2014 (TransH).
"""
import numpy as np


def bernoulli_head_probability(triples, num_relations):
    """(R,) probability of corrupting the head for each relation (TransH's tph/(tph+hpt))."""
    probability = np.full(num_relations, 0.5)
    for rel in np.unique(triples[:, 1]):
        rows = triples[triples[:, 1] == rel]
        _, per_head = np.unique(rows[:, 0], return_counts=True)
        _, per_tail = np.unique(rows[:, 2], return_counts=True)
        tph, hpt = per_head.mean(), per_tail.mean()
        probability[rel] = tph / (tph + hpt)
    return probability


class NegativeSampler:
    """k corrupted copies of each positive triple: (B, 3) -> (B, k, 3).

    Args:
        triples: the training triples (for Bernoulli's statistics).
        num_entities, num_relations: table sizes.
        num_negatives: k. method: 'uniform' or 'bernoulli'. rng: a numpy Generator.
    """

    def __init__(self, triples, num_entities, num_relations, num_negatives=1, method="uniform",
                 rng=None):
        if method not in ("uniform", "bernoulli"):
            raise ValueError(f"NegativeSampler: method must be 'uniform' or 'bernoulli', got "
                             f"{method!r}")
        if num_negatives < 1:
            raise ValueError(f"NegativeSampler: num_negatives must be >= 1, got {num_negatives}")
        self.num_entities, self.num_negatives, self.method = num_entities, num_negatives, method
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.head_probability = (bernoulli_head_probability(triples, num_relations)
                                 if method == "bernoulli" else None)

    def sample(self, positive):
        batch = len(positive)
        negative = np.repeat(positive[:, None, :], self.num_negatives, axis=1)
        if self.head_probability is None:
            p = np.full((batch, 1), 0.5)
        else:
            p = self.head_probability[positive[:, 1]][:, None]
        corrupt_head = self.rng.random((batch, self.num_negatives)) < p
        entities = self.rng.integers(0, self.num_entities, (batch, self.num_negatives))
        negative[..., 0] = np.where(corrupt_head, entities, negative[..., 0])
        negative[..., 2] = np.where(corrupt_head, negative[..., 2], entities)
        return negative


__all__ = ["NegativeSampler", "bernoulli_head_probability"]
