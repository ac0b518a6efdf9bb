"""Why AdaRound: on a layer small enough to try every rounding, the second-order Taylor
objective with glassgrad's exact Hessian predicts the true loss change, and the best rounding
is not rounding to nearest.

    glassgrad experiments run taylor_rounding --size full    # 16 weights, 5 problems
    glassgrad experiments run taylor_rounding --size small   # 8 weights, 2 problems (CI)

Each problem is generated (no data set): 512 points x ~ N(0, I₄) labelled by a random teacher
network, and a student x -> Linear(4, k) -> tanh -> Linear(k, 3) trained in float64 with Adam to
convergence. The first layer's k·4 weights are then rounded to a symmetric 3-bit grid (per
tensor), keeping everything else in float. All 2^(4k) up/down choices are scored
(glassgrad.quant.taylor.rounding_study) by

    first order   gᵀΔw                 (g = ∇L from one backward pass)
    Taylor        gᵀΔw + ½ΔwᵀHΔw       (H = ∇²L exactly, by double backward)
    local         E‖Δw x‖²             (AdaRound's proxy: the layer's own output error)
    true          L(w + Δw) - L(w)     (the training loss, the objective all of them stand for)

and the roundings made by nearest, stochastic rounding (draws), AdaRound
(glassgrad.quant.adaround_layer) and the exhaustive minimiser of each objective are compared by
their true ΔL and its rank among all 2ⁿ roundings (1 = the best one).

- Paper: Nagel et al., "Up or down? Adaptive rounding for post-training quantization", ICML
  2020: section 2 (the Taylor view; Table 1, ResNet18's first layer: nearest 52.3%, the best of
  100 stochastic roundings 63.1%), section 3 (the local objective and AdaRound).
"""
import os
import time

import numpy as np

from .. import nn
from ..nn import functional as F
from ..optim import Adam
from ..quant import adaround_layer
from ..quant import taylor
from ..random import Generator
from ..tensor import Tensor
from . import register, require_matplotlib

SIZES = {"full": {"hidden": 4, "problems": 5, "draws": 100, "iterations": 1000},
         "small": {"hidden": 2, "problems": 2, "draws": 20, "iterations": 200}}
BITS = 3
SAMPLES, INPUTS, CLASSES = 512, 4, 3
METHODS = ("nearest", "stochastic (mean of draws)", "stochastic (best draw)", "AdaRound",
           "exhaustive: first order", "exhaustive: local (AdaRound's objective)",
           "exhaustive: Taylor (exact H)", "exhaustive: true ΔL")


def make_problem(hidden, seed, steps=3000):
    """(x, y, trained student layers as float64 numpy (W1, b1, W2, b2)) for one problem."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((SAMPLES, INPUTS))
    teacher1 = rng.standard_normal((INPUTS, 8))
    teacher2 = rng.standard_normal((8, CLASSES))
    y = (np.tanh(x @ teacher1) @ teacher2 + 0.3 * rng.standard_normal((SAMPLES, CLASSES))
         ).argmax(1)
    params = [rng.standard_normal((hidden, INPUTS)) * 0.5, np.zeros(hidden),
              rng.standard_normal((CLASSES, hidden)) * 0.5, np.zeros(CLASSES)]
    params = [nn.Parameter(Tensor(p)) for p in params]
    optimizer = Adam(params, lr=0.03)
    xt, yt = Tensor(x), Tensor(y)
    for _ in range(steps):                      # full batch: the loss the study measures
        loss = student_loss(xt, yt, *params)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return x, y, [p._data.copy() for p in params]


def student_loss(x, y, w1, b1, w2, b2):
    return F.cross_entropy(F.linear(F.linear(x, w1, b1).tanh(), w2, b2), y)


def adaround_up(w1, b1, x, iterations, seed):
    """AdaRound's choice for the first layer (its inputs are the float data; the tanh after
    it is in its loss), as 0/1 per weight."""
    layer = nn.Linear(INPUTS, w1.shape[0])
    layer.weight = nn.Parameter(Tensor(w1.astype(np.float32)))
    layer.bias = nn.Parameter(Tensor(b1.astype(np.float32)))
    targets = (x @ w1.T + b1).astype(np.float32)
    rounded = adaround_layer(layer, x.astype(np.float32), targets, bits=BITS,
                             per_channel=False, iterations=iterations, batch_size=128,
                             reg_weight=0.01, activation=lambda t: t.tanh(),
                             generator=Generator(seed))
    return taylor.up_from_rounded(w1, rounded, BITS)


def stochastic_ups(w1, draws, seed):
    """Stochastic rounding draws: up with probability equal to the fractional part."""
    floor, scale, _, _ = taylor.grid(w1, BITS)
    fraction = (w1 / scale - floor).ravel()
    u = np.random.default_rng(seed).random((draws, fraction.size))
    return (u < fraction).astype(np.float64)


def study_problem(cfg, seed):
    """One problem: the study's arrays and the table's values per method."""
    x, y, (w1, b1, w2, b2) = make_problem(cfg["hidden"], seed)
    xt, yt = Tensor(x), Tensor(y)
    b1t, w2t, b2t = Tensor(b1), Tensor(w2), Tensor(b2)
    study = taylor.rounding_study(lambda w: student_loss(xt, yt, w, b1t, w2t, b2t), w1,
                                  bits=BITS, layer_inputs=x)
    ranks = np.argsort(np.argsort(study["true"])) + 1           # 1 = the best rounding
    up = study["up"]
    draws = [taylor.index_of(up, u) for u in stochastic_ups(w1, cfg["draws"], seed)]
    chosen = {"nearest": [study["nearest"]], "stochastic (mean of draws)": draws,
              "stochastic (best draw)": [min(draws, key=lambda i: study["true"][i])],
              "AdaRound": [taylor.index_of(up, adaround_up(w1, b1, x, cfg["iterations"],
                                                             seed))],
              "exhaustive: first order": [study["best"]["first"]],
              "exhaustive: local (AdaRound's objective)": [study["best"]["local"]],
              "exhaustive: Taylor (exact H)": [study["best"]["taylor"]],
              "exhaustive: true ΔL": [study["best"]["true"]]}
    values = {m: {key: float(np.mean([study[key][i] for i in idx]))
                  for key in ("first", "second", "taylor", "local", "true")}
              for m, idx in chosen.items()}
    for m, idx in chosen.items():
        values[m]["rank"] = float(np.mean([ranks[i] for i in idx]))
    return study, values


@register("taylor_rounding")
def run(size="small", out_dir=None, seed=0):
    """Every rounding of a tiny layer scored by gᵀΔw, the exact-Hessian Taylor objective,
    AdaRound's local objective and the true loss change."""
    cfg = SIZES[size]
    start = time.perf_counter()
    studies, values = [], []
    for p in range(cfg["problems"]):
        study, value = study_problem(cfg, seed * 100 + p)
        studies.append(study)
        values.append(value)
    n = 4 * cfg["hidden"]
    rows = []
    for method in METHODS:
        row = {"method": method}
        for key in ("first", "second", "taylor", "local", "true", "rank"):
            per_problem = [v[method][key] for v in values]
            row[key] = float(np.mean(per_problem))
            row[f"{key}_std"] = float(np.std(per_problem, ddof=1)) if len(per_problem) > 1 \
                else 0.0
        rows.append(row)
    predictors = {k: {"spearman": float(np.mean([s["spearman"][k] for s in studies])),
                      "spearman_min": float(np.min([s["spearman"][k] for s in studies])),
                      "pearson": float(np.mean([s["pearson"][k] for s in studies]))}
                  for k in ("first", "local", "taylor")}
    results = {"size": size, "seed": seed, "weights": n, "roundings": 2 ** n, "bits": BITS,
               "problems": cfg["problems"], "rows": rows, "predictors": predictors,
               "gradient_norm": float(np.mean([np.linalg.norm(s["g"]) for s in studies])),
               "table": table(rows, predictors, n, cfg["problems"]),
               "seconds": time.perf_counter() - start, "figures": []}
    if out_dir is not None:
        results["figures"].append(plot(studies[0], os.path.join(out_dir,
                                                                 "taylor_rounding.png")))
    return results


def table(rows, predictors, n, problems):
    lines = [f"{n} weights, 2^{n} = {2 ** n} roundings, {BITS}-bit grid; mean over {problems} "
             "problems (± std); rank 1 = the rounding with the smallest true ΔL.", "",
             "| rounding | gᵀΔw | ½ΔwᵀHΔw | Taylor | local E‖Δw x‖² | true ΔL | rank of "
             f"{2 ** n} |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['method']} | {r['first']:.4f} | {r['second']:.4f} | "
                     f"{r['taylor']:.4f} | {r['local']:.4f} | {r['true']:.4f} ± "
                     f"{r['true_std']:.4f} | {r['rank']:.0f} |")
    lines += ["", "| objective | Spearman ρ with true ΔL (mean, min over problems) | "
              "Pearson r |", "|---|---|---|"]
    names = {"first": "first order gᵀΔw", "local": "local E‖Δw x‖² (AdaRound)",
             "taylor": "Taylor gᵀΔw + ½ΔwᵀHΔw (exact H)"}
    for key, name in names.items():
        p = predictors[key]
        lines.append(f"| {name} | {p['spearman']:.3f} (min {p['spearman_min']:.3f}) | "
                     f"{p['pearson']:.3f} |")
    return "\n".join(lines)


def plot(study, path):
    """True ΔL against each objective over all roundings, with nearest and the best marked."""
    require_matplotlib()
    from ..train.plots import new_figure, save_figure
    figure, axes = new_figure(3, max_columns=3, width=4.0, height=3.4)
    names = (("first", "first order gᵀΔw"), ("taylor", "Taylor gᵀΔw + ½ΔwᵀHΔw"),
             ("local", "local E‖Δw x‖² (AdaRound)"))
    for ax, (key, name) in zip(axes, names):
        ax.scatter(study[key], study["true"], s=2, alpha=0.3, color="tab:gray")
        for index, label, color in ((study["nearest"], "nearest", "tab:red"),
                                    (study["best"]["true"], "best (true ΔL)", "tab:green"),
                                    (study["best"][key], f"argmin of {key}", "tab:blue")):
            ax.scatter([study[key][index]], [study["true"][index]], s=40, color=color,
                       label=label, edgecolor="k", zorder=3)
        ax.set_xlabel(name)
        ax.set_ylabel("true ΔL")
        ax.set_title(f"Spearman ρ = {study['spearman'][key]:.2f}", fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    return save_figure(figure, path)


__all__ = ["run", "make_problem", "study_problem", "table", "plot", "SIZES", "METHODS"]
