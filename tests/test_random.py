"""Randomness: manual_seed makes the default stream repeat; a Generator is its own stream, which
other draws (default or another generator) do not disturb; every random function takes
generator=; states round-trip; the draws have the right range, dtype and rough moments."""
import numpy as np
import pytest

import glassgrad as gg


@pytest.fixture(autouse=True)
def _keep_the_default_stream():
    """Leave the default generator as found, so these tests do not change other tests' draws."""
    state = gg.get_rng_state()
    yield
    gg.set_rng_state(state)


# Every random function, called with a given generator (None: the default one).
DRAWS = {
    "rand": lambda g: gg.rand(3, 4, generator=g),
    "randn": lambda g: gg.randn(3, 4, generator=g),
    "randint": lambda g: gg.randint(0, 100, (6,), generator=g),
    "randperm": lambda g: gg.randperm(10, generator=g),
    "rand_like": lambda g: gg.rand_like(gg.zeros(5), generator=g),
    "randn_like": lambda g: gg.randn_like(gg.zeros(5), generator=g),
    "randint_like": lambda g: gg.randint_like(gg.zeros(5, dtype=gg.int64), 10, generator=g),
    "bernoulli": lambda g: gg.bernoulli(gg.full((8,), 0.5), generator=g),
    "uniform_": lambda g: gg.zeros(5).uniform_(-1.0, 1.0, generator=g),
    "normal_": lambda g: gg.zeros(5).normal_(2.0, 0.5, generator=g),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_manual_seed_repeats_the_default_stream(name):
    draw = DRAWS[name]
    gg.manual_seed(123)
    first = draw(None)._data.copy()
    gg.manual_seed(123)
    np.testing.assert_array_equal(draw(None)._data, first)
    gg.manual_seed(124)
    assert not np.array_equal(draw(None)._data, first)


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_a_generator_is_reproducible_and_not_disturbed_by_other_draws(name):
    draw = DRAWS[name]
    reference = gg.Generator(7)
    expected = [draw(reference)._data.copy() for _ in range(2)]

    g, other = gg.Generator(7), gg.Generator(7)
    first = draw(g)._data.copy()
    gg.randn(50)                          # the default stream moves on ...
    draw(other)                           # ... and so does another generator
    draw(None)
    second = draw(g)._data.copy()
    np.testing.assert_array_equal(first, expected[0])
    np.testing.assert_array_equal(second, expected[1])


def test_generator_draws_leave_the_default_stream_alone():
    gg.manual_seed(5)
    expected = gg.randn(4)._data.copy()
    gg.manual_seed(5)
    g = gg.Generator(99)
    gg.randn(100, generator=g)
    gg.rand(10, generator=g)
    np.testing.assert_array_equal(gg.randn(4)._data, expected)


def test_separate_generators_are_independent_streams():
    a, b = gg.Generator(1), gg.Generator(2)
    x, y = gg.randn(1000, generator=a)._data, gg.randn(1000, generator=b)._data
    assert not np.array_equal(x, y)
    assert abs(np.corrcoef(x, y)[0, 1]) < 0.1


def test_manual_seed_returns_the_generator_and_restarts_it():
    g = gg.Generator(3)
    first = gg.rand(3, generator=g)._data.copy()
    assert g.manual_seed(3) is g
    np.testing.assert_array_equal(gg.rand(3, generator=g)._data, first)
    assert g.initial_seed() == 3
    default = gg.manual_seed(11)
    assert isinstance(default, gg.Generator) and gg.initial_seed() == 11


def test_states_round_trip():
    g = gg.Generator(0)
    gg.randn(3, generator=g)
    state = g.get_state()
    after = gg.randn(5, generator=g)._data.copy()
    g.set_state(state)
    np.testing.assert_array_equal(gg.randn(5, generator=g)._data, after)

    state = gg.get_rng_state()
    after = gg.rand(5)._data.copy()
    gg.set_rng_state(state)
    np.testing.assert_array_equal(gg.rand(5)._data, after)


def test_seed_from_entropy_returns_the_seed_used():
    value = gg.seed()
    assert isinstance(value, int) and gg.initial_seed() == value
    expected = gg.randn(3)._data.copy()
    gg.manual_seed(value)
    np.testing.assert_array_equal(gg.randn(3)._data, expected)


# --- what the draws look like -----------------------------------------------------------------
def test_uniform_and_normal_draws():
    g = gg.Generator(0)
    u = gg.rand(20_000, generator=g)
    assert u.dtype == np.float32 and u._data.min() >= 0.0 and u._data.max() < 1.0
    assert abs(u._data.mean() - 0.5) < 0.01
    n = gg.randn(20_000, generator=g)
    assert n.dtype == np.float32
    assert abs(n._data.mean()) < 0.03 and abs(n._data.std() - 1.0) < 0.03
    assert gg.randn(2, generator=g, dtype=gg.float64).dtype == np.float64
    assert gg.randn(generator=g).shape == () and gg.rand((2, 3), generator=g).shape == (2, 3)
    t = gg.zeros(20_000).uniform_(-2.0, 3.0, generator=g)
    assert t._data.min() >= -2.0 and t._data.max() < 3.0 and t.dtype == np.float32
    t = gg.zeros(20_000).normal_(5.0, 2.0, generator=g)
    assert abs(t._data.mean() - 5.0) < 0.06 and abs(t._data.std() - 2.0) < 0.06


def test_integer_draws():
    g = gg.Generator(0)
    r = gg.randint(3, 8, (10_000,), generator=g)
    assert r.dtype == np.int64 and set(np.unique(r._data)) == set(range(3, 8))
    # torch's two-argument form randint(high, size)
    r = gg.randint(4, (1000,), generator=g)
    assert r.shape == (1000,) and set(np.unique(r._data)) == {0, 1, 2, 3}
    assert gg.randint(0, 5, size=(2, 3), generator=g).shape == (2, 3)
    f = gg.randint_like(gg.zeros(100), 0, 3, generator=g)      # float like: integer values
    assert f.dtype == np.float32 and set(np.unique(f._data)) <= {0.0, 1.0, 2.0}
    p = gg.randperm(50, generator=g)
    assert p.dtype == np.int64 and sorted(p.tolist()) == list(range(50))


def test_bernoulli():
    g = gg.Generator(0)
    assert gg.bernoulli(gg.zeros(100), generator=g).tolist() == [0.0] * 100
    assert gg.bernoulli(gg.ones(100), generator=g).tolist() == [1.0] * 100
    draws = gg.bernoulli(gg.full((20_000,), 0.3), generator=g)
    assert draws.dtype == np.float32 and abs(draws._data.mean() - 0.3) < 0.015
    probs = gg.tensor([0.0, 1.0, 0.0, 1.0])
    assert gg.bernoulli(probs, generator=g).tolist() == [0.0, 1.0, 0.0, 1.0]
