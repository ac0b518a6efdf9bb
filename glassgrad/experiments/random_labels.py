"""Randomisation tests on MNIST-1D: an MLP fits random labels perfectly, and learns nothing.

    glassgrad experiments run random_labels --size full     # docs/why.md
    glassgrad experiments run random_labels --size small    # seconds (CI)

The same network, trained the same way, on the true labels, on labels of which a fraction is
replaced by random ones, on all-random labels, and on the true labels with the signal's 40
positions shuffled by one fixed permutation (and with the inputs replaced by Gaussian noise):
training accuracy reaches ~100% in every case, so the network's capacity alone cannot explain
why it generalises on the true labels; test accuracy falls to chance (10%) with random labels,
and fitting takes longer the more labels are random.
- Paper: Zhang, Bengio, Hardt, Recht & Vinyals, "Understanding deep learning requires
  rethinking generalization", ICLR 2017 (Figure 1: CIFAR-10, Inception; fitting time and
  test error vs label corruption).
Setting here: MNIST-1D 4,000 train / 1,000 test, MLP 40-h-h-10 (ReLU), Adam lr 1e-3, batches
of 100 shuffled each epoch; all conditions train at once as one StackedMLP (each with its own
weights, shuffles and labels). "Time to fit" is the first evaluated epoch with training
accuracy >= 99%.
"""
import os

import numpy as np

from ..data.datasets import load_mnist1d
from ..optim import Adam
from . import register, require_matplotlib
from .double_descent import wilson
from .stacked_mlp import StackedMLP, train_stacked
from .sweep import run_trials, write_table

SIZES = {
    "full": {"train": 4000, "hidden": 256, "epochs": 400, "eval_every": 5, "seeds": 1,
             "noise": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]},
    "small": {"train": 600, "hidden": 64, "epochs": 60, "eval_every": 5, "seeds": 1,
              "noise": [0.0, 0.5, 1.0]},
}
LR = 1e-3
FIT = 0.99


def conditions(config):
    """The conditions, in member order: ("labels", fraction) ..., then the input tests."""
    return [("labels", f) for f in config["noise"]] + [("inputs", "shuffled pixels"),
                                                     ("inputs", "gaussian inputs")]


def member_data(config, seed):
    """Per-member training inputs (S, N, 40), labels (S, N), and test inputs/labels."""
    x_train, y_train, x_test, y_test = (np.asarray(a) for a in load_mnist1d())
    x_train, y_train = x_train[:config["train"]], y_train[:config["train"]]
    rng = np.random.default_rng(seed)
    xs, ys, xs_test = [], [], []
    for kind, value in conditions(config):
        x, y, xt = x_train, y_train.copy(), x_test
        if kind == "labels":             # corrupt a fraction: replaced by uniform random labels
            corrupt = rng.random(len(y)) < value
            y[corrupt] = rng.integers(0, 10, corrupt.sum())
        elif value == "shuffled pixels":  # one permutation of the 40 positions, train and test
            order = rng.permutation(x.shape[1])
            x, xt = x[:, order], x_test[:, order]
        else:                            # Gaussian noise of the data's mean and std
            x = rng.normal(x_train.mean(), x_train.std(), x.shape).astype(np.float32)
            xt = rng.normal(x_train.mean(), x_train.std(), x_test.shape).astype(np.float32)
        xs.append(x)
        ys.append(y)
        xs_test.append(xt)
    return (np.stack(xs).astype(np.float32), np.stack(ys), np.stack(xs_test).astype(np.float32),
            y_test)


def trial_fn(config):
    def run_seed(trial):
        seed = trial["seed"]
        x, y, x_test, y_test = member_data(config, seed)
        model = StackedMLP(len(y), (40, config["hidden"], config["hidden"], 10),
                           generator=np.random.default_rng([seed, 1]))
        out = train_stacked(model, Adam(model.parameters(), lr=LR), x, y, config["epochs"],
                            seed=seed, x_test=x_test, y_test=y_test,
                            eval_every=config["eval_every"], fit_threshold=FIT)
        return {"train_acc": out["train_acc"], "test_acc": out["test_acc"],
                "fit_epoch": [None if np.isnan(e) else int(e) for e in out["fit_epoch"]],
                "curve": out["curve"], "n_test": len(y_test),
                "epoch_seconds": out["seconds"] / config["epochs"]}
    return run_seed


@register("random_labels")
def run(size="small", out_dir=None, seed=0):
    """Zhang et al. 2017 on MNIST-1D: an MLP fits random labels (train ~100%, test ~chance)."""
    config = SIZES[size]
    trials = [{"seed": seed + s, "size": size} for s in range(config["seeds"])]
    results = run_trials(trials, trial_fn(config), out_dir, desc="random_labels seeds")
    rows = []
    for index, (kind, value) in enumerate(conditions(config)):
        test = [r["test_acc"][index] for r in results]
        fits = [r["fit_epoch"][index] for r in results]
        low, high = wilson(test, results[0]["n_test"])
        rows.append({"condition": f"{value:.0%} random labels" if kind == "labels" else value,
                     "kind": kind, "value": value,
                     "train_acc": float(np.mean([r["train_acc"][index] for r in results])),
                     "test_acc": float(np.mean(test)), "test_low": low, "test_high": high,
                     "fit_epoch": None if None in fits else float(np.mean(fits)),
                     "fit_seconds": None if None in fits else float(np.mean(
                         [f * r["epoch_seconds"] for f, r in zip(fits, results)]))})
    columns = [("condition", "condition", None), ("train accuracy", "train_acc", "{:.1%}"),
               ("test accuracy", "test_acc", "{:.1%}"), ("epochs to fit (train >= 99%)",
                                                          "fit_epoch", "{:.0f}"),
               ("seconds to fit", "fit_seconds", "{:.0f}")]
    note = (f"MLP 40-{config['hidden']}-{config['hidden']}-10, Adam lr {LR}, "
            f"{config['epochs']} epochs, {config['train']:,} training signals, "
            f"{config['seeds']} seed(s); all conditions trained together (StackedMLP). "
            f"Empty 'to fit' cells: not fitted within the epochs.")
    table = write_table(out_dir, "random_labels", columns, rows, note)
    checks = {"all_fit": all(row["train_acc"] >= FIT for row in rows),
              "random_test_acc": rows[len(config["noise"]) - 1]["test_acc"],
              "true_test_acc": rows[0]["test_acc"]}
    out = {"size": size, "seed": seed, "rows": rows, "checks": checks, "table": table,
           "settings": config, "seconds": sum(r["seconds"] for r in results), "figures": []}
    if out_dir is not None:
        out["figures"].append(plot(rows, results, config,
                                   os.path.join(out_dir, "random_labels.png")))
    return out


def plot(rows, results, config, path):
    """Left: train/test accuracy vs label-noise fraction; middle: epochs to fit vs noise;
    right: training accuracy per epoch for every condition."""
    require_matplotlib()
    from ..train.plots import new_figure, save_figure
    figure, (left, middle, right) = new_figure(3, width=4.0, height=3.3)
    labels = [row for row in rows if row["kind"] == "labels"]
    noise = [100 * row["value"] for row in labels]
    left.plot(noise, [100 * row["train_acc"] for row in labels], "r.-", label="train")
    left.plot(noise, [100 * row["test_acc"] for row in labels], "b.-", label="test")
    left.fill_between(noise, [100 * row["test_low"] for row in labels],
                      [100 * row["test_high"] for row in labels], color="b", alpha=0.2)
    left.axhline(10, color="gray", linestyle=":", label="chance")
    left.set_xlabel("labels randomised (%)")
    left.set_ylabel("accuracy (%)")
    left.legend()
    fitted = [(n, row["fit_epoch"]) for n, row in zip(noise, labels) if row["fit_epoch"]]
    middle.plot([n for n, _ in fitted], [e for _, e in fitted], "k.-")
    middle.set_xlabel("labels randomised (%)")
    middle.set_ylabel("epochs to reach 99% train accuracy")
    curve = results[0]["curve"]
    epochs = [point[0] for point in curve]
    for index, row in enumerate(rows):
        right.plot(epochs, [100 * point[1][index] for point in curve], label=row["condition"])
    right.set_xlabel("epoch")
    right.set_ylabel("train accuracy (%)")
    right.legend(fontsize=7)
    for ax in (left, middle, right):
        ax.grid(alpha=0.3)
    figure.suptitle(f"MNIST-1D, MLP {config['hidden']}: randomisation tests (Zhang et al. 2017)")
    return save_figure(figure, path)


__all__ = ["SIZES", "conditions", "member_data", "run"]
