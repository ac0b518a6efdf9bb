"""Random walks (DeepWalk, node2vec's p/q bias), the one skip-gram sampler (vs brute force),
the skip-gram loss (vs its formula), word2vec on Shakespeare's words, and the karate probe."""
import re

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.graph import Graph
from glassgrad.graph.embeddings import deepwalk, node2vec, word2vec
from glassgrad.graph.skipgram import (SkipGram, negative_distribution, skipgram_samples,
                                      train_skipgram)
from glassgrad.graph.walks import random_walks


def ring(n=8):
    return Graph([list(range(n)), [(i + 1) % n for i in range(n)]], directed=False)


def test_walks_step_along_edges_and_are_seeded():
    g = Graph([[0, 0, 1, 2, 3], [1, 2, 2, 3, 4]], directed=False)
    walks = random_walks(g, 12, walks_per_node=3, p=0.5, q=2.0, generator=gg.Generator(1))
    assert walks.shape == (15, 12) and walks[:, 0].tolist() == list(range(5)) * 3
    undirected = {(u, v) for u, v in g.edge_index.T.tolist()}
    undirected |= {(v, u) for u, v in undirected}
    for walk in walks:
        assert all((int(a), int(b)) in undirected for a, b in zip(walk[:-1], walk[1:]))
    again = random_walks(g, 12, walks_per_node=3, p=0.5, q=2.0, generator=gg.Generator(1))
    assert np.array_equal(walks, again)


def test_a_walk_stops_at_a_node_without_out_neighbours():
    walks = random_walks(Graph([[0], [1]], num_nodes=3), 4, generator=gg.Generator(0))
    assert walks.tolist() == [[0, 1, -1, -1], [1, -1, -1, -1], [2, -1, -1, -1]]


def return_rate(walks):
    return float((walks[:, 2:] == walks[:, :-2]).mean())


def test_node2vec_p_controls_returning_and_q_moving_away():
    # On a ring each node has 2 neighbours: going back has weight 1/p, on 1/q (no triangles).
    # So P(return) = (1/p) / (1/p + 1/q): 0.5 for DeepWalk, 1/11 for p=10, q=1.
    g, seed = ring(), gg.Generator(0)
    uniform = return_rate(random_walks(g, 30, 50, generator=seed))
    rarely = return_rate(random_walks(g, 30, 50, p=10.0, q=1.0, generator=seed))
    often = return_rate(random_walks(g, 30, 50, p=1.0, q=10.0, generator=seed))
    assert abs(uniform - 0.5) < 0.03
    assert abs(rarely - 1 / 11) < 0.02
    assert abs(often - 10 / 11) < 0.02


def test_node2vec_neighbour_of_previous_gets_weight_one():
    # Triangle 0-1-2 plus 1-3: from 0 → 1, next is 0 (1/p), 2 (a neighbour of 0: 1) or 3 (1/q).
    g = Graph([[0, 1, 0, 1], [1, 2, 2, 3]], directed=False)
    p, q = 2.0, 0.5
    walks = random_walks(g, 3, 20000, p=p, q=q, generator=gg.Generator(0))
    from_0_to_1 = walks[(walks[:, 0] == 0) & (walks[:, 1] == 1), 2]
    observed = np.bincount(from_0_to_1, minlength=4)[[0, 2, 3]] / len(from_0_to_1)
    expected = np.array([1 / p, 1.0, 1 / q]) / (1 / p + 1 + 1 / q)
    assert np.allclose(observed, expected, atol=0.02)


def test_walk_arguments_are_checked():
    with pytest.raises(ValueError, match="random_walks: p and q must be positive"):
        random_walks(ring(), 5, p=0)
    with pytest.raises(ValueError, match="walk_length and walks_per_node must be positive"):
        random_walks(ring(), 0)


def brute_force_pairs(sequences, window):
    pairs = []
    for seq in sequences:
        seq = [t for t in seq if t >= 0]
        for i, center in enumerate(seq):
            for j in range(max(0, i - window), min(len(seq), i + window + 1)):
                if j != i:
                    pairs.append((center, seq[j]))
    return sorted(pairs)


def test_sampler_pairs_equal_brute_force_and_negatives_follow_count_to_three_quarters():
    sequences = [[0, 1, 2, 3, 1], [2, 2, 4], [3]]
    centers, contexts, negatives = skipgram_samples(sequences, 2, 3, 5, gg.Generator(0),
                                                    shrink_window=False)
    assert sorted(zip(centers.tolist(), contexts.tolist())) == brute_force_pairs(sequences, 2)
    assert negatives.shape == (len(centers), 3)
    counts = np.array([1, 2, 3, 2, 1], dtype=float)
    assert np.allclose(negative_distribution(sequences, 5), counts ** 0.75 / (counts ** 0.75)
                       .sum())
    # The shrunk window keeps a subset of those pairs, the near ones more often.
    shrunk = skipgram_samples(sequences, 2, 1, 5, gg.Generator(0))
    assert set(zip(shrunk[0].tolist(), shrunk[1].tolist())) <= set(brute_force_pairs(
        sequences, 2))
    _, _, many = skipgram_samples([list(range(5)) * 200], 1, 5, 5, gg.Generator(0))
    assert np.allclose(np.bincount(many.ravel(), minlength=5) / many.size, 0.2, atol=0.01)


def test_sampler_errors():
    with pytest.raises(ValueError, match="token ids must be below num_tokens=3"):
        skipgram_samples([[0, 5]], 1, 1, 3)
    with pytest.raises(ValueError, match="window must be >= 1"):
        skipgram_samples([[0, 1]], 0, 1, 3)


def test_skipgram_loss_equals_the_negative_sampling_formula():
    gg.manual_seed(0)
    model = SkipGram(6, 4, generator=gg.Generator(0))
    rng = np.random.default_rng(0)
    model.output_embedding.weight.data = rng.standard_normal((6, 4)).astype(np.float32)
    c, o, n = np.array([0, 1, 2]), np.array([3, 4, 5]), rng.integers(0, 6, (3, 2))
    loss = model(gg.tensor(c), gg.tensor(o), gg.tensor(n))
    U, V = model.input_embedding.weight._data, model.output_embedding.weight._data

    def log_sigmoid(z):
        return -np.log1p(np.exp(-z))

    expected = -np.mean(log_sigmoid((U[c] * V[o]).sum(1))
                        + log_sigmoid(-np.einsum("pd,pkd->pk", U[c], V[n])).sum(1))
    assert np.isclose(loss.item(), expected, atol=1e-5)
    loss.backward()
    assert model.input_embedding.weight.grad is not None


def test_training_lowers_the_loss_and_separates_two_cliques():
    # Two 5-cliques joined by one edge: nodes of a clique end nearer to each other.
    edges = [(i, j) for block in (range(5), range(5, 10)) for i in block for j in block if i < j]
    g = Graph(np.array(edges + [(4, 5)]).T, directed=False)
    embedding = deepwalk(g, embedding_dim=8, walk_length=10, walks_per_node=10, epochs=10,
                         lr=0.05, generator=gg.Generator(0))
    unit = embedding / np.linalg.norm(embedding, axis=1, keepdims=True)
    cosine = unit @ unit.T
    same = np.mean([cosine[i, j] for i in range(10) for j in range(10)
                    if i != j and (i < 5) == (j < 5)])
    other = np.mean([cosine[i, j] for i in range(5) for j in range(5, 10)])
    assert same > other + 0.3
    walks = random_walks(g, 10, 5, generator=gg.Generator(0))
    _, losses = train_skipgram(walks, 10, 8, epochs=4, lr=0.05, generator=gg.Generator(0))
    assert losses[-1] < losses[0]


def test_word2vec_on_shakespeare_words_is_the_same_sampler(monkeypatch):
    from glassgrad.data.datasets.shakespeare import load_shakespeare_text
    from glassgrad.graph import skipgram
    calls = []
    original = skipgram.skipgram_samples

    def spy(sequences, *args, **kwargs):
        calls.append(len(sequences))
        return original(sequences, *args, **kwargs)

    monkeypatch.setattr(skipgram, "skipgram_samples", spy)
    lines = load_shakespeare_text().lower().splitlines()[:3000]
    sentences = [re.findall(r"[a-z']+", line) for line in lines]
    vectors = word2vec(sentences, embedding_dim=16, window=3, min_count=5, epochs=2,
                       generator=gg.Generator(0))
    assert vectors.vectors.shape == (len(vectors.words), 16)
    assert vectors.words[0] == "the" and vectors.counts[0] == max(vectors.counts)
    neighbours = vectors.most_similar("citizen", topn=5)
    assert len(neighbours) == 5 and all(w != "citizen" for w, _ in neighbours)
    assert -1.0 <= vectors.similarity("you", "your") <= 1.0
    assert len(calls) == 2                                   # one draw of pairs per epoch
    deepwalk(ring(), embedding_dim=4, walk_length=5, walks_per_node=2, epochs=1,
             generator=gg.Generator(0))
    assert calls[-1] == 16                                    # the walks went through it too
    with pytest.raises(KeyError, match="'zzzz' is not in the vocabulary"):
        vectors["zzzz"]
    with pytest.raises(ValueError, match="no word occurs at least min_count=99"):
        word2vec([["a", "b"]], min_count=99)


def test_karate_node2vec_probe_reads_the_faction():
    pytest.importorskip("networkx")
    from glassgrad.graph import karate_club
    from glassgrad.graph.karate import embedding_probe
    import networkx
    g = Graph.from_networkx(networkx.karate_club_graph())
    _, y = karate_club()
    embedding = node2vec(g, embedding_dim=16, p=1.0, q=0.5, generator=gg.Generator(0))
    score = embedding_probe(embedding, y)
    assert score.n == 34 and score.low < score.value < score.high
    assert score.value >= 0.85
    with pytest.raises(ValueError, match="embedding_probe: expected an"):
        embedding_probe(embedding[:5], y)
