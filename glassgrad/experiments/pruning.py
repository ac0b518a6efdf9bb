"""Pruning a trained MNIST-1D MLP: accuracy vs sparsity per method, and the real compression.

    glassgrad experiments run pruning --size full      # docs/prune.md
    glassgrad experiments run pruning --size small     # seconds (CI)

One dense MLP 40-h-h-10 is trained once (its weights are kept in the run folder); each trial
prunes a copy with one glassgrad.prune method at one amount, measures test accuracy right
after pruning and after a short fine-tuning with the mask fixed, and measures what the pruning
buys for real: parameters (structured pruning shrinks the layers: glassgrad.prune.shrink),
file size (glassgrad.prune.save_sparse vs a dense .npz) and inference time on the test set.
- Paper: Han, Pool, Tran & Dally, "Learning both Weights and Connections for Efficient Neural
  Networks", NeurIPS 2015 (magnitude pruning + retraining); Li, Kadav, Durdanovic, Samet &
  Graf, "Pruning Filters for Efficient ConvNets", ICLR 2017 (structured, by L1/L2 norm);
  Blalock, Gonzalez Ortiz, Frankle & Guttag, "What is the State of Neural Network Pruning?",
  MLSys 2020 (random pruning and global vs layer-wise magnitude as the baselines to report).
"""
import os
import tempfile
import time

import numpy as np

from .. import prune
from ..autograd import no_grad
from ..creation import tensor
from ..data.datasets import load_mnist1d
from ..nn import Linear, ReLU, Sequential
from ..nn.functional import cross_entropy
from ..optim import Adam
from ..random import manual_seed
from . import register, require_matplotlib
from .sweep import run_trials, write_table

SIZES = {
    "full": {"hidden": 256, "steps": 3000, "finetune": 500, "lr": 1e-2, "batch_size": 100,
             "amounts": [0.5, 0.7, 0.8, 0.9, 0.95, 0.98]},
    "small": {"hidden": 64, "steps": 300, "finetune": 50, "lr": 1e-2, "batch_size": 100,
              "amounts": [0.5, 0.9]},
}
METHODS = ("l1_unstructured", "global_l1", "random_unstructured", "ln_structured")


def make_model(hidden):
    manual_seed(0)
    return Sequential(Linear(40, hidden), ReLU(), Linear(hidden, hidden), ReLU(),
                      Linear(hidden, 10))


def train(model, data, steps, config):
    """Adam on batches taken in order (the MNIST-1D reference loop); masks stay applied."""
    x_train, y_train = data[0], data[1]
    optimizer = Adam(model.parameters(), lr=config["lr"])
    batch = config["batch_size"]
    for step in range(steps):
        begin = (step * batch) % len(x_train)
        loss = cross_entropy(model(tensor(x_train[begin:begin + batch])),
                             tensor(y_train[begin:begin + batch]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model


def accuracy(model, x, y):
    with no_grad():
        return float((model(tensor(x)).numpy().argmax(1) == y).mean())


def inference_ms(model, x, repeats=20):
    """Median wall time of one forward pass over `x`, in milliseconds."""
    times = []
    with no_grad():
        model(tensor(x))
        for _ in range(repeats):
            start = time.perf_counter()
            model(tensor(x))
            times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def apply_method(model, method, amount):
    """Prune the model's three Linear weights with `method` at `amount`."""
    layers = [module for module in model if isinstance(module, Linear)]
    if method == "l1_unstructured":
        for layer in layers:
            prune.l1_unstructured(layer, "weight", amount=amount)
    elif method == "random_unstructured":
        rng = np.random.default_rng(int(1000 * amount))
        for layer in layers:
            prune.random_unstructured(layer, "weight", amount=amount, generator=rng)
    elif method == "global_l1":
        prune.global_unstructured([(layer, "weight") for layer in layers],
                                  pruning_method=prune.L1Unstructured, amount=amount)
    elif method == "ln_structured":      # whole hidden units (rows); the output layer keeps all
        for layer in layers[:-1]:
            prune.ln_structured(layer, "weight", amount=amount, n=2, dim=0)
    else:
        raise ValueError(f"pruning: unknown method {method!r}; known: {', '.join(METHODS)}")
    return model


def dense_model(config, data, state_dir):
    """The trained dense network: trained once, then read back from state_dir."""
    path = os.path.join(state_dir, "dense.npz")
    model = make_model(config["hidden"])
    if os.path.exists(path):
        model.load_state_dict(prune.load_sparse(path))
    else:
        train(model, data, config["steps"], config)
        prune.save_sparse(model, path, threshold=1.0)      # threshold 1: all dense
    return model


def trial_fn(config, state_dir):
    data = tuple(np.asarray(a) for a in load_mnist1d())
    x_test, y_test = data[2], data[3]

    def run_trial(trial):
        model = dense_model(config, data, state_dir)
        scratch = os.path.join(state_dir, f"scratch{os.getpid()}")
        os.makedirs(scratch, exist_ok=True)
        result = {"dense_acc": accuracy(model, x_test, y_test),
                  "dense_params": prune.count_parameters(model),
                  "dense_bytes": prune.save_dense(model, os.path.join(scratch, "dense.npz")),
                  "dense_ms": inference_ms(model, x_test)}
        apply_method(model, trial["method"], trial["amount"])
        result["pruned_acc"] = accuracy(model, x_test, y_test)
        train(model, data, config["finetune"], config)
        result["finetuned_acc"] = accuracy(model, x_test, y_test)
        result["report"] = prune.sparsity_report(model)
        prune.make_permanent(model)
        result["sparse_bytes"] = prune.save_sparse(model, os.path.join(scratch, "sparse.npz"))
        small, _ = prune.shrink(model)
        with no_grad():
            same = np.allclose(small(tensor(x_test)).numpy(), model(tensor(x_test)).numpy(),
                               atol=1e-4)
        result.update({"shrunk_params": prune.count_parameters(small), "shrunk_same": bool(same),
                       "shrunk_ms": inference_ms(small, x_test)})
        return result
    return run_trial


@register("pruning")
def run(size="small", out_dir=None, seed=0):
    """Pruning a trained MNIST-1D MLP: accuracy vs sparsity per method, with real compression."""
    config = SIZES[size]
    with tempfile.TemporaryDirectory() as scratch:
        state_dir = os.path.join(out_dir, "state") if out_dir is not None else scratch
        os.makedirs(state_dir, exist_ok=True)
        trials = [{"method": m, "amount": a, "size": size, "seed": seed}
                  for m in METHODS for a in config["amounts"]]
        results = run_trials(trials, trial_fn(config, state_dir), out_dir,
                             desc="pruning trials")
    rows = []
    for r in results:
        rows.append({"method": r["trial"]["method"], "amount": r["trial"]["amount"],
                     "sparsity": r["report"]["global"]["sparsity"],
                     "dense_acc": r["dense_acc"], "pruned_acc": r["pruned_acc"],
                     "finetuned_acc": r["finetuned_acc"], "dense_params": r["dense_params"],
                     "shrunk_params": r["shrunk_params"], "shrunk_same": r["shrunk_same"],
                     "dense_bytes": r["dense_bytes"], "sparse_bytes": r["sparse_bytes"],
                     "dense_ms": r["dense_ms"], "shrunk_ms": r["shrunk_ms"],
                     "layers": r["report"]["layers"]})
    columns = [("method", "method", None), ("amount", "amount", "{:.0%}"),
               ("weight sparsity", "sparsity", "{:.1%}"),
               ("test acc pruned", "pruned_acc", "{:.1%}"),
               ("after fine-tuning", "finetuned_acc", "{:.1%}"),
               ("params (dense → shrunk)", "params", None),
               ("file bytes (dense → sparse)", "bytes", None),
               ("inference ms (dense → shrunk)", "ms", None)]
    for row in rows:
        row["params"] = f"{row['dense_params']:,} → {row['shrunk_params']:,}"
        row["bytes"] = f"{row['dense_bytes']:,} → {row['sparse_bytes']:,}"
        row["ms"] = f"{row['dense_ms']:.2f} → {row['shrunk_ms']:.2f}"
    note = (f"MLP 40-{config['hidden']}-{config['hidden']}-10 trained {config['steps']} Adam "
            f"steps (dense test accuracy {rows[0]['dense_acc']:.1%}); fine-tuning "
            f"{config['finetune']} steps with the mask fixed. Inference: median of 20 forward "
            f"passes over the 1,000 test signals. ln_structured prunes hidden units (L2 norm of "
            f"rows, dim=0); shrink drops them and the next layer's columns.")
    table = write_table(out_dir, "pruning", columns, rows, note)
    out = {"size": size, "seed": seed, "rows": rows, "table": table, "settings": config,
           "seconds": sum(r["seconds"] for r in results), "figures": []}
    if out_dir is not None:
        out["figures"].append(plot(rows, config, os.path.join(out_dir, "pruning.png")))
    return out


def plot(rows, config, path):
    """Test accuracy (after fine-tuning, and right after pruning, dotted) vs sparsity."""
    require_matplotlib()
    from ..train.plots import new_figure, save_figure
    figure, (ax, size_ax) = new_figure(2, width=4.8, height=3.6)
    for method, color in zip(METHODS, ("tab:blue", "tab:green", "tab:gray", "tab:orange")):
        these = [row for row in rows if row["method"] == method]
        x = [100 * row["amount"] for row in these]
        ax.plot(x, [100 * row["finetuned_acc"] for row in these], ".-", color=color,
                label=method)
        ax.plot(x, [100 * row["pruned_acc"] for row in these], ":", color=color)
        if method == "ln_structured":
            size_ax.plot(x, [row["shrunk_params"] / row["dense_params"] for row in these],
                         ".-", color=color, label="parameters after shrink (structured)")
        if method == "l1_unstructured":
            size_ax.plot(x, [row["sparse_bytes"] / row["dense_bytes"] for row in these],
                         ".-", color="tab:blue", label="sparse file / dense file (l1)")
    ax.axhline(100 * rows[0]["dense_acc"], color="k", linestyle="--", label="dense")
    ax.set_xlabel("amount pruned (%)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("solid: fine-tuned; dotted: just pruned")
    ax.legend(fontsize=7)
    size_ax.set_xlabel("amount pruned (%)")
    size_ax.set_ylabel("fraction of the dense model")
    size_ax.set_title("real compression")
    size_ax.legend(fontsize=7)
    for axis in (ax, size_ax):
        axis.grid(alpha=0.3)
    return save_figure(figure, path)


__all__ = ["METHODS", "SIZES", "apply_method", "make_model", "run"]
