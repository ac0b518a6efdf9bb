"""Issue 14's workloads: `kg` (one 1-N epoch of ComplEx on Kinships) and `gcn` (one full-batch
step of a 2-layer GCN on Cora). Both sides written alike: glassgrad's kg/GCNConv code against a
hand-written torch transcription (torch.sparse.mm for Â; the same ComplEx product and loss).
"""
import numpy as np


# --- kg: ComplEx dim 200, Kinships, LCWA with cross-entropy, batch 256, Adam -----------------
def _kinships_lcwa(scale):
    from glassgrad.kg import add_inverse_triples, load_dataset
    from glassgrad.kg.training import _labels, lcwa_instances
    data = load_dataset("kinships")
    triples = add_inverse_triples(data.training.mapped, data.num_relations)
    pairs, pair_of, tail_of = lcwa_instances(triples, 2 * data.num_relations)
    order = np.argsort(pair_of, kind="stable")
    starts = np.concatenate([[0], np.cumsum(np.bincount(pair_of, minlength=len(pairs)))])
    n = max(256, int(len(pairs) * scale))
    rows = np.random.default_rng(0).permutation(len(pairs))[:n]
    batches = [(pairs[rows[i:i + 256]],
                _labels(rows[i:i + 256], pair_of, tail_of, order, starts, data.num_entities))
               for i in range(0, n, 256)]
    return data.num_entities, 2 * data.num_relations, batches


def kg_glassgrad(scale):
    def build(seed):
        import glassgrad as gg
        from glassgrad.kg import ComplEx, cross_entropy_loss
        n_e, n_r, batches = _kinships_lcwa(scale)
        gg.manual_seed(seed)
        model = ComplEx(n_e, n_r // 2, 200, inverse=True)
        opt = gg.optim.Adam(model.parameters(), lr=0.01)
        batches = [(p, gg.tensor(y)) for p, y in batches]

        def epoch():
            for p, y in batches:
                opt.zero_grad()
                loss = cross_entropy_loss(model.score_t(p[:, 0], p[:, 1]), y)
                loss.backward()
                opt.step()
            return loss
        return epoch
    return build


def kg_torch(scale):
    def build(seed):
        import torch
        n_e, n_r, batches = _kinships_lcwa(scale)
        torch.manual_seed(seed)
        entity = torch.nn.Parameter(torch.nn.init.xavier_uniform_(torch.empty(n_e, 400)))
        relation = torch.nn.Parameter(torch.nn.init.xavier_uniform_(torch.empty(n_r, 400)))
        opt = torch.optim.Adam([entity, relation], lr=0.01)
        batches = [(torch.as_tensor(p), torch.as_tensor(y)) for p, y in batches]

        def epoch():
            for p, y in batches:
                opt.zero_grad()
                h, r = entity[p[:, 0]], relation[p[:, 1]]
                h_re, h_im, r_re, r_im = h[:, :200], h[:, 200:], r[:, :200], r[:, 200:]
                q = torch.cat([h_re * r_re - h_im * r_im, h_re * r_im + h_im * r_re], -1)
                scores = q @ entity.t()
                weights = y / y.sum(-1, keepdim=True)
                loss = -(weights * torch.log_softmax(scores, -1)).sum(-1).mean()
                loss.backward()
                opt.step()
            return loss
        return epoch
    return build


# --- gcn: 2-layer GCN 1433-16-7 on Cora, dropout 0.5, Adam, one full-batch step --------------
def _cora():
    from glassgrad.graph import cora, gcn_norm
    d = cora()
    x = (d.x / np.maximum(d.x.sum(1, keepdims=True), 1)).astype(np.float32)
    idx, val = gcn_norm(d.edge_index, d.num_nodes)
    return d, x, idx, val


def gcn_glassgrad(seed):
    import glassgrad as gg
    from glassgrad import nn
    d, x, idx, val = _cora()
    adj = (idx, gg.tensor(val), (d.num_nodes, d.num_nodes))
    gg.manual_seed(seed)
    c1, c2, drop = nn.GCNConv(1433, 16), nn.GCNConv(16, 7), nn.Dropout(0.5)
    opt = gg.optim.Adam(list(c1.parameters()) + list(c2.parameters()), lr=0.01)
    x, y, train = gg.tensor(x), gg.tensor(d.y[d.train_idx]), d.train_idx

    def step():
        opt.zero_grad()
        out = c2(drop(nn.functional.relu(c1(drop(x), adj))), adj)
        loss = nn.functional.cross_entropy(out[train], y)
        loss.backward()
        opt.step()
        return loss
    return step


def gcn_torch(seed):
    import torch
    d, x, idx, val = _cora()
    adj = torch.sparse_coo_tensor(torch.as_tensor(idx), torch.as_tensor(val),
                                  (d.num_nodes, d.num_nodes)).coalesce().to_sparse_csr()
    torch.manual_seed(seed)
    w1 = torch.nn.Parameter(torch.nn.init.xavier_uniform_(torch.empty(1433, 16)))
    b1 = torch.nn.Parameter(torch.zeros(16))
    w2 = torch.nn.Parameter(torch.nn.init.xavier_uniform_(torch.empty(16, 7)))
    b2 = torch.nn.Parameter(torch.zeros(7))
    opt = torch.optim.Adam([w1, b1, w2, b2], lr=0.01)
    x, y = torch.as_tensor(x), torch.as_tensor(d.y[d.train_idx])
    train = torch.as_tensor(d.train_idx)
    drop = torch.nn.functional.dropout

    def step():
        opt.zero_grad()
        h = torch.relu(torch.sparse.mm(adj, drop(x, 0.5) @ w1) + b1)
        out = torch.sparse.mm(adj, drop(h, 0.5) @ w2) + b2
        loss = torch.nn.functional.cross_entropy(out[train], y)
        loss.backward()
        opt.step()
        return loss
    return step
