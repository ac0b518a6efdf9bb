"""Logistic regression fitted by minimising the NLL: closed-form optima, the score equations,
Newton vs gradient descent vs an independent numpy IRLS, separable data, errors."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.models import LogisticRegression


def logit(p):
    return np.log(p / (1 - p))


def generated(n=400, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3))
    true_w, true_b = np.array([1.5, -2.0, 0.5]), 0.3
    p = 1 / (1 + np.exp(-(x @ true_w + true_b)))
    return x, (rng.random(n) < p).astype(np.int64)


def irls(x, y, iterations=50):
    """Iteratively reweighted least squares in plain numpy (the test's own transcription)."""
    xt = np.hstack([x, np.ones((len(x), 1))])
    theta = np.zeros(xt.shape[1])
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-xt @ theta))
        theta += np.linalg.solve(xt.T @ (xt * (p * (1 - p))[:, None]), xt.T @ (y - p))
    return theta


def params(model):
    return np.append(model.linear.weight._data.ravel(), model.linear.bias._data)


def test_intercept_only_model_gives_the_logit_of_the_mean():
    y = np.array([1, 1, 1, 0, 1, 0, 1, 1, 0, 1])
    model = LogisticRegression(0).fit(np.zeros((10, 0)), y)
    assert model.converged_
    assert model.linear.bias.item() == pytest.approx(logit(0.7), rel=1e-5)
    np.testing.assert_allclose(model.predict_proba(np.zeros((2, 0)))._data, 0.7, rtol=1e-5)


def test_one_binary_feature_gives_the_difference_of_logits():
    # group x=0: 3 of 10 positive; group x=1: 8 of 10 positive
    x = np.repeat([0.0, 1.0], 10)[:, None]
    y = np.array([1] * 3 + [0] * 7 + [1] * 8 + [0] * 2)
    model = LogisticRegression(1).fit(x, y)
    assert model.linear.bias.item() == pytest.approx(logit(0.3), rel=1e-5)
    assert model.linear.weight.item() == pytest.approx(logit(0.8) - logit(0.3), rel=1e-5)


def test_score_equations_hold_and_methods_agree():
    x, y = generated()
    newton = LogisticRegression(3).fit(x, y)
    gd = LogisticRegression(3).fit(x, y, method="gd", lr=2.0, max_iter=5000, tol=1e-7)
    assert newton.converged_ and newton.n_iter_ < 15 and gd.converged_
    theta = irls(x, y)
    np.testing.assert_allclose(params(newton), theta, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(params(gd), theta, rtol=1e-4, atol=1e-5)
    # at the optimum the gradient (1/n) X̃ᵀ(p - y) vanishes
    p = newton.predict_proba(x)._data.astype(np.float64)
    xt = np.hstack([x, np.ones((len(x), 1))])
    np.testing.assert_allclose(xt.T @ (p - y) / len(y), 0.0, atol=1e-6)
    # and the fitted model's loss is no larger than at nearby points
    loss = newton.loss(x, y).item()
    assert loss < LogisticRegression(3).loss(x, y).item()        # zero weights: log 2
    assert LogisticRegression(3).loss(x, y).item() == pytest.approx(np.log(2), rel=1e-6)


def test_weight_decay_shrinks_the_weights():
    x, y = generated(seed=1)
    plain = LogisticRegression(3).fit(x, y)
    ridge = LogisticRegression(3).fit(x, y, weight_decay=0.5)
    assert np.linalg.norm(ridge.linear.weight._data) < np.linalg.norm(plain.linear.weight._data)
    # ridge optimum: (1/n) X̃ᵀ(p - y) + λ·(w, 0) = 0
    p = ridge.predict_proba(x)._data.astype(np.float64)
    xt = np.hstack([x, np.ones((len(x), 1))])
    penalty = np.append(0.5 * ridge.linear.weight._data.ravel(), 0.0)
    np.testing.assert_allclose(xt.T @ (p - y) / len(y) + penalty, 0.0, atol=1e-6)


def test_separable_data_classified_perfectly():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((100, 2))
    direction = np.array([2.0, -1.0])
    keep = np.abs(x @ direction) > 0.3
    x, y = x[keep], (x[keep] @ direction > 0).astype(np.int64)
    model = LogisticRegression(2).fit(x, y, max_iter=30)
    np.testing.assert_array_equal(model.predict(x)._data, y)
    assert model.loss(x, y).item() < 1e-3                     # the NLL heads to zero
    w = model.linear.weight._data.ravel()
    assert w @ direction / (np.linalg.norm(w) * np.linalg.norm(direction)) > 0.95
    assert model.predict(x).dtype == np.int64


def test_parameters_float32_and_trainable_as_a_module():
    x, y = generated(n=64, seed=3)
    model = LogisticRegression(3)
    assert [n for n, _ in model.named_parameters()] == ["linear.weight", "linear.bias"]
    loss = model.loss(x, y)
    loss.backward()
    assert loss.dtype == np.float32 and model.linear.weight.grad.dtype == np.float32
    xt = np.hstack([x, np.ones((len(x), 1))])
    expected = xt.T @ (0.5 - y) / len(y)                     # gradient at zero weights
    np.testing.assert_allclose(params_grad(model), expected, rtol=1e-5, atol=1e-7)


def params_grad(model):
    return np.append(model.linear.weight.grad._data.ravel(), model.linear.bias.grad._data)


def test_errors():
    model = LogisticRegression(2)
    with pytest.raises(ValueError, match=r"LogisticRegression\(2\): expected X of shape "
                                         r"\(n, 2\), got \(3, 4\)"):
        model.fit(np.zeros((3, 4)), np.zeros(3))
    with pytest.raises(ValueError, match=r"y must hold 0/1 labels .* values \[0.0, 2.0\]"):
        model.fit(np.zeros((3, 2)), np.array([0, 2, 2]))
    with pytest.raises(ValueError, match="method must be 'newton' or 'gd'"):
        model.fit(np.zeros((3, 2)), np.zeros(3), method="lbfgs")
    assert isinstance(model.predict(gg.zeros(2, 2)), gg.Tensor)


# --- the multinomial model (num_classes=C), e.g. the MNIST-1D paper's baseline ----------------
def generated_classes(n=300, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3))
    w = np.array([[1.0, -1.0, 0.5], [0.0, 2.0, -1.0], [-1.0, 0.0, 1.0]])
    p = np.exp(x @ w.T)
    p /= p.sum(1, keepdims=True)
    return x, np.array([rng.choice(3, p=row) for row in p])


def test_multinomial_shapes_initialisation_and_repr():
    gg.manual_seed(0)
    model = LogisticRegression(40, 10)
    assert model.linear.weight.shape == (10, 40) and model.linear.bias.shape == (10,)
    assert sum(p.numel() for p in model.parameters()) == 410          # the paper's count
    assert np.abs(model.linear.weight._data).max() > 0               # nn.Linear's default init
    assert model(gg.randn(3, 40)).shape == (3, 10)
    assert model.extra_repr() == "in_features=40, num_classes=10"
    assert LogisticRegression(3).extra_repr() == "in_features=3"
    with pytest.raises(ValueError, match="num_classes must be None .* got 0"):
        LogisticRegression(3, 0)


def test_multinomial_fit_solves_the_score_equations():
    x, y = generated_classes()
    gg.manual_seed(0)
    newton = LogisticRegression(3, 3).fit(x, y)
    assert newton.converged_ and newton.n_iter_ < 15
    p = newton.predict_proba(x)._data.astype(np.float64)
    np.testing.assert_allclose(p.sum(1), 1.0, rtol=1e-6)
    # at the optimum the gradient (1/n) X̃ᵀ(P - Y) vanishes for every class
    xt = np.hstack([x, np.ones((len(x), 1))])
    np.testing.assert_allclose(xt.T @ (p - np.eye(3)[y]) / len(y), 0.0, atol=1e-6)
    np.testing.assert_array_equal(newton.predict(x)._data, p.argmax(1))
    assert newton.predict(x).dtype == np.int64
    gd = LogisticRegression(3, 3).fit(x, y, method="gd", lr=2.0, max_iter=5000, tol=1e-7)
    assert gd.converged_
    np.testing.assert_allclose(gd.predict_proba(x)._data, p, atol=1e-5)
    assert newton.loss(x, y).item() < LogisticRegression(3, 3).loss(x, y).item()


def test_two_classes_give_the_binary_model():
    """softmax over two logits is σ of their difference: the fitted probabilities agree, and
    w₁ - w₀, b₁ - b₀ are the binary model's w, b."""
    x, y = generated(seed=4)
    binary = LogisticRegression(3).fit(x, y)
    two = LogisticRegression(3, 2).fit(x, y)
    np.testing.assert_allclose(two.predict_proba(x)._data[:, 1], binary.predict_proba(x)._data,
                               atol=1e-5)
    w, b = two.linear.weight._data, two.linear.bias._data
    np.testing.assert_allclose(w[1] - w[0], binary.linear.weight._data[0], rtol=1e-4)
    np.testing.assert_allclose(b[1] - b[0], binary.linear.bias._data[0], rtol=1e-4)
    ridge = LogisticRegression(3, 2).fit(x, y, weight_decay=0.5)
    assert np.linalg.norm(ridge.linear.weight._data) < np.linalg.norm(w)


def test_multinomial_errors():
    model = LogisticRegression(2, 3)
    with pytest.raises(ValueError, match=r"LogisticRegression\(2, 3\): expected X of shape "
                                         r"\(n, 2\), got \(3, 4\)"):
        model.fit(np.zeros((3, 4)), np.zeros(3))
    with pytest.raises(ValueError, match=r"y must hold class indices 0..2 .* values \[0.0, 3.0\]"):
        model.fit(np.zeros((3, 2)), np.array([0, 3, 3]))
