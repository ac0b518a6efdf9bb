"""SequenceTagger: unidirectional it is causal (the tag at step t ignores later tokens);
bidirectional it is not."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.models import SequenceTagger


@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
def test_causal_unless_bidirectional(cell):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 10, (2, 6))
    later = x.copy()
    later[:, 4:] = (later[:, 4:] + 3) % 10
    for bidirectional in (False, True):
        gg.manual_seed(0)
        tagger = SequenceTagger(10, 3, embedding_dim=4, hidden_size=8, cell=cell,
                                bidirectional=bidirectional)
        a = tagger(gg.tensor(x, dtype=gg.int64)).detach().numpy()
        b = tagger(gg.tensor(later, dtype=gg.int64)).detach().numpy()
        assert a.shape == (2, 6, 3)
        assert np.allclose(a[:, :4], b[:, :4], atol=1e-6) == (not bidirectional)
        assert not np.allclose(a[:, 4:], b[:, 4:])
