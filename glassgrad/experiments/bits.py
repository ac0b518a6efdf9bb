"""Bits vs accuracy for the MNIST-1D CNN: 8, 6, 4, 3 and 2 bits, each quantization method.

    glassgrad experiments run bits --size full
    glassgrad experiments run bits --size small

Methods (all per-output-channel symmetric weights; activations asymmetric unsigned per
tensor from min/max on 1,000 training signals):
    nearest (W)      weights rounded to nearest, float activations
    AdaRound (W)     weights AdaRounded layer by layer, float activations
    PTQ (W+A)        weights and activations at the same bits, calibrated, no training
    AdaRound (W+A)   the AdaRounded weights, activations calibrated at the same bits
    QAT (W+A)        weights and activations fine-tuned through the STE (quant.qat_qconfig:
                     ranges from calibration, then LSQ-learnt scales, Esser et al. 2020)

- Papers: Krishnamoorthi, arXiv:1806.08342, 2018 (Figure/Table: 8 bits ≈ float, 4 bits needs
  per-channel weights and QAT); Nagel et al., ICML 2020 (AdaRound at 4 bits and below).
"""
import os
import time

import numpy as np

from .. import nn, quant
from ..autograd import grad_mode
from ..data.datasets import load_mnist1d
from ..random import Generator
from ..tensor import Tensor
from . import register, require_matplotlib
from .adaround import qat_finetune, row
from .mnist1d_baselines import train_one

BITS = (8, 6, 4, 3, 2)
METHODS = ("nearest (W)", "AdaRound (W)", "PTQ (W+A)", "AdaRound (W+A)", "QAT (W+A)")
SIZES = {"full": {"steps": 6000, "iterations": 500, "calibration": 1024, "qat_epochs": 16,
                  "bits": BITS},
         "small": {"steps": 300, "iterations": 30, "calibration": 128, "qat_epochs": 1,
                   "bits": (8, 4, 2)}}


def calibrated(model, bits, data, weights_on_grid=False):
    """PTQ: weights and activations at `bits`, ranges from min/max over calibration data.
    weights_on_grid: the weights are already rounded (AdaRound); only activations quantize."""
    qconfig = quant.default_qconfig(bits, bits)
    if weights_on_grid:
        qconfig = quant.QConfig(nn.Identity, qconfig.activation)
    prepared = quant.prepare(model, qconfig)
    with grad_mode.no_grad():
        prepared(Tensor(np.asarray(data, np.float32)))
    return quant.freeze_observers(prepared)


@register("bits")
def run(size="small", out_dir=None, seed=0):
    """MNIST-1D CNN accuracy at 8-2 bits for nearest, AdaRound, PTQ and QAT, with CIs."""
    cfg = SIZES[size]
    data = load_mnist1d()
    x_test, y_test = data[2], data[3]
    start = time.perf_counter()
    model, _, _ = train_one("cnn", data, cfg["steps"], seed=42 + seed)
    float_row = row("float32", x_test, y_test, model)
    grid = {}
    for bits in cfg["bits"]:
        t = time.perf_counter()
        grid[(bits, METHODS[0])] = row(METHODS[0], x_test, y_test,
                                       quant.quantize_weights(model, bits))
        rounded = quant.adaround(model, data[0][:cfg["calibration"]], bits=bits,
                                 iterations=cfg["iterations"], reg_weight=1e-4,
                                 generator=Generator(seed))
        grid[(bits, METHODS[1])] = row(METHODS[1], x_test, y_test, rounded)
        ptq = calibrated(model, bits, data[0][:1000])
        grid[(bits, METHODS[2])] = row(METHODS[2], x_test, y_test, ptq)
        grid[(bits, METHODS[3])] = row(METHODS[3], x_test, y_test, calibrated(
            rounded, bits, data[0][:1000], weights_on_grid=True))
        qat = qat_finetune(model, data, bits, cfg["qat_epochs"], activation_bits=bits,
                           seed=seed, learnable=True)
        grid[(bits, METHODS[4])] = row(METHODS[4], x_test, y_test, qat)
        for method in METHODS:
            grid[(bits, method)]["seconds"] = time.perf_counter() - t
    results = {"size": size, "seed": seed, "float": float_row, "bits": list(cfg["bits"]),
               "grid": {f"{b}/{m}": r for (b, m), r in grid.items()},
               "table": table(float_row, grid, cfg["bits"]),
               "seconds": time.perf_counter() - start, "figures": []}
    if out_dir is not None:
        results["figures"].append(plot(float_row, grid, cfg["bits"],
                                       os.path.join(out_dir, "bits.png")))
    return results


def table(float_row, grid, bits):
    lines = ["| bits | " + " | ".join(METHODS) + " |", "|---" * (len(METHODS) + 1) + "|"]
    for b in bits:
        cells = [f"{100 * grid[(b, m)]['accuracy']:.1f}% ({100 * grid[(b, m)]['low']:.0f}–"
                 f"{100 * grid[(b, m)]['high']:.0f})" for m in METHODS]
        lines.append(f"| {b} | " + " | ".join(cells) + " |")
    lines.append(f"\nfloat32: {100 * float_row['accuracy']:.1f}% "
                 f"({100 * float_row['low']:.1f}–{100 * float_row['high']:.1f}%)")
    return "\n".join(lines)


def plot(float_row, grid, bits, path):
    require_matplotlib()
    from ..train.plots import new_figure, save_figure
    figure, (ax,) = new_figure(1, width=6.0, height=3.8)
    for method in METHODS:
        values = [grid[(b, method)]["accuracy"] for b in bits]
        low = [grid[(b, method)]["accuracy"] - grid[(b, method)]["low"] for b in bits]
        high = [grid[(b, method)]["high"] - grid[(b, method)]["accuracy"] for b in bits]
        ax.errorbar(bits, values, yerr=[low, high], marker="o", capsize=3, label=method)
    ax.axhline(float_row["accuracy"], color="gray", linestyle="--", label="float32")
    ax.set_xlabel("bits")
    ax.set_ylabel("test accuracy (95% CI)")
    ax.set_xticks(list(bits))
    ax.invert_xaxis()
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("MNIST-1D CNN: bits vs accuracy")
    return save_figure(figure, path)


__all__ = ["run", "table", "plot", "calibrated", "BITS", "METHODS", "SIZES"]
