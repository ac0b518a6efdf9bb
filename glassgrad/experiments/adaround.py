"""4-bit weights on the MNIST-1D MLP: rounding to nearest, stochastic rounding, AdaRound, QAT.

    glassgrad experiments run adaround --size full     # the paper's 6,000 training steps
    glassgrad experiments run adaround --size small    # CI size (seconds)

The float MLP (glassgrad.models.MNIST1DMLP, trained as in mnist1d_baselines) gets its three
weight matrices rounded to a symmetric signed 4-bit grid per output channel (activations stay
float): to nearest; stochastically (mean ± std over draws); by AdaRound (layer by layer on
calibration signals from the training set); and by QAT (fine-tuning through fake-quantized
weights with the straight-through estimator). Test accuracy over the 1,000 test signals with
95% Wilson intervals.

- Paper: Nagel et al., "Up or down? Adaptive rounding for post-training quantization", ICML
  2020 (Table 1: nearest < stochastic-best < AdaRound on ImageNet at 4 bits); Jacob et al.,
  CVPR 2018 (QAT).
"""
import os
import time

import numpy as np

from .. import quant
from ..autograd import grad_mode
from ..data import DataLoader, TensorDataset
from ..data.datasets import load_mnist1d
from ..nn import CrossEntropyLoss
from ..optim import Adam
from ..random import Generator
from ..tensor import Tensor
from ..train import fit
from ..train.metrics import wilson_interval
from . import register, require_matplotlib
from .mnist1d_baselines import train_one

SIZES = {"full": {"steps": 6000, "iterations": 2000, "calibration": 2048, "draws": 10,
                  "qat_epochs": 10},
         "small": {"steps": 500, "iterations": 150, "calibration": 256, "draws": 3,
                   "qat_epochs": 1}}


def accuracy(model, x, y):
    """(accuracy, low, high): fraction right over (x, y) with its 95% Wilson interval."""
    with grad_mode.no_grad():
        predicted = model(Tensor(np.asarray(x, np.float32)))._data.argmax(1)
    right = int((predicted == np.asarray(y)).sum())
    low, high = wilson_interval(right, len(y))
    return right / len(y), low, high


def row(method, x, y, model, seconds=0.0, note=""):
    value, low, high = accuracy(model, x, y)
    return {"method": method, "accuracy": value, "low": low, "high": high, "seconds": seconds,
            "note": note}


def qat_finetune(model, data, bits, epochs, lr=1e-3, per_channel=True, activation_bits=None,
                 seed=0, calibration=1000, frozen_epochs=None, learnable=False):
    """A QAT copy of the float model (b-bit weights, STE) fine-tuned for `epochs` with Adam.

    The quantizers follow torch.ao's QAT recipe (quant.qat_qconfig): the activation ranges
    start from `calibration` training signals (PTQ's starting point), then follow a moving
    average of the batches' ranges; for the last `frozen_epochs` (default: half the epochs,
    at least one) the observers are frozen (torch's disable_observer), so the network trains
    against the grids it will be evaluated with. learnable: LSQ scales (Esser et al. 2020),
    initialised by the calibration and then trained."""
    prepared = quant.prepare(model, quant.qat_qconfig(bits, activation_bits, per_channel,
                                                      learnable=learnable))
    x_train, y_train = np.asarray(data[0]), np.asarray(data[1])
    with grad_mode.no_grad():
        prepared(Tensor(x_train[:calibration].astype(np.float32)))
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=100, shuffle=True,
                        generator=Generator(seed))
    optimizer = Adam(prepared.parameters(), lr=lr)
    frozen = max(1, epochs // 2) if frozen_epochs is None else frozen_epochs
    if epochs - frozen > 0:
        fit(prepared, loader, CrossEntropyLoss(), optimizer, epochs - frozen, metrics=[],
            verbose=0)
    quant.freeze_observers(prepared)
    fit(prepared, loader, CrossEntropyLoss(), optimizer, min(frozen, epochs), metrics=[],
        verbose=0)
    return prepared


def table(rows, title="method"):
    lines = [f"| {title} | test accuracy (95% CI, n=1000) | time |", "|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['method']} | {100 * r['accuracy']:.1f}% ({100 * r['low']:.1f}–"
                     f"{100 * r['high']:.1f}%){r['note']} | {r['seconds']:.1f} s |")
    return "\n".join(lines)


@register("adaround")
def run(size="small", out_dir=None, seed=0):
    """4-bit MNIST-1D MLP weights: nearest, stochastic, AdaRound and QAT, with CIs."""
    cfg = SIZES[size]
    data = load_mnist1d()
    x_test, y_test = data[2], data[3]
    start = time.perf_counter()
    model, _, train_seconds = train_one("mlp", data, cfg["steps"], seed=42 + seed)
    rows = [row("float32", x_test, y_test, model, train_seconds)]
    t = time.perf_counter()
    rows.append(row("nearest", x_test, y_test, quant.quantize_weights(model, 4),
                    time.perf_counter() - t))
    t = time.perf_counter()
    draws = [accuracy(quant.quantize_weights(model, 4, rounding="stochastic",
                                             generator=Generator(seed * 1000 + i)),
                      x_test, y_test)[0] for i in range(cfg["draws"])]
    mean, std = float(np.mean(draws)), float(np.std(draws, ddof=1))
    # the interval of a stochastic draw: the spread over draws (± 1.96 std), not Wilson's
    rows.append({"method": f"stochastic ({cfg['draws']} draws)", "accuracy": mean,
                 "low": mean - 1.96 * std, "high": mean + 1.96 * std,
                 "seconds": time.perf_counter() - t,
                 "note": f", mean ± std {100 * mean:.1f} ± {100 * std:.1f}"})
    t = time.perf_counter()
    relu = lambda h: h.relu()   # noqa: E731  (the MLP's hidden layers feed a ReLU)
    rounded = quant.adaround(model, data[0][:cfg["calibration"]], bits=4,
                             iterations=cfg["iterations"], reg_weight=1e-4,
                             activations={"linear1": relu, "linear2": relu},
                             generator=Generator(seed))
    rows.append(row("AdaRound", x_test, y_test, rounded, time.perf_counter() - t))
    t = time.perf_counter()
    qat = qat_finetune(model, data, 4, cfg["qat_epochs"], seed=seed)
    rows.append(row("QAT (STE)", x_test, y_test, qat, time.perf_counter() - t))
    results = {"size": size, "seed": seed, "rows": rows, "table": table(rows),
               "stochastic_draws": draws, "seconds": time.perf_counter() - start,
               "figures": []}
    if out_dir is not None:
        results["figures"].append(plot_rows(rows, os.path.join(out_dir, "adaround.png"),
                                            "MNIST-1D MLP, 4-bit weights"))
    return results


def plot_rows(rows, path, title):
    """Bars of accuracy with their intervals, one per method."""
    require_matplotlib()
    from ..train.plots import new_figure, save_figure
    figure, (ax,) = new_figure(1, width=6.0, height=3.6)
    values = [r["accuracy"] for r in rows]
    errors = [[r["accuracy"] - r["low"] for r in rows], [r["high"] - r["accuracy"] for r in rows]]
    ax.bar(range(len(rows)), values, yerr=errors, capsize=4, color="tab:blue")
    ax.set_xticks(range(len(rows)), [r["method"].split(" (")[0] for r in rows])
    low = max(0.0, min(r["low"] for r in rows) - 0.05)
    ax.set_ylim(low, min(1.0, max(r["high"] for r in rows) + 0.03))
    ax.set_ylabel("test accuracy (95% CI)")
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(title)
    return save_figure(figure, path)


__all__ = ["run", "accuracy", "row", "qat_finetune", "table", "plot_rows", "SIZES"]
