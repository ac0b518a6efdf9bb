"""Filtered link-prediction evaluation: rank the true entity among all entities, both sides.

For a test triple (h, r, t) the tail side scores (h, r, e) for every entity e, and the head
side (e, r, t). "Filtered" (Bordes et al. 2013): every other e that makes a known true triple
(in train, valid or test) is removed before ranking, so the model is not blamed for ranking a
true fact above the test fact. Ties get the *realistic* rank, the mean of the optimistic rank
(1 + #better) and the pessimistic rank (1 + #better + #tied) (Berrendorf et al., "On the
Ambiguity of Rank-Based Evaluation of Entity Alignment or Link Prediction Methods", 2020): a
model that gives every entity the same score gets the rank of a random guess, not rank 1.

Metrics over the 2n ranks of both sides: MRR (mean reciprocal rank), Hits@1/3/10 (share of
ranks <= k), MR (mean rank), each with a 95% percentile-bootstrap CI over the test triples
(glassgrad.train.metrics), and a per-relation breakdown.
"""
from dataclasses import dataclass, field

import numpy as np

from ..autograd import no_grad
from ..train.metrics import Score, bootstrap_mean_interval
from .triples import check_triples

KS = (1, 3, 10)


def _keys(pairs, num_entities):
    return pairs[:, 0] * num_entities + pairs[:, 1]


class Filter:
    """For each (context, relation) key, the entities that complete a known true triple.

    Built once from all known triples; `mask(ctx, rel)` gives the (B, N) boolean matrix of the
    true entities of each query, by binary search in the sorted keys (no Python loop).
    """

    def __init__(self, triples, num_entities, num_relations, side):
        context, target = (0, 2) if side == "tail" else (2, 0)
        keys = triples[:, context] * num_relations + triples[:, 1]
        order = np.argsort(keys, kind="stable")
        self.keys, self.targets = keys[order], triples[order, target]
        self.num_entities, self.num_relations = num_entities, num_relations

    def mask(self, context, relation):
        keys = context * self.num_relations + relation
        start = np.searchsorted(self.keys, keys, "left")
        stop = np.searchsorted(self.keys, keys, "right")
        counts = stop - start
        rows = np.repeat(np.arange(len(keys)), counts)
        # positions start[i], ..., stop[i] - 1 for every query i, flattened
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        mask = np.zeros((len(keys), self.num_entities), dtype=bool)
        mask[rows, self.targets[np.repeat(start, counts) + offsets]] = True
        return mask


def realistic_ranks(scores, true_index, known=None):
    """Realistic ranks of scores[i, true_index[i]] in each row, ignoring `known` entries.

    rank = (optimistic + pessimistic) / 2 with optimistic = 1 + #(score > true) and
    pessimistic = 1 + #(score >= true, other than the true entity itself). NaN scores are an
    error (a diverged model must not look good).
    """
    scores = np.asarray(scores, dtype=np.float64)
    if np.isnan(scores).any():
        raise ValueError("realistic_ranks: the model produced NaN scores; it has diverged")
    rows = np.arange(len(scores))
    true = scores[rows, true_index][:, None]
    others = np.ones(scores.shape, dtype=bool)
    others[rows, true_index] = False
    if known is not None:
        others &= ~known
    better = ((scores > true) & others).sum(1)
    tied = ((scores == true) & others).sum(1)
    return 1.0 + better + tied / 2.0


@dataclass
class RankingResult:
    """Ranks of both sides and the metrics with CIs; `str()` prints the table."""
    ranks_head: np.ndarray
    ranks_tail: np.ndarray
    relations: np.ndarray
    relation_labels: list = None
    metrics: dict = field(default_factory=dict)

    @property
    def ranks(self):
        return np.concatenate([self.ranks_head, self.ranks_tail])

    def compute(self, ci=True, seed=0):
        ranks = self.ranks
        per = {"mrr": 1.0 / ranks, "mean_rank": ranks}
        for k in KS:
            per[f"hits@{k}"] = (ranks <= k).astype(np.float64)
        self.metrics = {}
        for name, values in per.items():
            # Resample triples, not sides: a triple's two ranks are not independent.
            paired = values.reshape(2, -1).mean(0)
            low, high = bootstrap_mean_interval(paired, seed=seed) if ci else (None, None)
            self.metrics[name] = Score(name, values.mean(), low, high, n=len(paired),
                                       method="bootstrap" if ci else None)
        return self

    def per_relation(self):
        """{relation: {'n', 'mrr', 'hits@10'}} over both sides of its test triples."""
        out = {}
        both = np.concatenate([self.relations, self.relations])
        ranks = self.ranks
        for rel in np.unique(self.relations):
            r = ranks[both == rel]
            label = self.relation_labels[rel] if self.relation_labels else int(rel)
            out[label] = {"n": int((self.relations == rel).sum()), "mrr": float((1 / r).mean()),
                          "hits@10": float((r <= 10).mean())}
        return out

    def to_dict(self):
        return {name: score.to_dict() for name, score in self.metrics.items()}

    def __str__(self):
        lines = [f"{'metric':<10} {'value':>8}  95% CI"]
        for name, score in self.metrics.items():
            interval = "" if score.low is None else f"{score.low:.3f}–{score.high:.3f}"
            digits = ".2f" if name == "mean_rank" else ".3f"
            lines.append(f"{name:<10} {score.value:>8{digits}}  {interval}")
        lines.append(f"(filtered, both sides, realistic ranks, n={len(self.ranks_tail)} test "
                     "triples)")
        return "\n".join(lines)


def evaluate(model, triples, filter_triples=None, batch_size=512, ci=True, relation_labels=None):
    """Filtered rank-based evaluation of `model` on `triples` (n, 3) ids, both sides.

    `filter_triples`: every known true triple (train + valid + test); None ranks unfiltered.
    Returns a RankingResult (metrics with 95% CIs; `.per_relation()`).
    """
    relations_total = model.num_relations
    triples = check_triples(triples, model.num_entities, relations_total, "kg.evaluate")
    if filter_triples is not None:
        filter_triples = check_triples(filter_triples, model.num_entities, relations_total,
                                       "kg.evaluate filter_triples")
        filters = {side: Filter(filter_triples, model.num_entities, relations_total, side)
                   for side in ("head", "tail")}
    heads, tails = [], []
    was_training = model.training
    model.eval()
    with no_grad():
        for start in range(0, len(triples), batch_size):
            batch = triples[start:start + batch_size]
            h, r, t = batch[:, 0], batch[:, 1], batch[:, 2]
            known_t = filters["tail"].mask(h, r) if filter_triples is not None else None
            known_h = filters["head"].mask(t, r) if filter_triples is not None else None
            tails.append(realistic_ranks(model.score_t(h, r)._data, t, known_t))
            heads.append(realistic_ranks(model.score_h(r, t)._data, h, known_h))
    model.train(was_training)
    result = RankingResult(np.concatenate(heads), np.concatenate(tails), triples[:, 1],
                           relation_labels)
    return result.compute(ci=ci)


__all__ = ["Filter", "KS", "RankingResult", "evaluate", "realistic_ranks"]
