"""RGCNConv vs the dense per-relation formula, gradients to second order, bad input; the UMLS
entity-classification task and a short R-GCN run on it."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.autograd.gradcheck import gradcheck, gradgradcheck
from glassgrad.graph.entity_classification import (CLASSES, rgcn_entity_classification,
                                                   stratified_split, umls_entity_classes,
                                                   with_inverse_relations)
from glassgrad.nn.modules.graph import rgcn_conv

RNG = np.random.default_rng(0)
N, R, E, IN, OUT = 6, 3, 14, 4, 5
EDGES = RNG.integers(0, N, (2, E))
TYPES = RNG.integers(0, R, E)


def dense(x, weights, root, bias):
    """Σ_r D_r⁻¹ A_r X W_r + X W_0 + b, A_r[i, j] = number of edges j → i of relation r."""
    out = x @ root + bias
    for r in range(R):
        A = np.zeros((N, N))
        np.add.at(A, (EDGES[1, TYPES == r], EDGES[0, TYPES == r]), 1.0)
        degree = A.sum(1, keepdims=True)
        out = out + np.divide(A, degree, out=np.zeros_like(A), where=degree > 0) @ x @ weights[r]
    return out


@pytest.mark.parametrize("num_bases", [None, 2])
def test_rgcnconv_equals_the_dense_formula(num_bases):
    gg.manual_seed(0)
    layer = nn.RGCNConv(IN, OUT, R, num_bases=num_bases)
    layer.bias.data = RNG.standard_normal(OUT).astype(np.float32)
    x = RNG.standard_normal((N, IN)).astype(np.float32)
    weights = (layer.weight._data if num_bases is None
               else np.einsum("rb,bio->rio", layer.comp._data, layer.weight._data))
    out = layer(gg.tensor(x), EDGES, TYPES)
    assert np.allclose(out._data, dense(x, weights, layer.root._data, layer.bias._data),
                       atol=1e-5)
    assert layer.weight.shape == ((R if num_bases is None else num_bases), IN, OUT)


def test_featureless_input_is_the_identity():
    gg.manual_seed(1)
    layer = nn.RGCNConv(N, OUT, R, num_bases=2)
    assert np.allclose(layer(None, EDGES, TYPES)._data,
                       layer(gg.eye(N), EDGES, TYPES)._data, atol=1e-5)


def test_rgcn_conv_gradients_first_and_second_order():
    def tensor64(*shape):
        return gg.tensor(RNG.standard_normal(shape), dtype=gg.float64, requires_grad=True)

    x, bases, comp = tensor64(N, IN), tensor64(2, IN, OUT), tensor64(R, 2)
    root, bias = tensor64(IN, OUT), tensor64(OUT)

    def f(x, bases, comp, root, bias):
        return gg.tanh(rgcn_conv(x, EDGES, TYPES, bases, comp, root, bias))

    assert gradcheck(f, (x, bases, comp, root, bias))
    assert gradgradcheck(f, (x, bases, comp, root, bias))


def test_bad_input_is_named():
    layer = nn.RGCNConv(IN, OUT, R)
    x = gg.randn(N, IN)
    with pytest.raises(IndexError, match=r"RGCNConv: edge types must be in \[0, 3\), got "
                                         r"values from 3 to 3"):
        layer(x, EDGES, np.full(E, 3))
    with pytest.raises(IndexError, match=r"RGCNConv: edge indices must be in \[0, 6\)"):
        layer(x, EDGES + 5, TYPES)
    with pytest.raises(ValueError, match=r"RGCNConv: edge_type must have one entry per edge "
                                         r"\(14\)"):
        layer(x, EDGES, TYPES[:3])
    with pytest.raises(ValueError, match=r"RGCNConv: expected x of shape \(N, 4\), got "
                                         r"\(6, 7\)"):
        layer(gg.randn(N, 7), EDGES, TYPES)
    with pytest.raises(ValueError, match="RGCNConv: in_channels, out_channels and "
                                         "num_relations must be positive"):
        nn.RGCNConv(IN, OUT, 0)


def test_inverse_relations():
    edges, types, count = with_inverse_relations(np.array([[0], [1]]), np.array([2]), 3)
    assert edges.tolist() == [[0, 1], [1, 0]] and types.tolist() == [2, 5] and count == 6


def test_umls_task_has_four_classes_and_no_isa_edges():
    data = umls_entity_classes()
    assert data.num_nodes == 135 and "isa" not in data.relations and len(data.relations) == 45
    assert np.bincount(data.y[data.y >= 0]).tolist() == [62, 37, 15, 19]
    assert [data.entities[i] for i in np.flatnonzero(data.y < 0)] == ["entity", "event"]
    assert data.y[data.entities.index("virus")] == CLASSES.index("physical_object")
    train, test = stratified_split(data.y, 0.6, np.random.default_rng(0))
    assert not set(train) & set(test) and len(train) + len(test) == 133


def test_rgcn_classifies_umls_entities_far_above_the_majority_class():
    data = umls_entity_classes()
    results = [rgcn_entity_classification(data, seed=seed) for seed in range(2)]
    accuracy = np.mean([float(r["accuracy"]) for r in results])
    assert accuracy >= 0.85 and results[0]["majority"] < 0.5
    assert results[0]["n_test"] == 54
