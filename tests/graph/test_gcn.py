"""GCNConv vs the dense formula D^-1/2 (A+I) D^-1/2 X W + b; Cora loads; a short Cora run."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.graph import cora, gcn_norm


def test_gcnconv_equals_the_dense_formula_and_gradients_flow():
    gg.manual_seed(0)
    edges = np.array([[0, 1, 2, 3], [1, 2, 0, 0]])
    A = np.zeros((5, 5))
    A[edges[0], edges[1]] = A[edges[1], edges[0]] = 1
    A_hat = A + np.eye(5)
    D = np.diag(1 / np.sqrt(A_hat.sum(1)))
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    layer = nn.GCNConv(3, 2)
    layer.bias.data = np.array([0.5, -1.0], dtype=np.float32)
    idx, val = gcn_norm(edges, 5)
    out = layer(gg.tensor(x), (idx, val, (5, 5)))
    expected = D @ A_hat @ D @ x @ layer.weight._data + layer.bias._data
    assert np.allclose(out._data, expected, atol=1e-5)
    out.sum().backward()
    assert np.allclose(layer.weight.grad._data, (D @ A_hat @ D @ x).T @ np.ones((5, 2)),
                       atol=1e-4)


def test_bad_graph_input_is_named():
    with pytest.raises(IndexError, match="gcn_norm"):
        gcn_norm(np.array([[0, 7]]).T, 5)
    with pytest.raises(ValueError, match="NaN"):
        gcn_norm(np.array([[0], [1]]), 3, edge_weight=[np.nan])
    with pytest.raises(ValueError, match="cannot multiply"):
        gg.ops.sparse_mm((np.array([[0], [1]]), np.ones(1, np.float32), (3, 3)),
                         gg.ones(4, 2))


def test_cora_shapes_and_split():
    d = cora()
    assert d.x.shape == (2708, 1433) and d.edge_index.shape == (2, 5278)
    assert (len(d.train_idx), len(d.val_idx), len(d.test_idx)) == (140, 500, 1000)


@pytest.mark.slow
def test_gcn_on_cora_beats_75_percent_in_60_epochs():
    d = cora()
    idx, val = gcn_norm(d.edge_index, d.num_nodes)
    adj = (idx, val, (d.num_nodes, d.num_nodes))
    x = gg.tensor((d.x / np.maximum(d.x.sum(1, keepdims=True), 1)).astype(np.float32))
    y = gg.tensor(d.y)
    gg.manual_seed(0)
    c1, c2, drop = nn.GCNConv(1433, 16), nn.GCNConv(16, 7), nn.Dropout(0.5)
    opt = gg.optim.Adam([{"params": c1.parameters(), "weight_decay": 5e-4},
                         {"params": c2.parameters()}], lr=0.01)
    for _ in range(60):
        opt.zero_grad()
        out = c2(drop(nn.functional.relu(c1(drop(x), adj))), adj)
        nn.functional.cross_entropy(out[d.train_idx], y[d.train_idx]).backward()
        opt.step()
    drop.eval()
    with gg.no_grad():
        pred = c2(nn.functional.relu(c1(x, adj)), adj).argmax(1)._data
    assert (pred[d.test_idx] == d.y[d.test_idx]).mean() > 0.75
