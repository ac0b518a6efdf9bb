"""Optimisers compared: SGD, momentum, Adam, RAdam, Lookahead and Newton, on the Rosenbrock
valley (their paths over its contour plot) and on a small MLP learning handwritten digits
(their training-loss curves).

The Rosenbrock function f(x, y) = (1 - x)² + 100 (y - x²)² has its minimum f = 0 at (1, 1)
at the end of a long, curved, flat-bottomed valley whose walls are ~1000 times steeper than
its floor: the classic case where a first-order method's step is capped by the steep
direction (lr < 2/λ_max) and so crawls along the floor, while Newton's method, which rescales
every direction by its curvature, reaches the minimum in a handful of steps.

- Paper: Rosenbrock, "An Automatic Method for Finding the Greatest or Least Value of a
  Function" (The Computer Journal, 1960); the optimisers' own papers are cited in glassgrad.optim.
Data: scikit-learn's 8x8 digits (glassgrad.data.datasets.load_digits; no download).
"""
import os
import time

import numpy as np

from .. import creation, nn, optim
from ..data.datasets import load_digits
from ..nn import functional as F
from ..random import manual_seed
from . import can_draw, register, require_matplotlib

NAMES = ("SGD", "Momentum", "Adam", "RAdam", "Lookahead", "Newton")
COLORS = dict(SGD="tab:blue", Momentum="tab:orange", Adam="tab:green", RAdam="tab:red",
              Lookahead="tab:purple", Newton="black")
START = (-1.5, 2.0)
TOLERANCE = 1e-3          # "at the minimum": both coordinates within this of 1

# Steps per size: the first-order optimisers' and Newton's, on Rosenbrock and on the MLP.
SETTINGS = {
    "small": dict(rosen_steps=2000, rosen_newton=30, n_train=256, hidden=8, mlp_steps=150,
                  mlp_newton=12),
    "full": dict(rosen_steps=20000, rosen_newton=50, n_train=None, hidden=16, mlp_steps=1500,
                 mlp_newton=30),
}
# Learning rates, chosen once for each optimiser at size "full" from the grid {1e-4, 3e-4, 1e-3,
# 2e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3} on Rosenbrock (the fewest steps to the minimum among the
# rates still there after 20,000 steps: Adam at 0.3 and Lookahead at 0.1 get there first but
# do not stay) and from {1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1, 3} on the MLP (the fewest
# full-batch steps to a training loss of 0.1). Larger rates diverge on Rosenbrock: SGD and
# momentum above 2e-3, and RAdam above 1e-2, whose first five (un-adapted) steps are γ·m̂
# with gradients of order 10³.
LEARNING_RATES = {
    "rosenbrock": dict(SGD=2e-3, Momentum=2e-3, Adam=0.1, RAdam=1e-2, Lookahead=0.03),
    "mlp": dict(SGD=1.0, Momentum=3.0, Adam=0.1, RAdam=3.0, Lookahead=0.1),
}
LOSS_TARGET = 0.1         # the MLP's training loss whose first step is reported


def rosenbrock(xy):
    """f(x, y) = (1 - x)² + 100 (y - x²)²."""
    x, y = xy[0], xy[1]
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def make_optimizer(name, params, problem):
    """The optimiser `name` with the learning rates tuned (by hand, once) for `problem`."""
    params = list(params)
    lr = LEARNING_RATES[problem]
    if name == "SGD":
        return optim.SGD(params, lr=lr["SGD"])
    if name == "Momentum":
        return optim.SGD(params, lr=lr["Momentum"], momentum=0.9)
    if name == "Adam":
        return optim.Adam(params, lr=lr["Adam"])
    if name == "RAdam":
        return optim.RAdam(params, lr=lr["RAdam"])
    if name == "Lookahead":
        return optim.Lookahead(optim.Adam(params, lr=lr["Lookahead"]), k=5, alpha=0.5)
    if name == "Newton":
        if problem == "rosenbrock":
            return optim.Newton(params)                       # pure Newton
        return optim.Newton(params, adaptive_damping=True, damping=0.1)
    raise ValueError(f"optimizer_comparison: unknown optimiser {name!r}; known: {NAMES}")


def take_step(opt, loss_fn):
    """One step; the loss before it. Newton differentiates the loss itself (twice)."""
    if isinstance(opt, optim.Newton):
        return opt.step(loss_fn).item()

    def closure():
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss
    return opt.step(closure).item()


def run_rosenbrock(steps, newton_steps):
    """Each optimiser's path from START, and the first step at which it is at the minimum."""
    results = {}
    for name in NAMES:
        xy = creation.tensor(np.array(START, dtype=np.float32), requires_grad=True)
        opt = make_optimizer(name, [xy], "rosenbrock")
        path, losses, reached = [xy._data.copy()], [], None
        for t in range(1, (newton_steps if name == "Newton" else steps) + 1):
            losses.append(take_step(opt, lambda: rosenbrock(xy)))
            path.append(xy._data.copy())
            if reached is None and np.abs(xy._data - 1.0).max() < TOLERANCE:
                reached = t
        losses.append(rosenbrock(xy).item())
        results[name] = dict(steps_to_minimum=reached, final_point=xy._data.tolist(),
                             final_loss=losses[-1], path=np.array(path), losses=losses)
    return results


def make_mlp(hidden, seed):
    manual_seed(seed)                 # the same initial weights for every optimiser
    return nn.Sequential(nn.Linear(64, hidden), nn.Tanh(), nn.Linear(hidden, 10))


def run_mlp(n_train, hidden, steps, newton_steps, seed):
    """Full-batch training of a 64-hidden-10 tanh MLP; the training loss at every step."""
    x_train, y_train, x_test, y_test = load_digits(flat=True)
    n = len(x_train) if n_train is None else n_train
    x = creation.tensor(np.asarray(x_train[:n]))
    y = creation.tensor(np.asarray(y_train[:n]))
    x_te, y_te = creation.tensor(np.asarray(x_test)), np.asarray(y_test)
    results = {}
    for name in NAMES:
        model = make_mlp(hidden, seed)
        opt = make_optimizer(name, model.parameters(), "mlp")
        start, losses = time.perf_counter(), []
        for _ in range(newton_steps if name == "Newton" else steps):
            losses.append(take_step(opt, lambda: F.cross_entropy(model(x), y)))
        losses.append(F.cross_entropy(model(x), y).item())
        accuracy = float((model(x_te)._data.argmax(1) == y_te).mean())
        below = [t for t, loss in enumerate(losses) if loss < LOSS_TARGET]
        results[name] = dict(steps=len(losses) - 1, initial_loss=losses[0], final_loss=losses[-1],
                             steps_to_target=below[0] if below else None,
                             test_accuracy=accuracy, seconds=time.perf_counter() - start,
                             losses=losses)
    n_params = sum(p.numel() for p in make_mlp(hidden, seed).parameters())
    return dict(n_train=n, hidden=hidden, n_parameters=n_params, loss_target=LOSS_TARGET,
                optimizers=results)


def frame(paths, margin=0.15):
    """Axis limits holding every path (and at least [-2, 2] x [-1, 3]), a margin around them:
    a step that overshoots the valley is drawn, not cut off at the edge."""
    points = np.concatenate([np.asarray(p, dtype=float) for p in paths])
    low = np.minimum(points.min(axis=0), (-2.0, -1.0))
    high = np.maximum(points.max(axis=0), (2.0, 3.0))
    pad = margin * (high - low) / 2
    return (low[0] - pad[0], high[0] + pad[0]), (low[1] - pad[1], high[1] + pad[1])


def draw_rosenbrock(results, path):
    Figure = require_matplotlib()
    fig = Figure(figsize=(12, 6))
    ax, ax_loss = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    (x0, x1), (y0, y1) = frame([r["path"] for r in results.values()])
    xs, ys = np.meshgrid(np.linspace(x0, x1, 400), np.linspace(y0, y1, 400))
    f = (1 - xs) ** 2 + 100 * (ys - xs ** 2) ** 2
    ax.contour(xs, ys, np.log10(f + 1e-3), levels=25, cmap="Greys", linewidths=0.6)
    for name, r in results.items():
        p = r["path"]
        steps = r["steps_to_minimum"]
        label = f"{name} ({steps} steps)" if steps else f"{name} (not reached)"
        marker = "o" if name == "Newton" else None
        ax.plot(p[:, 0], p[:, 1], color=COLORS[name], lw=1.2, marker=marker, ms=3, label=label)
        ax_loss.loglog(np.arange(1, len(r["losses"]) + 1), np.maximum(r["losses"], 1e-16),
                       color=COLORS[name], label=name)
    ax.plot(*START, "k^", ms=9, ls="none", label=f"start ({START[0]:g}, {START[1]:g})")
    ax.plot(1, 1, "r*", ms=14, ls="none", label="minimum (1, 1)")
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="x", ylabel="y",
           title=f"Paths on the Rosenbrock function from ({START[0]:g}, {START[1]:g})")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.11), ncol=3)
    ax_loss.set(xlabel="step", ylabel="f(x, y)", title="Rosenbrock value per step")
    ax_loss.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return fig


def draw_mlp(mlp, path):
    Figure = require_matplotlib()
    fig = Figure(figsize=(8.5, 6))
    ax = fig.add_subplot(1, 1, 1)
    for name, r in mlp["optimizers"].items():
        marker = "o" if name == "Newton" else None
        ax.semilogy(np.arange(len(r["losses"])), r["losses"], color=COLORS[name],
                    marker=marker, ms=4,
                    label=f"{name}: {r['final_loss']:.2g} after {r['steps']} steps "
                          f"({r['seconds']:.2g} s), test acc. {r['test_accuracy']:.2f}")
    ax.set_xscale("symlog", linthresh=10)          # linear to 10 steps, logarithmic beyond
    ax.set(xlabel="step (full batch; linear to 10, then logarithmic)",
           ylabel="training cross-entropy",
           title=f"MLP 64-{mlp['hidden']}-10 on digits ({mlp['n_train']} images, "
                 f"{mlp['n_parameters']} parameters)")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return fig


@register("optimizer_comparison")
def run(size="small", out_dir=".", seed=0):
    """SGD, momentum, Adam, RAdam, Lookahead and Newton on Rosenbrock and a digits MLP."""
    settings = SETTINGS[size]
    rosen = run_rosenbrock(settings["rosen_steps"], settings["rosen_newton"])
    mlp = run_mlp(settings["n_train"], settings["hidden"], settings["mlp_steps"],
                  settings["mlp_newton"], seed)
    figures = []
    if out_dir is not None and can_draw():
        figures = [os.path.join(out_dir, "optimizer_comparison_rosenbrock.png"),
                   os.path.join(out_dir, "optimizer_comparison_mlp.png")]
        draw_rosenbrock(rosen, figures[0])
        draw_mlp(mlp, figures[1])
    drop = ("path", "losses")
    return dict(
        size=size, seed=seed, figures=figures,
        rosenbrock=dict(start=list(START), tolerance=TOLERANCE,
                        optimizers={n: {k: v for k, v in r.items() if k not in drop}
                                    for n, r in rosen.items()},
                        losses={n: r["losses"] for n, r in rosen.items()}),
        mlp=dict({k: v for k, v in mlp.items() if k != "optimizers"},
                 optimizers={n: {k: v for k, v in r.items() if k not in drop}
                             for n, r in mlp["optimizers"].items()},
                 losses={n: r["losses"] for n, r in mlp["optimizers"].items()}))
