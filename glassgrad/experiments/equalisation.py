"""Cross-layer equalisation rescues per-tensor 8-bit weights of an MLP whose channels were
rescaled (the float function unchanged) so that one channel's range dwarfs the others.

    glassgrad experiments run equalisation --size full
    glassgrad experiments run equalisation --size small

A plain MLP (Linear 40->100, ReLU, Linear 100->100, ReLU, Linear 100->10) is trained on
MNIST-1D; each hidden channel i is then scaled by f_i (log-uniform in [1/F, F], F = 100):
W1[i] *= f_i, b1_i *= f_i, W2[:, i] /= f_i (and the same for the second hidden layer), which
relu(f x) = f relu(x) leaves the same function. Per-tensor symmetric 8-bit weights then round
the small channels to zero; `quant.equalize` (Nagel et al. 2019) brings every channel's range
to √(r1 r2) and the accuracy back. Bias correction (empirical) is shown as a last step.

- Paper: Nagel, van Baalen, Blankevoort & Welling, "Data-free quantization through weight
  equalization and bias correction", ICCV 2019 (Table 1: MobileNetV2 per-tensor 8 bits, 0.1%
  -> 69.9% with equalisation; float 71.7%).
"""
import copy
import os
import time

import numpy as np

from .. import nn, quant
from ..data import DataLoader, TensorDataset
from ..data.datasets import load_mnist1d
from ..nn import CrossEntropyLoss
from ..nn.parameter import Parameter
from ..optim import Adam
from ..random import manual_seed
from ..tensor import Tensor
from ..train import fit
from . import register
from .adaround import plot_rows, row, table

SIZES = {"full": {"epochs": 150}, "small": {"epochs": 10}}
FACTOR = 100.0


def plain_mlp(hidden=100):
    return nn.Sequential(nn.Linear(40, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, 10))


def train_plain(data, epochs, seed=42):
    manual_seed(seed)
    model = plain_mlp()
    loader = DataLoader(TensorDataset(np.asarray(data[0]), np.asarray(data[1])), batch_size=100)
    fit(model, loader, CrossEntropyLoss(), Adam(model.parameters(), lr=1e-2), epochs,
        metrics=[], verbose=0)
    return model


def rescale_channels(model, factor=FACTOR, seed=0):
    """A copy of the Sequential MLP with each hidden channel scaled by a log-uniform factor in
    [1/factor, factor], compensated in the next layer: the float function is unchanged."""
    rng = np.random.default_rng(seed)
    scaled = copy.deepcopy(model)
    layers = [m for m in scaled if isinstance(m, nn.Linear)]
    for first, second in zip(layers, layers[1:]):
        f = np.exp(rng.uniform(-np.log(factor), np.log(factor), first.weight.shape[0]))
        first.weight = Parameter(Tensor((first.weight._data * f[:, None]).astype(np.float32)))
        first.bias = Parameter(Tensor((first.bias._data * f).astype(np.float32)))
        second.weight = Parameter(Tensor((second.weight._data / f[None, :]).astype(np.float32)))
    return scaled


def per_tensor_8bit(model):
    return quant.quantize_weights(model, bits=8, per_channel=False)


def bias_corrected(float_model, quantized, data):
    """Empirical bias correction of every layer of a weights-quantized Sequential."""
    corrected = copy.deepcopy(quantized)
    float_layers = [m for m in float_model if isinstance(m, nn.Linear)]
    for float_layer, layer in zip(float_layers, [m for m in corrected
                                                 if isinstance(m, nn.Linear)]):
        mean = quant.input_mean(corrected, layer, data)
        quant.correct_bias(layer, float_layer.weight._data, mean)
    return corrected


@register("equalisation")
def run(size="small", out_dir=None, seed=0):
    """Per-tensor 8-bit weights of a channel-rescaled MLP, before and after cross-layer
    equalisation, with CIs."""
    cfg = SIZES[size]
    data = load_mnist1d()
    x_test, y_test = data[2], data[3]
    start = time.perf_counter()
    model = train_plain(data, cfg["epochs"], seed=42 + seed)
    scaled = rescale_channels(model, seed=seed)
    with_eq = copy.deepcopy(scaled)
    t = time.perf_counter()
    quant.equalize(with_eq)
    eq_seconds = time.perf_counter() - t
    with np.errstate(all="ignore"):
        from ..autograd import grad_mode
        with grad_mode.no_grad():
            x = Tensor(x_test.astype(np.float32))
            change = float(np.abs(scaled(x)._data - model(x)._data).max())
            change_eq = float(np.abs(with_eq(x)._data - model(x)._data).max())
    eq_q = per_tensor_8bit(with_eq)
    rows = [row("float32", x_test, y_test, model),
            row("float32, channels rescaled", x_test, y_test, scaled),
            row("8-bit per-tensor (rescaled)", x_test, y_test, per_tensor_8bit(scaled)),
            row("8-bit per-tensor, equalised", x_test, y_test, eq_q, eq_seconds),
            row("  + bias correction", x_test, y_test,
                bias_corrected(with_eq, eq_q, data[0][:1000])),
            row("8-bit per-tensor (original model)", x_test, y_test, per_tensor_8bit(model))]
    results = {"size": size, "seed": seed, "rows": rows, "table": table(rows),
               "max_output_change_rescaled": change, "max_output_change_equalised": change_eq,
               "seconds": time.perf_counter() - start, "figures": []}
    if out_dir is not None:
        results["figures"].append(plot_rows(rows[:4], os.path.join(out_dir, "equalisation.png"),
                                            "Cross-layer equalisation, 8-bit per-tensor"))
    return results


__all__ = ["run", "plain_mlp", "rescale_channels", "train_plain", "bias_corrected", "SIZES"]
