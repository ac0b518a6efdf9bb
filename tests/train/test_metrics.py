"""Metrics and their confidence intervals: values against hand counts and scikit-learn, Wilson
against its closed form and statsmodels/scipy, bootstrap coverage, printing, errors."""
import math

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.train import metrics
from glassgrad.train.metrics import Score, wilson_interval


# --- Score ----------------------------------------------------------------------------------
def test_score_prints_value_interval_and_n():
    score = Score("test accuracy", 0.912, 0.8936, 0.9271, 1000)
    assert str(score) == "test accuracy 0.912 (95% CI 0.894–0.927, n=1000)"
    assert str(Score("loss", 1.23456, n=10)) == "loss 1.235 (n=10)"
    assert float(score) == 0.912 and score > 0.9 and score < 0.95
    assert score.to_dict()["n"] == 1000
    assert "Score(name='test accuracy'" in repr(score)


# --- Wilson ---------------------------------------------------------------------------------
def test_wilson_closed_form_by_hand():
    # k=912, n=1000, z=1.959964: centre (p + z²/2n)/(1 + z²/n), half-width as in the docstring.
    z = 1.959963984540054
    p, n = 0.912, 1000
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low, high = wilson_interval(912, 1000)
    assert low == pytest.approx(centre - half, abs=1e-12)
    assert high == pytest.approx(centre + half, abs=1e-12)
    assert (round(low, 3), round(high, 3)) == (0.893, 0.928)


def test_wilson_at_the_edges_is_not_degenerate():
    low, high = wilson_interval(0, 20)
    assert low == 0.0 and high == pytest.approx(3.8415 / (20 + 3.8415), rel=1e-4)  # z²/(n+z²)
    low, high = wilson_interval(20, 20)
    assert high == 1.0 and low == pytest.approx(20 / (20 + 3.8415), rel=1e-4)


@pytest.mark.parametrize("k,n,confidence", [(912, 1000, 0.95), (3, 17, 0.95), (50, 50, 0.9),
                                            (0, 7, 0.99), (321, 1000, 0.8)])
def test_wilson_matches_statsmodels(k, n, confidence):
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    expected = proportion.proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    assert wilson_interval(k, n, confidence) == pytest.approx(expected, abs=1e-12)


def test_wilson_matches_scipy():
    stats = pytest.importorskip("scipy.stats")
    result = stats.binomtest(912, 1000).proportion_ci(confidence_level=0.95, method="wilson")
    assert wilson_interval(912, 1000) == pytest.approx((result.low, result.high), abs=1e-12)


def test_wilson_errors():
    with pytest.raises(ValueError, match="needs at least one trial, got n=0"):
        wilson_interval(0, 0)
    with pytest.raises(ValueError, match=r"successes must lie in \[0, n=10\], got 11"):
        wilson_interval(11, 10)
    with pytest.raises(ValueError, match=r"confidence must lie in \(0, 1\), got 95"):
        wilson_interval(1, 10, confidence=95)


# --- bootstrap ------------------------------------------------------------------------------
def test_bootstrap_is_seeded_and_brackets_the_value():
    rng = np.random.default_rng(1)
    x = rng.normal(size=200)
    a = metrics.bootstrap_interval(np.mean, (x,), seed=3)
    b = metrics.bootstrap_interval(np.mean, (x,), seed=3)
    c = metrics.bootstrap_interval(np.mean, (x,), seed=4)
    assert a == b and a != c
    assert a[0] < x.mean() < a[1]
    # The standard error of a mean is s/sqrt(n): the 95% interval is about ±1.96 of those.
    width = 2 * 1.96 * x.std() / math.sqrt(len(x))
    assert a[1] - a[0] == pytest.approx(width, rel=0.15)
    assert metrics.bootstrap_mean_interval(x, seed=3) == pytest.approx(a, abs=1e-12)


def test_bootstrap_coverage_of_a_known_mean():
    """Over many samples from a distribution with known mean, the 95% percentile interval
    contains the true mean in about 95% of them (a loose band: bootstrap undercovers a bit
    at n=60, and 300 trials have a standard error of ~1.3 points)."""
    rng = np.random.default_rng(0)
    trials, n, true_mean = 300, 60, 1.0
    hits = 0
    for trial in range(trials):
        sample = rng.exponential(true_mean, size=n)          # skewed: a fair test
        low, high = metrics.bootstrap_mean_interval(sample, n_resamples=400, seed=trial)
        hits += low <= true_mean <= high
    assert 0.88 <= hits / trials <= 0.985


def test_bootstrap_errors():
    with pytest.raises(ValueError, match="needs at least one sample, got 0"):
        metrics.bootstrap_interval(np.mean, (np.zeros(0),))


# --- classification values --------------------------------------------------------------------
LOGITS = np.array([[2.0, 0.1, 0.0], [0.1, 3.0, 0.2], [0.0, 0.2, 1.0], [1.0, 0.0, 0.0],
                   [0.0, 0.0, 5.0], [0.0, 2.0, 0.0], [3.0, 0.0, 0.0], [0.0, 0.0, 1.0]],
                  dtype=np.float32)
TARGET = np.array([0, 1, 2, 1, 2, 1, 0, 0])
PREDICTED = LOGITS.argmax(1)          # [0, 1, 2, 0, 2, 1, 0, 2]


def test_confusion_matrix_by_hand():
    expected = np.array([[2, 0, 1], [1, 2, 0], [0, 0, 2]])
    np.testing.assert_array_equal(metrics.confusion_matrix(LOGITS, TARGET), expected)
    np.testing.assert_array_equal(metrics.confusion_matrix(gg.tensor(PREDICTED),
                                                           gg.tensor(TARGET), 4)[:3, :3],
                                  expected)


def test_accuracy_value_and_interval():
    score = metrics.accuracy(gg.tensor(LOGITS), gg.tensor(TARGET))
    assert score.value == 6 / 8 and score.n == 8 and score.method == "wilson"
    assert (score.low, score.high) == pytest.approx(wilson_interval(6, 8))
    assert metrics.accuracy(PREDICTED, TARGET, ci=False).low is None


def test_precision_recall_f1_by_hand():
    # class 0: TP 2, FP 1, FN 1; class 1: TP 2, FP 0, FN 1; class 2: TP 2, FP 1, FN 0.
    p = np.array([2 / 3, 1.0, 2 / 3])
    r = np.array([2 / 3, 2 / 3, 1.0])
    f = 2 * p * r / (p + r)
    assert metrics.precision(LOGITS, TARGET, ci=False).value == pytest.approx(p.mean())
    assert metrics.recall(LOGITS, TARGET, ci=False).value == pytest.approx(r.mean())
    assert metrics.f1_score(LOGITS, TARGET, ci=False).value == pytest.approx(f.mean())
    per_class = metrics.f1_score(LOGITS, TARGET, average=None)
    assert [s.value for s in per_class] == pytest.approx(list(f))
    assert [s.n for s in per_class] == [3, 3, 2]
    assert per_class[1].name == "f1 (class 1)" and per_class[1].low <= per_class[1].high
    for function in (metrics.precision, metrics.recall, metrics.f1_score):
        assert function(LOGITS, TARGET, average="micro", ci=False).value == pytest.approx(6 / 8)


@pytest.mark.parametrize("average", ["macro", "micro", "weighted", None])
def test_against_scikit_learn(average):
    sklearn = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(5)
    target = rng.integers(0, 5, 300)
    predicted = np.where(rng.random(300) < 0.6, target, rng.integers(0, 5, 300))
    for ours, theirs in ((metrics.precision, sklearn.precision_score),
                         (metrics.recall, sklearn.recall_score),
                         (metrics.f1_score, sklearn.f1_score)):
        got = ours(predicted, target, average=average, ci=False)
        got = [s.value for s in got] if average is None else got.value
        expected = theirs(target, predicted, average=average, zero_division=0)
        np.testing.assert_allclose(got, expected, atol=1e-12)
    np.testing.assert_array_equal(metrics.confusion_matrix(predicted, target),
                                  sklearn.confusion_matrix(target, predicted))


def test_class_with_no_predictions_scores_zero():
    score = metrics.precision(np.array([0, 0, 0]), np.array([0, 1, 1]), average=None, ci=False)
    assert [s.value for s in score] == [pytest.approx(1 / 3), 0.0]


def test_f1_bootstrap_interval_contains_value_and_is_seeded():
    rng = np.random.default_rng(2)
    target = rng.integers(0, 4, 400)
    predicted = np.where(rng.random(400) < 0.7, target, rng.integers(0, 4, 400))
    a = metrics.f1_score(predicted, target, n_resamples=300, seed=1)
    b = metrics.f1_score(predicted, target, n_resamples=300, seed=1)
    assert (a.low, a.high) == (b.low, b.high)
    assert a.low < a.value < a.high and a.high - a.low < 0.15
    assert str(a).startswith("f1 (macro) 0.")


# --- regression -----------------------------------------------------------------------------
def test_mse_mae_values_and_intervals():
    output = gg.tensor([[1.0], [2.0], [3.0], [5.0]])
    target = gg.tensor([1.0, 1.0, 4.0, 1.0])
    mse = metrics.mean_squared_error(output, target)
    mae = metrics.mean_absolute_error(output, target)
    assert mse.value == pytest.approx((0 + 1 + 1 + 16) / 4)
    assert mae.value == pytest.approx((0 + 1 + 1 + 4) / 4)
    assert mse.low <= mse.value <= mse.high and mse.n == 4
    assert 0.0 <= mae.low <= mae.high <= 4.0
    multi = metrics.mean_squared_error(np.ones((5, 3)), np.zeros((5, 3)), ci=False)
    assert multi.value == 1.0 and multi.n == 5


# --- errors and names -----------------------------------------------------------------------
def test_errors_name_the_metric_and_what_was_wrong():
    with pytest.raises(ValueError, match=r"accuracy: target labels must lie in \[0, 3\) for 3 "
                                         r"classes, got labels from 0 to 7"):
        metrics.accuracy(LOGITS, np.array([0, 1, 2, 7, 0, 0, 0, 0]))
    with pytest.raises(ValueError, match=r"f1: 8 predictions but 3 targets"):
        metrics.f1_score(LOGITS, np.array([0, 1, 2]))
    with pytest.raises(TypeError, match=r"accuracy: targets must be integer class labels, got "
                                        r"dtype float32"):
        metrics.accuracy(LOGITS, TARGET.astype(np.float32))
    with pytest.raises(ValueError, match=r"expected scores of shape \(N, C\).*got dtype "
                                         r"float32, shape \(8,\)"):
        metrics.accuracy(LOGITS[:, 0], TARGET)
    with pytest.raises(ValueError, match=r"average must be one of"):
        metrics.precision(LOGITS, TARGET, average="samples")
    with pytest.raises(ValueError, match=r"mean_squared_error: output of shape \(2, 3\) does "
                                         r"not match the target of shape \(3, 2, 1\)"):
        metrics.mean_squared_error(np.zeros((2, 3)), np.zeros((3, 2, 1)))
    with pytest.raises(ValueError, match=r"num_classes=4"):
        metrics.accuracy(LOGITS, TARGET, num_classes=4)
    with pytest.raises(ValueError, match=r"unknown metric 'auc'; known: accuracy"):
        metrics.get_metric("auc")


def test_compute_by_name_and_with_user_functions():
    assert metrics.compute("f1_micro", LOGITS, TARGET, seed=3).value == pytest.approx(0.75)
    assert metrics.compute("accuracy", LOGITS, TARGET, n_resamples=10).method == "wilson"

    def top_class_rate(output, target):
        return float((np.asarray(output).argmax(1) == 0).mean())

    score = metrics.compute(top_class_rate, LOGITS, TARGET)
    assert score.name == "top_class_rate" and score.value == 3 / 8 and score.low is None
