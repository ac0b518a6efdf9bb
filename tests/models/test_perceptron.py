"""Rosenblatt's perceptron: the rule by hand, convergence within Novikoff's bound on separable
data, no convergence on XOR, labels kept, state dict, errors."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.models import Perceptron


def separable(n=200, d=3, margin=0.2, seed=0):
    """Points at least `margin` from the plane u·x + c = 0 (u a unit vector), labelled by side."""
    rng = np.random.default_rng(seed)
    u = rng.standard_normal(d)
    u /= np.linalg.norm(u)
    c = 0.3
    x = rng.uniform(-2, 2, (4 * n, d))
    x = x[np.abs(x @ u + c) >= margin][:n]
    return x, np.where(x @ u + c > 0, 1, -1), u, c


def test_rule_by_hand():
    """Two points, in order, from zero weights: every step of the rule written out."""
    x = np.array([[1.0, 2.0], [-1.0, -0.5]])
    y = np.array([1, -1])
    p = Perceptron(2, learning_rate=0.5, shuffle=False).fit(x, y)
    # epoch 1: x0 scored 0 ≤ 0 → w = 0.5·(1, 2) = (0.5, 1), b = 0.5;
    #          x1 scored -0.5 - 0.5 + 0.5 = -0.5, y=-1: correct.
    # epoch 2: no mistakes → converged.
    np.testing.assert_allclose(p.weight._data, [0.5, 1.0])
    assert p.bias.item() == pytest.approx(0.5)
    assert p.converged_ and p.n_epochs_ == 2 and p.mistakes_per_epoch_ == [1, 0]
    assert p.weight.dtype == np.float32


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_converges_on_separable_data_within_novikoffs_bound(seed):
    x, y, u, c = separable(seed=seed)
    p = Perceptron(3, max_epochs=1000, generator=gg.Generator(seed)).fit(x, y)
    assert p.converged_
    np.testing.assert_array_equal(p.predict(x)._data, y)
    # Novikoff: mistakes ≤ (R/γ)² for augmented x̃ = (x, 1) and unit separator (u, c)/‖(u, c)‖
    augmented = np.hstack([x, np.ones((len(x), 1))])
    unit = np.append(u, c) / np.linalg.norm(np.append(u, c))
    gamma = (y * (augmented @ unit)).min()
    radius = np.linalg.norm(augmented, axis=1).max()
    assert gamma > 0 and p.n_updates_ <= (radius / gamma) ** 2
    assert p.n_updates_ == sum(p.mistakes_per_epoch_)


def test_learning_rate_only_scales_the_weights():
    x, y, _, _ = separable(seed=4)
    a = Perceptron(3, learning_rate=1.0, shuffle=False).fit(x, y)
    b = Perceptron(3, learning_rate=0.01, shuffle=False).fit(x, y)
    np.testing.assert_allclose(b.weight._data, 0.01 * a.weight._data, rtol=1e-5)
    np.testing.assert_array_equal(a.predict(x)._data, b.predict(x)._data)


def test_does_not_converge_on_xor():
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    p = Perceptron(2, max_epochs=50, generator=gg.Generator(0)).fit(x, np.array([0, 1, 1, 0]))
    assert not p.converged_ and p.n_epochs_ == 50
    assert all(m > 0 for m in p.mistakes_per_epoch_)
    assert (p.predict(x)._data == np.array([0, 1, 1, 0])).mean() < 1.0


def test_labels_round_trip_and_state_dict():
    x, y, _, _ = separable(seed=5)
    labels = np.where(y > 0, 7, 3)                          # any two labels
    p = Perceptron(3, generator=gg.Generator(1)).fit(gg.tensor(x), gg.tensor(labels))
    np.testing.assert_array_equal(p.predict(x)._data, labels)
    scores = p(gg.tensor(x.astype(np.float32)))
    np.testing.assert_array_equal(scores._data > 0, labels == 7)
    assert list(p.state_dict()) == ["weight", "bias"] and not list(p.parameters())
    q = Perceptron(3)
    q.load_state_dict(p.state_dict())
    q.classes_ = p.classes_
    np.testing.assert_array_equal(q.predict(x)._data, labels)


def test_shuffling_reproducible_from_generator():
    x, y, _, _ = separable(seed=6)
    a = Perceptron(3, generator=gg.Generator(9)).fit(x, y)
    b = Perceptron(3, generator=gg.Generator(9)).fit(x, y)
    np.testing.assert_array_equal(a.weight._data, b.weight._data)


def test_errors():
    p = Perceptron(3)
    with pytest.raises(ValueError, match=r"Perceptron\(3\): expected inputs of shape \(n, 3\), "
                                         r"got \(4, 2\)"):
        p.fit(np.zeros((4, 2)), np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError, match=r"needs exactly two classes, got \[0, 1, 2\]"):
        p.fit(np.zeros((3, 3)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"y must have shape \(3,\)"):
        p.fit(np.zeros((3, 3)), np.array([0, 1]))
    with pytest.raises(ValueError, match="learning_rate must be positive"):
        Perceptron(2, learning_rate=0)
