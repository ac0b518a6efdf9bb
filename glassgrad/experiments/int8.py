"""Real int8 inference on the MNIST-1D MLP and CNN: model size, inference time and accuracy of
the integer model (quant.convert) against float32 and against the fake-quant simulation.

    glassgrad experiments run int8 --size full     # the paper's 6,000 training steps
    glassgrad experiments run int8 --size small    # CI size (seconds)

Each model (glassgrad.models' MNIST-1D MLP and CNN, trained as in mnist1d_baselines) is
prepared with 8-bit symmetric per-channel weights and 8-bit asymmetric unsigned activations
(quant.default_qconfig), calibrated on 1,000 training signals, frozen, and converted: every
Linear/Conv becomes an Int8 layer whose inner products are numpy int32 matmuls with int32
accumulation and fixed-point requantisation. Measured here, not assumed:

    size       bytes of what inference reads (float32 parameters; int8 weights, int32 biases,
               float32 scales), quant.model_nbytes
    time       the median of `repeats` forward passes over the 1,000 test signals (one batch)
    agreement  the share of test signals on which the int8 and fake-quant models predict the
               same class, and the largest output difference in output-grid steps

numpy has no int8 GEMM (its integer matmul does not use BLAS), so the integer model is slower
than float32 on this CPU even though it reads 4× fewer weight bytes: the speed of int8 comes
from hardware integer kernels (fbgemm, VNNI), which a numpy engine cannot reach.

- Paper: Jacob et al., "Quantization and training of neural networks for efficient
  integer-arithmetic-only inference", CVPR 2018 (4× smaller models; integer-only inference
  agrees with the simulation).
"""
import os
import time

import numpy as np

from .. import quant
from ..autograd import grad_mode
from ..data.datasets import load_mnist1d
from ..tensor import Tensor
from . import register
from .adaround import row
from .mnist1d_baselines import train_one

SIZES = {"full": {"steps": 6000, "repeats": 7, "models": ("mlp", "cnn")},
         "small": {"steps": 200, "repeats": 2, "models": ("mlp", "cnn")}}


def forward_seconds(model, x, repeats):
    """Median wall time of `repeats` forward passes over x (no graph)."""
    times = []
    with grad_mode.no_grad():
        model(x)                                          # warm up
        for _ in range(repeats):
            start = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - start)
    return float(np.median(times))


def outputs(model, x):
    with grad_mode.no_grad():
        return model(x)._data


def measure(name, model, data, repeats):
    """The rows of one model: float32, fake-quant (simulated int8) and real int8."""
    x_train, x_test, y_test = data[0], data[2], data[3]
    prepared = quant.prepare(model, quant.default_qconfig(8, 8))
    with grad_mode.no_grad():
        prepared(Tensor(np.asarray(x_train[:1000], np.float32)))
    simulated = quant.freeze_observers(prepared)
    integer = quant.convert(simulated)
    x = Tensor(np.asarray(x_test, np.float32))
    rows = []
    for method, m in (("float32", model), ("fake-quant int8 (simulated)", simulated),
                      ("int8 (quant.convert)", integer)):
        r = row(method, x_test, y_test, m)
        r.update({"model": name, "bytes": quant.model_nbytes(m),
                  "seconds": forward_seconds(m, x, repeats)})
        rows.append(r)
    sim_out, int_out = outputs(simulated, x), outputs(integer, x)
    last = [m for m in integer.modules() if isinstance(m, quant.int8._Int8Layer)][-1]
    check = {"model": name,
             "agreement": float((sim_out.argmax(1) == int_out.argmax(1)).mean()),
             "max_steps": float(np.abs(sim_out - int_out).max() / last.out_scale),
             "size_ratio": rows[0]["bytes"] / rows[2]["bytes"],
             "time_ratio": rows[2]["seconds"] / rows[0]["seconds"]}
    return rows, check


@register("int8")
def run(size="small", out_dir=None, seed=0):
    """Real int8 inference (int32 accumulation) vs float32 and fake-quant: size, time,
    accuracy."""
    cfg = SIZES[size]
    data = load_mnist1d()
    start = time.perf_counter()
    rows, checks = [], []
    for name in cfg["models"]:
        model, _, _ = train_one(name, data, cfg["steps"], seed=42 + seed)
        these, check = measure(name, model, data, cfg["repeats"])
        rows += these
        checks.append(check)
    results = {"size": size, "seed": seed, "rows": rows, "checks": checks,
               "table": table(rows, checks), "seconds": time.perf_counter() - start,
               "figures": []}
    if out_dir is not None:
        with open(os.path.join(out_dir, "int8.md"), "w") as file:
            file.write(results["table"] + "\n")
    return results


def table(rows, checks):
    lines = ["| model | version | test accuracy (95% CI) | size | forward, 1,000 signals |",
             "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model'].upper()} | {r['method']} | {100 * r['accuracy']:.1f}% "
                     f"({100 * r['low']:.1f}–{100 * r['high']:.1f}%) | {r['bytes']:,} B | "
                     f"{1000 * r['seconds']:.1f} ms |")
    lines.append("")
    for c in checks:
        lines.append(f"{c['model'].upper()}: int8 is {c['size_ratio']:.2f}× smaller than "
                     f"float32 and takes {c['time_ratio']:.2f}× its time; int8 and fake-quant "
                     f"predict the same class on {100 * c['agreement']:.1f}% of the test "
                     f"signals (largest output difference {c['max_steps']:.0f} output steps).")
    return "\n".join(lines)


__all__ = ["run", "measure", "forward_seconds", "table", "SIZES"]
