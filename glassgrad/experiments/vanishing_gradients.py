"""Vanishing gradients: in a deep sigmoid MLP the early layers' gradients are orders of
magnitude smaller than the last layer's; in the same MLP with ReLU they are not.

Backprop multiplies the gradient, layer by layer from the output down, by Wᵀ and by the
activation's derivative. The sigmoid's derivative is at most 1/4 (at 0), so with weights
scaled to keep the forward signal steady (Glorot) each layer shrinks the gradient about
four-fold, and ten layers shrink it a million-fold: the first layers barely learn. ReLU's
derivative is 1 on the active half, and He's initialisation (Var W = 2/fan_in) makes up for
the inactive half, so the gradient keeps its size all the way down.

- Paper: Hochreiter, "Untersuchungen zu dynamischen neuronalen Netzen", diploma thesis, TU
  Munich 1991; Bengio, Simard & Frasconi, "Learning long-term dependencies with gradient
  descent is difficult", IEEE TNN 1994; Glorot & Bengio, "Understanding the difficulty of
  training deep feedforward neural networks", AISTATS 2010 (the sigmoid MLP's per-layer
  gradients); He et al., "Delving deep into rectifiers", ICCV 2015 (ReLU + He init).
Data: a batch of MNIST-1D signals (glassgrad.data.datasets.load_mnist1d, generated).

    results = experiments.run("vanishing_gradients", size="small")
    results["sigmoid"]["first_to_last"]     # ~1e-6 at depth 10; ReLU's is ~1
"""
import math
import os

import numpy as np

from .. import nn
from ..data.datasets import load_mnist1d
from ..random import Generator
from ..tensor import Tensor
from . import can_draw, register, require_matplotlib

SETTINGS = {
    "small": dict(depth=10, width=64, batch_size=256, batches=2),
    "full": dict(depth=20, width=128, batch_size=1000, batches=4),
}
ACTIVATIONS = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU}


def deep_mlp(activation, depth, width, inputs=40, classes=10, generator=None):
    """`depth` hidden Linear layers of `width` units with `activation`, then a Linear head.

    Weights start as each activation's standard initialisation: Glorot for sigmoid (gain 1),
    He (fan_in, gain √2) for ReLU; biases start at zero.
    """
    layers = []
    sizes = [inputs] + [width] * depth
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out), ACTIVATIONS[activation]()]
    layers.append(nn.Linear(width, classes))
    model = nn.Sequential(*layers)
    for module in model:
        if isinstance(module, nn.Linear):
            if activation == "relu":
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu", generator=generator)
            else:
                nn.init.xavier_normal_(module.weight, generator=generator)
            nn.init.zeros_(module.bias)
    return model


def layer_gradient_norms(model, batches, loss_fn):
    """The norm of each Linear layer's weight gradient, input to output, averaged over the
    batches (each a (inputs, targets) pair)."""
    linears = [m for m in model if isinstance(m, nn.Linear)]
    totals = np.zeros(len(linears))
    for x, y in batches:
        model.zero_grad()
        loss_fn(model(x), y).backward()
        totals += [float(np.linalg.norm(m.weight.grad._data.astype(np.float64)))
                   for m in linears]
    return list(totals / len(batches))


@register("vanishing_gradients")
def run(size="small", out_dir=None, seed=0):
    """Per-layer gradient norms of a deep sigmoid MLP against a ReLU one (MNIST-1D batch)."""
    settings = SETTINGS[size]
    x, y, _, _ = load_mnist1d()
    x, y = np.asarray(x), np.asarray(y)
    n = settings["batch_size"]
    batches = [(Tensor(x[i * n:(i + 1) * n]), Tensor(y[i * n:(i + 1) * n]))
               for i in range(settings["batches"])]
    results = {"size": size, "seed": seed, **settings, "figures": []}
    for activation in ACTIVATIONS:
        model = deep_mlp(activation, settings["depth"], settings["width"],
                         generator=Generator(seed))
        norms = layer_gradient_norms(model, batches, nn.CrossEntropyLoss())
        results[activation] = {
            "norms": norms,                                   # input layer first
            "first_to_last": norms[0] / norms[-1],
            "orders_of_magnitude": math.log10(norms[-1] / norms[0]),
        }
    if out_dir is not None and can_draw():
        results["figures"].append(_plot(results, os.path.join(out_dir,
                                                              "vanishing_gradients.png")))
    return results


def _plot(results, path):
    require_matplotlib()
    from ..train.plots import new_figure, save_figure
    figure, (ax,) = new_figure(1, width=6.0, height=4.0)
    for activation, color in (("sigmoid", "tab:red"), ("relu", "tab:blue")):
        norms = results[activation]["norms"]
        ax.plot(range(1, len(norms) + 1), norms, marker="o", color=color,
                label=f"{activation} ({'Glorot' if activation == 'sigmoid' else 'He'} init): "
                      f"first/last = {results[activation]['first_to_last']:.1e}")
    ax.set_yscale("log")
    ax.set_xlabel("layer (1 = input layer, last = output layer)")
    ax.set_ylabel("‖∂loss/∂W‖ at initialisation")
    ax.set_title(f"Vanishing gradients: {results['depth']} hidden layers of "
                 f"{results['width']} units")
    ax.grid(alpha=0.3)
    ax.legend()
    return save_figure(figure, path)


__all__ = ["deep_mlp", "layer_gradient_norms", "run"]
