"""Deep double descent on MNIST-1D: test error vs the width of a 2-hidden-layer MLP.

    glassgrad experiments run double_descent --size full     # 20 widths, 4 to 300 (see docs/why.md)
    glassgrad experiments run double_descent --size small    # 3 widths, seconds (CI)

With 15% of the training labels replaced by random ones, test error first falls as the network
widens, then rises to a peak where the network first fits the training set exactly (the
interpolation threshold: training error reaches zero), then falls again as the network keeps
widening. Without label noise the curve is nearly monotone.
- Paper: Belkin, Hsu, Ma & Mandal, "Reconciling modern machine-learning practice and the
  classical bias-variance trade-off", PNAS 2019; Nakkiran, Kaplun, Bansal, Yang, Barak &
  Sutskever, "Deep Double Descent: Where Bigger Models and More Data Hurt", ICLR 2020.
- Setting: the MNIST-1D repository's notebook (greydanus/mnist1d, notebooks/6.
  deep_double_descent.ipynb, for Prince's "Understanding Deep Learning" §8.4): 8,000 signals
  split 4,000 train / 4,000 test, 15% of the training labels redrawn uniformly from 0-9, MLP
  40-h-h-10 with ReLU, He-uniform weights and zero biases, SGD lr 0.01 momentum 0.9, batches
  of 100 shuffled each epoch, 1,000 epochs. The notebook finds test error 47.2% at h = 16, a
  peak of about 54% at h = 47-61 where training error first reaches zero, and 45.5% at
  h = 300 (`PUBLISHED`).
Deviation (for the 2-core budget): the full size trains 500 epochs, not 1,000, which moves the
interpolation threshold to somewhat larger widths; the experiment checks the peak against the
widths where *its own* training error first reaches zero.

Each width is one trial of the sweep helper (glassgrad/experiments/sweep.py): all its members
(seeds x {noisy, clean labels}) train at once as a StackedMLP, and its result is cached, so an
interrupted sweep resumes at the next unfinished width.
"""
import os
import time

import numpy as np

from ..data.datasets import load_mnist1d
from ..data.datasets.mnist1d import MNIST1DArgs
from ..optim import SGD
from . import register, require_matplotlib
from .stacked_mlp import StackedMLP, train_stacked
from .sweep import run_trials, write_table

PUBLISHED = {"noise": 0.15, "min_small_width": (16, 0.472), "peak": ((47, 61), 0.54),
             "widest": (300, 0.455)}

SIZES = {
    "full": {"widths": [4, 8, 12, 16, 20, 24, 32, 40, 48, 56, 64, 72, 80, 96, 112, 128, 160,
                        200, 250, 300],
             "samples": 8000, "epochs": 500, "seeds": 2, "noise": 0.15},
    "small": {"widths": [4, 24, 128], "samples": 1600, "epochs": 120, "seeds": 1,
              "noise": 0.15},
}
TRAINING = {"lr": 0.01, "momentum": 0.9, "batch_size": 100}
CONDITIONS = ("noisy", "clean")
MARGIN = 0.03            # the target: the peak is >= 3 points above both sides


def noisy_labels(labels, fraction, seed):
    """The notebook's label noise: each label, with probability `fraction`, is redrawn
    uniformly from the 10 classes (so it may come back unchanged)."""
    rng = np.random.default_rng(seed)
    labels = labels.copy()
    redraw = rng.random(len(labels)) < fraction
    labels[redraw] = rng.integers(0, 10, redraw.sum())
    return labels


def data(size):
    """(x_train, y_train, x_test, y_test) of the notebook's 50/50 split of MNIST-1D."""
    config = SIZES[size]
    splits = load_mnist1d(MNIST1DArgs(num_samples=config["samples"], train_split=0.5))
    return tuple(np.asarray(a) for a in splits)


def trial_fn(size, seed):
    """The function one trial {"width": h} runs: train every member at width h."""
    config = SIZES[size]
    x_train, y_train, x_test, y_test = data(size)
    seeds = [seed + k for k in range(config["seeds"])]
    labels = []
    for s in seeds:                      # member order: (seed, condition)
        labels.append(noisy_labels(y_train, config["noise"], s))
        labels.append(y_train)

    def run_width(trial):
        width = trial["width"]
        members = len(labels)
        model = StackedMLP(members, (40, width, width, 10),
                           generator=np.random.default_rng([seed, width]))
        optimizer = SGD(model.parameters(), lr=TRAINING["lr"], momentum=TRAINING["momentum"])
        out = train_stacked(model, optimizer, x_train, np.stack(labels), config["epochs"],
                            TRAINING["batch_size"], seed=seed * 1000 + width, x_test=x_test,
                            y_test=y_test)
        result = {"width": width, "params": sum(p.numel() for p in model.parameters())
                  // members, "n_test": len(y_test)}
        for c, condition in enumerate(CONDITIONS):
            result[condition] = {"train_error": (1 - out["train_acc"][c::2]).tolist(),
                                 "test_error": (1 - out["test_acc"][c::2]).tolist()}
        return result
    return run_width


def wilson(errors, n, z=1.96):
    """95% Wilson interval for an error rate pooled over seeds (n test signals each)."""
    total = n * len(errors)
    p = float(np.mean(errors))
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * np.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return centre - half, centre + half


def summarise(results):
    """Rows per width with mean errors and CIs; plus the double-descent checks."""
    rows = []
    for r in results:
        row = {"width": r["width"], "params": r["params"]}
        for condition in CONDITIONS:
            train, test = r[condition]["train_error"], r[condition]["test_error"]
            low, high = wilson(test, r["n_test"])
            row.update({f"{condition}_train": float(np.mean(train)),
                        f"{condition}_test": float(np.mean(test)),
                        f"{condition}_test_low": low, f"{condition}_test_high": high})
        rows.append(row)
    return rows, {condition: peak_check(rows, condition) for condition in CONDITIONS}


def peak_check(rows, condition, fit=0.01):
    """Where the test error peaks, how far above the smaller-width minimum and the widest
    model, and whether the peak is among the widths where training error first reaches
    (nearly) zero: the first width with training error <= `fit` and its neighbours."""
    test = np.array([row[f"{condition}_test"] for row in rows])
    train = np.array([row[f"{condition}_train"] for row in rows])
    widths = [row["width"] for row in rows]
    # The bump at width i: how far its test error rises above both the best smaller width
    # and the widest model; the peak is the width with the largest bump.
    bumps = [min(test[i] - test[:i].min(), test[i] - test[-1]) if 0 < i < len(test) - 1
             else -1.0 for i in range(len(test))]
    peak = int(np.argmax(bumps))
    fitted = np.nonzero(train <= fit)[0]
    first_fit = int(fitted[0]) if len(fitted) else None
    near = first_fit is not None and abs(peak - first_fit) <= 1
    return {"peak_width": widths[peak], "peak_test_error": float(test[peak]),
            "bump": float(bumps[peak]),
            "above_smaller_min": float(test[peak] - test[:peak].min()) if peak else 0.0,
            "above_widest": float(test[peak] - test[-1]),
            "first_zero_train_width": None if first_fit is None else widths[first_fit],
            "peak_at_interpolation": bool(near), "double_descent": bool(
                near and bumps[peak] >= MARGIN)}


@register("double_descent")
def run(size="small", out_dir=None, seed=0):
    """Deep double descent: MNIST-1D test error vs MLP width, with and without label noise."""
    config = SIZES[size]
    start = time.perf_counter()
    trials = [{"width": w, "size": size, "seed": seed} for w in config["widths"]]
    function = trial_fn(size, seed)
    results = run_trials(trials, lambda t: function(t), out_dir, desc="double_descent widths")
    rows, checks = summarise(results)
    seconds = time.perf_counter() - start
    trial_seconds = sum(r["seconds"] for r in results)
    columns = [("width h", "width", None), ("parameters", "params", "{:,}")]
    for condition in CONDITIONS:
        columns += [(f"{condition} train error", f"{condition}_train", "{:.1%}"),
                    (f"{condition} test error", f"{condition}_test", "{:.1%}")]
    note = (f"{config['seeds']} seed(s) per width; {config['epochs']} epochs of SGD; "
            f"{config['samples'] // 2:,} train / {config['samples'] // 2:,} test; label noise "
            f"{config['noise']:.0%} (noisy). Trials' training time {trial_seconds:.0f} s.")
    table = write_table(out_dir, "double_descent", columns, rows, note)
    out = {"size": size, "seed": seed, "rows": rows, "checks": checks, "table": table,
           "seconds": seconds, "trial_seconds": trial_seconds, "settings": config,
           "published": PUBLISHED, "figures": []}
    if out_dir is not None:
        out["figures"].append(plot(rows, config, os.path.join(out_dir, "double_descent.png")))
    return out


def plot(rows, config, path):
    """Test and train error vs width, noisy and clean labels, 95% CI bands on test error."""
    require_matplotlib()
    from ..train.plots import new_figure, save_figure
    figure, axes = new_figure(2, width=4.6, height=3.4)
    widths = [row["width"] for row in rows]
    for ax, condition in zip(axes, CONDITIONS):
        test = [100 * row[f"{condition}_test"] for row in rows]
        ax.fill_between(widths, [100 * row[f"{condition}_test_low"] for row in rows],
                        [100 * row[f"{condition}_test_high"] for row in rows],
                        color="tab:blue", alpha=0.25, linewidth=0)
        ax.plot(widths, test, "b.-", label="test")
        ax.plot(widths, [100 * row[f"{condition}_train"] for row in rows], "r.-", alpha=0.5,
                label="train")
        ax.set_xlabel("hidden width h (2 hidden layers)")
        ax.set_ylabel("error (%)")
        noise = f"{config['noise']:.0%} label noise" if condition == "noisy" else "clean labels"
        ax.set_title(f"MNIST-1D, {noise}")
        ax.set_ylim(-3, 80)
        ax.grid(alpha=0.3)
        ax.legend()
    return save_figure(figure, path)


__all__ = ["CONDITIONS", "PUBLISHED", "SIZES", "TRAINING", "noisy_labels", "peak_check",
           "run", "summarise"]
