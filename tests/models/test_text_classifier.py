"""glassgrad.models.text_classifier: the bag-of-words model is logistic regression on counts;
the recurrent classifier ignores padding, its 'last' pooling is h_n, and it learns a toy task."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.data.text import bag_of_words
from glassgrad.models.text_classifier import BagOfWordsClassifier, RNNTextClassifier

IDS = np.array([[3, 4, 5, 0, 0], [2, 0, 0, 0, 0], [5, 5, 2, 3, 1]])


def test_bag_of_words_is_logistic_regression_on_counts():
    gg.manual_seed(0)
    model = BagOfWordsClassifier(6, 3)
    rng = np.random.default_rng(0)
    with gg.no_grad():
        model.weight._data[...] = rng.standard_normal((3, 6))
        model.bias._data[...] = rng.standard_normal(3)
    logits = model(gg.tensor(IDS))
    counts = bag_of_words(IDS, 6)
    np.testing.assert_allclose(logits._data, counts @ model.weight._data.T + model.bias._data,
                               rtol=1e-5)
    logits.sum().backward()
    np.testing.assert_allclose(model.weight.grad._data, np.tile(counts.sum(0), (3, 1)))


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("pool", ["max", "mean", "sum", "last"])
def test_extra_padding_changes_nothing(cell, pool):
    gg.manual_seed(1)
    model = RNNTextClassifier(6, 4, 5, 2, cell=cell, pool=pool, bidirectional=pool == "last")
    model.eval()
    more = np.concatenate([IDS, np.zeros((3, 4), dtype=np.int64)], axis=1)
    np.testing.assert_allclose(model(gg.tensor(IDS))._data, model(gg.tensor(more))._data,
                               rtol=1e-5, atol=1e-6)
    alone = model(gg.tensor(IDS[1:2, :1]))._data
    np.testing.assert_allclose(model(gg.tensor(IDS))._data[1], alone[0], rtol=1e-5, atol=1e-6)


def test_last_pooling_is_the_state_at_each_texts_last_token():
    gg.manual_seed(2)
    model = RNNTextClassifier(6, 4, 5, 2, cell="gru", pool="last")
    logits = model(gg.tensor(IDS))
    for row, n in zip(IDS, (3, 1, 5)):
        _, h_n = model.rnn(model.embedding(gg.tensor(row[None, :n])))
        np.testing.assert_allclose(logits._data[list(IDS[:, 0]).index(row[0])],
                                   model.head(h_n[-1])._data[0], rtol=1e-5, atol=1e-6)


def test_padding_embedding_gets_no_gradient():
    gg.manual_seed(3)
    model = RNNTextClassifier(6, 4, 5, 2)
    nn.CrossEntropyLoss()(model(gg.tensor(IDS)), gg.tensor([0, 1, 0])).backward()
    assert (model.embedding.weight.grad._data[0] == 0).all()
    assert (model.embedding.weight.grad._data[3] != 0).any()


def test_learns_whether_a_token_appears():
    gg.manual_seed(4)
    rng = np.random.default_rng(4)
    ids = rng.integers(2, 8, size=(128, 6))
    ids[rng.random((128, 6)) < 0.3] = 0
    ids[:, 0] = rng.integers(2, 8, size=128)
    ids = np.array([np.concatenate([r[r != 0], r[r == 0]]) for r in ids])   # pad at the end
    labels = (ids == 7).any(1).astype(np.int64)
    model = RNNTextClassifier(8, 8, 8, 2, cell="lstm", pool="max")
    optimizer = gg.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(60):
        optimizer.zero_grad()
        loss = nn.CrossEntropyLoss()(model(gg.tensor(ids)), gg.tensor(labels))
        loss.backward()
        optimizer.step()
    accuracy = (model(gg.tensor(ids))._data.argmax(1) == labels).mean()
    assert accuracy > 0.95, accuracy


def test_errors_name_the_model():
    model = RNNTextClassifier(6, 4, 5, 2)
    with pytest.raises(ValueError, match="RNNTextClassifier: text 1 of the batch is all "
                                         "padding"):
        model(gg.tensor(np.array([[1, 2], [0, 0]])))
    with pytest.raises(ValueError, match=r"expected \(batch, steps\) integer token ids, got "
                                         r"dtype float32 of shape \(2,\)"):
        model(gg.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match="cell must be one of"):
        RNNTextClassifier(6, cell="transformer")
    with pytest.raises(IndexError, match="BagOfWordsClassifier: token id 9 out of range for a "
                                         "vocabulary of 6"):
        BagOfWordsClassifier(6)(gg.tensor(np.array([[9]])))
