"""ConditionalGenerator: the label reaches every step through the initial state, sampling at
temperature 0 is greedy (the argmax of teacher forcing on its own output), sampling is
reproducible with a Generator, and bad arguments are refused."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.models import ConditionalGenerator


def ints(array):
    return gg.tensor(np.asarray(array), dtype=gg.int64)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_the_label_sets_the_state(cell):
    gg.manual_seed(0)
    model = ConditionalGenerator(10, 3, embedding_dim=4, hidden_size=8, cell=cell)
    strings = np.random.default_rng(0).integers(0, 10, (2, 5))
    a = model(ints([0, 0]), ints(strings)).detach().numpy()
    b = model(ints([2, 2]), ints(strings)).detach().numpy()
    assert a.shape == (2, 5, 10)
    assert not np.allclose(a[:, 0], b[:, 0])           # the first token already differs


def test_sampling():
    gg.manual_seed(0)
    model = ConditionalGenerator(10, 2, embedding_dim=4, hidden_size=8)
    labels = ints([0, 1, 1])
    greedy = model.sample(labels, 6, temperature=0)
    logits = model(labels, ints(greedy)).detach().numpy()
    np.testing.assert_array_equal(logits.argmax(-1), greedy)
    one = model.sample(labels, 6, generator=gg.Generator(3))
    two = model.sample(labels, 6, generator=gg.Generator(3))
    np.testing.assert_array_equal(one, two)
    assert one.shape == (3, 6) and one.min() >= 0 and one.max() <= 9


def test_errors():
    model = ConditionalGenerator(10, 2)
    with pytest.raises(ValueError, match="temperature must be >= 0, got -1"):
        model.sample(ints([0]), 3, temperature=-1)
    with pytest.raises(ValueError, match=r"labels must be one class index per sequence, shape "
                                         r"\(N,\), got \(1, 2\)"):
        model.sample(ints([[0, 1]]), 3)
