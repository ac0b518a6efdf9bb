"""Seq2Seq: teacher forcing is causal in the target (the logits at step t do not depend on
target tokens t and after), greedy decoding feeds back its own argmax (so it equals teacher
forcing on the decoded string), and every cell works."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.models import Seq2Seq


def tokens(array):
    return gg.tensor(np.asarray(array), dtype=gg.int64)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_teacher_forcing_sees_only_earlier_target_tokens(cell):
    gg.manual_seed(0)
    model = Seq2Seq(10, embedding_dim=8, hidden_size=16, cell=cell)
    rng = np.random.default_rng(0)
    source, target = rng.integers(0, 10, (3, 5)), rng.integers(0, 10, (3, 4))
    logits = model(tokens(source), tokens(target)).detach().numpy()
    assert logits.shape == (3, 4, 10)
    changed = target.copy()
    changed[:, 2:] = (changed[:, 2:] + 1) % 10          # tokens 2, 3 differ
    again = model(tokens(source), tokens(changed)).detach().numpy()
    np.testing.assert_allclose(again[:, :3], logits[:, :3], atol=1e-6)   # step 2 reads y_1
    assert not np.allclose(again[:, 3], logits[:, 3])
    other = model(tokens((source + 1) % 10), tokens(target)).detach().numpy()
    assert not np.allclose(other[:, 0], logits[:, 0])    # the source reaches the first step


def test_greedy_is_the_argmax_of_teacher_forcing_on_its_own_output():
    gg.manual_seed(1)
    model = Seq2Seq(10, embedding_dim=8, hidden_size=16)
    source = tokens(np.random.default_rng(1).integers(0, 10, (4, 6)))
    decoded = model.greedy(source, 5)
    assert decoded.shape == (4, 5) and decoded.dtype == np.int64
    logits = model(source, tokens(decoded)).detach().numpy()
    np.testing.assert_array_equal(logits.argmax(-1), decoded)


def test_unknown_cell():
    with pytest.raises(ValueError, match="Seq2Seq: cell must be one of rnn, lstm, gru, got 'x'"):
        Seq2Seq(10, cell="x")
