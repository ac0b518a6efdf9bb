"""The benchmark workloads: the same model, shapes and seed for glassgrad and for PyTorch.

Each workload builds a `step()` closure per framework; one step is forward + loss + backward +
SGD update (or, for `overhead`, one `a + b` on 10-element tensors). Models are written twice,
line by line alike, so a reader can check that both sides do the same work.
"""
from dataclasses import dataclass

import numpy as np


@dataclass
class Workload:
    name: str
    description: str
    unit: str                     # "steps/s" (higher is better) or "us/op" (lower is better)
    build_glassgrad: callable
    build_torch: callable
    batch: int = 0
    build_reference: callable = None   # numpy by hand, no autograd (benchmarks/reference.py)


def _data(seed, x_shape, classes=None, y_shape=None, batch_dim=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(np.float32)
    if classes is not None:
        y = rng.integers(0, classes, x_shape[batch_dim]).astype(np.int64)
    else:
        y = rng.standard_normal(y_shape).astype(np.float32)
    return x, y


# --- overhead: one tiny op ---------------------------------------------------------------------
def _overhead_glassgrad(requires_grad):
    def build(seed):
        import glassgrad as gg
        gen = gg.Generator(seed)
        a = gg.randn(10, generator=gen, requires_grad=requires_grad)
        b = gg.randn(10, generator=gen)
        return lambda: a + b
    return build


def _overhead_torch(requires_grad):
    def build(seed):
        import torch
        torch.manual_seed(seed)
        a = torch.randn(10, requires_grad=requires_grad)
        b = torch.randn(10)
        return lambda: a + b
    return build


# --- training steps ----------------------------------------------------------------------------
def _train_step(lib, model, loss_fn, x, y, lr=0.01):
    """step() for either framework: both expose the same torch-style API."""
    optimizer = lib.optim.SGD(model.parameters(), lr=lr)
    x, y = lib.tensor(x), lib.tensor(y)

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss
    return step


def _mlp(lib, sizes):
    nn = lib.nn
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def _cnn2d(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 10))


def _cnn1d(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv1d(1, 32, 5, padding=2), nn.ReLU(),
        nn.Conv1d(32, 32, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2),
        nn.Flatten(), nn.Linear(32 * 20, 10))


class _LastStep:
    """A recurrent layer (LSTM or GRU) read at its last step, then a linear head: the
    sequence-to-label shape of issue 12's benchmark. Built from `lib`'s own nn.Module."""

    @staticmethod
    def make(lib, layer, input_size=64, hidden_size=128, classes=10):
        class Model(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = getattr(lib.nn, layer)(input_size, hidden_size)
                self.head = lib.nn.Linear(hidden_size, classes)

            def forward(self, x):
                output, _ = self.rnn(x)
                return self.head(output[-1])
        return Model()


def _builder(framework, make_model, loss, x_shape, classes=None, y_shape=None, batch_dim=0):
    def build(seed):
        if framework == "glassgrad":
            import glassgrad as lib
            lib.manual_seed(seed)
        else:
            import torch as lib
            lib.manual_seed(seed)
        x, y = _data(seed, x_shape, classes, y_shape, batch_dim)
        loss_fn = getattr(lib.nn.functional, loss)
        return _train_step(lib, make_model(lib), loss_fn, x, y)
    return build


def _pair(make_model, loss, x_shape, classes=None, y_shape=None, batch_dim=0):
    return (_builder("glassgrad", make_model, loss, x_shape, classes, y_shape, batch_dim),
            _builder("torch", make_model, loss, x_shape, classes, y_shape, batch_dim))


def _reference(sizes, loss, x_shape, classes=None, y_shape=None):
    def build(seed):
        from .reference import mlp_step
        x, y = _data(seed, x_shape, classes, y_shape)
        return mlp_step(sizes, loss, x, y, seed=seed)
    return build


def workloads(scale=1.0):
    """All workloads; `scale` < 1 shrinks the batches (the smoke test runs them tiny)."""
    def b(n):
        return max(2, int(n * scale))
    tiny = _pair(lambda lib: _mlp(lib, [2, 16, 16, 1]), "mse_loss", (b(8), 2), y_shape=(b(8), 1))
    mlp = _pair(lambda lib: _mlp(lib, [784, 512, 512, 10]), "cross_entropy", (b(128), 784),
                classes=10)
    cnn2d = _pair(_cnn2d, "cross_entropy", (b(64), 1, 28, 28), classes=10)
    cnn1d = _pair(_cnn1d, "cross_entropy", (b(100), 1, 40), classes=10)
    # (T, B, features): time-major, as nn.LSTM and nn.GRU take it by default.
    lstm = _pair(lambda lib: _LastStep.make(lib, "LSTM"), "cross_entropy", (40, b(64), 64),
                 classes=10, batch_dim=1)
    gru = _pair(lambda lib: _LastStep.make(lib, "GRU"), "cross_entropy", (40, b(64), 64),
                classes=10, batch_dim=1)
    return [
        Workload("overhead (grad)", "a + b, 10 elements, a requires grad", "us/op",
                 _overhead_glassgrad(True), _overhead_torch(True)),
        Workload("overhead (no grad)", "a + b, 10 elements, no grad", "us/op",
                 _overhead_glassgrad(False), _overhead_torch(False)),
        Workload("tiny", "MLP 2-16-16-1, ReLU, MSE, SGD", "steps/s", *tiny, batch=b(8),
                 build_reference=_reference([2, 16, 16, 1], "mse_loss", (b(8), 2),
                                            y_shape=(b(8), 1))),
        Workload("mlp", "MLP 784-512-512-10, ReLU, cross-entropy, SGD", "steps/s", *mlp,
                 batch=b(128), build_reference=_reference([784, 512, 512, 10], "cross_entropy",
                                                          (b(128), 784), classes=10)),
        Workload("cnn2d", "conv 1→32 3×3, pool, conv 32→64 3×3, pool, linear; 28×28", "steps/s",
                 *cnn2d, batch=b(64)),
        Workload("cnn1d", "conv1d 1→32 k5, conv1d 32→32 k5, pool, linear; length 40",
                 "steps/s", *cnn1d, batch=b(100)),
        Workload("lstm", "LSTM 64→128, T 40, linear head on the last step, cross-entropy, SGD",
                 "steps/s", *lstm, batch=b(64)),
        Workload("gru", "GRU 64→128, T 40, linear head on the last step, cross-entropy, SGD",
                 "steps/s", *gru, batch=b(64)),
    ] + _graph_workloads(scale) + _transformer_workloads(scale)


def _graph_workloads(scale):
    """Issue 14: kg (one 1-N epoch, steps/s = epochs/s) and gcn (benchmarks/graph_workloads.py)."""
    from . import graph_workloads as g
    return [
        Workload("kg", "ComplEx dim 200, Kinships, one 1-N epoch (LCWA, cross-entropy), "
                 "batch 256, Adam", "steps/s", g.kg_glassgrad(min(scale, 1.0)),
                 g.kg_torch(min(scale, 1.0)), batch=256),
        Workload("gcn", "2-layer GCN 1433-16-7 on Cora, dropout 0.5, one full-batch Adam step",
                 "steps/s", g.gcn_glassgrad, g.gcn_torch, batch=2708),
    ]


def _transformer_workloads(scale):
    """Issue 13: attention (one encoder block) and gpt (benchmarks/transformer_workloads.py)."""
    from . import transformer_workloads as t
    return [
        Workload("attention", "pre-norm TransformerEncoderLayer d128, 4 heads, ff 512, T 64, "
                 "mean-pooled linear head, cross-entropy, SGD", "steps/s",
                 t.attention_builder("glassgrad", scale), t.attention_builder("torch", scale),
                 batch=max(2, int(32 * scale))),
        Workload("gpt", "nanoGPT CPU config: 4 layers, 4 heads, n_embd 128, block 64, one AdamW "
                 "step (clip 1.0)", "steps/s", t.gpt_builder("glassgrad", scale),
                 t.gpt_builder("torch", scale), batch=max(2, int(12 * scale))),
    ]
