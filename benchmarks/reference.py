"""Hand-written numpy steps of the MLP workloads, with no autograd: the floor of a numpy engine.

Forward, loss, backward written out by hand (every product and every element-wise pass that
the maths needs, none more) and the SGD update, on the same shapes as `workloads.py`. No
framework built on numpy's BLAS can run a step faster than this, so its ratio to PyTorch says
which targets a numpy engine can reach on the machine at hand. `mlp_loss_and_grads` is tested
against glassgrad's autograd (tests/test_benchmarks.py), so the floor does the real work.
"""
import numpy as np


def init_mlp(sizes, seed=0):
    """[(W, b), ...] float32, torch's default Linear init: U(-1/√fan_in, 1/√fan_in)."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(fan_in)
        params.append((rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                       rng.uniform(-bound, bound, fan_out).astype(np.float32)))
    return params


def mlp_loss_and_grads(params, x, y, loss):
    """Loss and [(dW, db), ...] of Linear-ReLU-...-Linear with `loss` "mse_loss" or
    "cross_entropy" (mean over the batch), by hand."""
    pre, acts = [], [x]
    h = x
    for i, (w, b) in enumerate(params):
        z = h @ w.T
        z += b
        pre.append(z)
        h = np.maximum(z, 0) if i < len(params) - 1 else z
        acts.append(h)
    out = acts[-1]
    n = out.shape[0]
    if loss == "mse_loss":
        diff = out - y
        value = float(np.mean(diff * diff))
        grad = diff * np.float32(2 / diff.size)
    else:                                   # cross-entropy: softmax minus one-hot, over n
        shifted = out - out.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        rows = np.arange(n)
        value = float(np.mean(np.log(total[:, 0]) - shifted[rows, y]))
        grad = exp / total
        grad[rows, y] -= 1
        grad *= np.float32(1 / n)
    grads = [None] * len(params)
    for i in reversed(range(len(params))):
        w = params[i][0]
        grads[i] = (grad.T @ acts[i], grad.sum(axis=0))
        if i > 0:
            grad = grad @ w
            grad *= pre[i - 1] > 0          # ReLU's derivative
    return value, grads


def mlp_step(sizes, loss, x, y, lr=0.01, seed=0):
    """step() for the reference: loss, gradients and the in-place SGD update."""
    params = init_mlp(sizes, seed)
    lr = np.float32(lr)

    def step():
        value, grads = mlp_loss_and_grads(params, x, y, loss)
        for (w, b), (dw, db) in zip(params, grads):
            w -= lr * dw
            b -= lr * db
        return value
    return step
