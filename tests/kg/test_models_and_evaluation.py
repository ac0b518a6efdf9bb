"""KG scoring functions vs their paper formulas; filtered realistic ranks vs brute force."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.kg import (ComplEx, DistMult, RotatE, TransE, evaluate, load_dataset,
                          realistic_ranks, train)
from glassgrad.kg.triples import TriplesFactory


def _tables(model):
    return model.entity.weight._data.astype(np.float64), model.relation.weight._data.astype(
        np.float64)


def _paper_score(model, h, r, t):
    E, R = _tables(model)
    if isinstance(model, TransE):
        return -np.linalg.norm(E[h] + R[r] - E[t], ord=model.p)
    if isinstance(model, DistMult):
        return np.sum(E[h] * R[r] * E[t])
    d = model.embedding_dim
    c = lambda v: v[:d] + 1j * v[d:]          # noqa: E731
    if isinstance(model, ComplEx):
        return np.real(np.sum(c(E[h]) * c(R[r]) * np.conj(c(E[t]))))
    return -np.sum(np.abs(c(E[h]) * np.exp(1j * R[r]) - c(E[t])))


@pytest.mark.parametrize("make", [lambda: TransE(6, 3, 4, p=1), lambda: TransE(6, 3, 4, p=2),
                                  lambda: DistMult(6, 3, 4), lambda: ComplEx(6, 3, 4),
                                  lambda: RotatE(6, 3, 4)])
def test_scores_match_the_paper_formula_in_all_three_views(make):
    gg.manual_seed(0)
    model = make()
    triples = np.array([[0, 1, 2], [5, 0, 5], [3, 2, 1]])
    scores = model.score_hrt(triples)._data
    tails = model.score_t(triples[:, 0], triples[:, 1])._data
    heads = model.score_h(triples[:, 1], triples[:, 2])._data
    for i, (h, r, t) in enumerate(triples):
        assert scores[i] == pytest.approx(_paper_score(model, h, r, t), rel=1e-4, abs=1e-5)
        for e in range(6):
            assert tails[i, e] == pytest.approx(_paper_score(model, h, r, e), rel=1e-4, abs=1e-5)
            assert heads[i, e] == pytest.approx(_paper_score(model, e, r, t), rel=1e-4, abs=1e-5)


def _brute_rank(scores, true, known):
    """Written out: over the entities that are not other known truths, count better and tied."""
    better = tied = 0
    for e, s in enumerate(scores):
        if e == true or known[e]:
            continue
        better += s > scores[true]
        tied += s == scores[true]
    return ((1 + better) + (1 + better + tied)) / 2


def test_realistic_ranks_match_brute_force_with_ties():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 4, (30, 9)).astype(float)      # many ties on purpose
    true = rng.integers(0, 9, 30)
    known = rng.random((30, 9)) < 0.3
    expected = [_brute_rank(scores[i], true[i], known[i]) for i in range(30)]
    assert np.allclose(realistic_ranks(scores, true, known), expected)
    assert realistic_ranks(np.zeros((1, 5)), np.array([2]))[0] == 3.0   # all tied: middle


class _Fixed:
    """A 'model' with a fixed score table, to check evaluate's filtering end to end."""
    num_entities, num_relations, training = 4, 1, False

    def __init__(self, table):
        self.table = table

    def eval(self):
        pass

    def train(self, mode=True):
        pass

    def score_t(self, h, r):
        return gg.tensor(self.table[h])

    def score_h(self, r, t):
        return gg.tensor(self.table[:, t].T.copy())


def test_filtered_evaluation_removes_other_true_triples_on_both_sides():
    table = np.array([[0., 3, 2, 1], [1, 0, 5, 5], [0, 0, 0, 0], [2, 2, 2, 9]])
    test = np.array([[0, 0, 2], [1, 0, 3]])
    known = np.concatenate([test, [[0, 0, 1], [2, 0, 3]]])
    result = evaluate(_Fixed(table), test, known, ci=False)
    # (0,0,2): tail scores 0,3,2,1, entity 1 filtered -> rank 1; head scores of t=2: 2,5,0,2,
    # no other known head of (?,0,2) -> 5 beats, 3 ties -> 2.5
    # (1,0,3): tail 1,0,5,5 -> tie with 2 -> 1.5; heads of t=3: 1,5,0,9, heads 2 known -> 2
    assert list(result.ranks_tail) == [1.0, 1.5]
    assert list(result.ranks_head) == [2.5, 2.0]
    assert result.metrics["mrr"].value == pytest.approx(np.mean(1 / np.array([2.5, 2, 1, 1.5])))


def test_unknown_entity_at_evaluation_names_the_triple():
    factory = TriplesFactory.from_labeled([("a", "r", "b")])
    with pytest.raises(ValueError, match="unknown entity 'c'"):
        factory.map_labeled([("a", "r", "c")], source="test.txt")
    with pytest.raises(ValueError, match="no relations"):
        TriplesFactory.from_labeled([])


def test_complex_learns_nations_quickly():
    """A small run that must clearly beat chance (random MRR on 14 entities is ~0.23)."""
    data = load_dataset("nations")
    gg.manual_seed(0)
    model = ComplEx(data.num_entities, data.num_relations, 32, inverse=True)
    train(model, data.training.mapped, epochs=20, lr=0.01, regularizer="n3",
          regularizer_weight=0.01)
    result = evaluate(model, data.testing, data.all_triples())
    assert result.metrics["mrr"].value > 0.55
    assert result.metrics["mrr"].low < result.metrics["mrr"].value < result.metrics["mrr"].high
