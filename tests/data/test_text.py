"""glassgrad.data.text: the tokenizer, the vocabulary (specials, frequencies, unknown words,
padding, round trip) and bag-of-words counts, against hand-written expectations."""
import numpy as np
import pytest

from glassgrad.data.text import PAD, UNK, Vocabulary, bag_of_words, tokenize


def test_tokenize_words_apostrophes_and_punctuation():
    assert tokenize("A three-hour cinema master class!") == [
        "a", "three", "-", "hour", "cinema", "master", "class", "!"]
    assert tokenize("Don't  go...") == ["don't", "go", ".", ".", "."]
    with pytest.raises(TypeError, match="tokenize: expected a str, got int"):
        tokenize(3)


def test_vocabulary_build_orders_by_frequency_and_cuts_rare_words():
    texts = [["b", "a", "b"], ["c", "b", "a"], ["d"]]
    vocab = Vocabulary.build(texts, min_freq=2)
    assert vocab.itos == [PAD, UNK, "b", "a"]
    assert (vocab.pad_index, vocab.unk_index) == (0, 1)
    assert vocab.encode(["a", "zzz", "b"]).tolist() == [3, 1, 2]
    assert vocab.decode([2, 3], join=" ") == "b a"
    assert len(Vocabulary.build(texts, max_size=3)) == 3


def test_encode_batch_pads_cuts_and_never_gives_length_zero():
    vocab = Vocabulary.build([["x", "y"]])
    ids, lengths = vocab.encode_batch([["x"], ["x", "y", "x"], []], max_len=2)
    assert ids.tolist() == [[2, 0], [2, 3], [1, 0]]
    assert lengths.tolist() == [1, 2, 1]


def test_character_vocabulary_and_round_trip():
    vocab = Vocabulary.of_characters("hello")
    assert vocab.itos == ["e", "h", "l", "o"] and vocab.pad_index is None
    assert vocab.decode(vocab.encode(list("hole"))) == "hole"
    with pytest.raises(KeyError, match="'z' is not in the vocabulary .4 tokens. and it has no "
                                       "unknown token"):
        vocab.encode(["z"])
    with pytest.raises(ValueError, match="encode_batch: this vocabulary has no padding token"):
        vocab.encode_batch([["h"]])
    again = Vocabulary.from_dict(vocab.to_dict())
    assert again.itos == vocab.itos and again.unk_token is None


def test_bad_vocabularies():
    with pytest.raises(ValueError, match="tokens must be distinct"):
        Vocabulary(["a", "a"], None, None)
    with pytest.raises(ValueError, match="unk_token '<unk>' is not among the tokens"):
        Vocabulary(["a"], pad_token=None)


def test_bag_of_words_counts_ignore_padding():
    counts = bag_of_words(np.array([[2, 2, 3, 0], [1, 0, 0, 0]]), 4)
    np.testing.assert_array_equal(counts, [[0, 0, 2, 1], [0, 1, 0, 0]])
