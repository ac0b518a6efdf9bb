"""Gradient flow: after a backward, which parameters got a gradient, which got all zeros, and
how large each gradient is, layer by layer.

Three things can go wrong between the loss and a parameter, and each leaves its own trace:
- `.grad` is None: backprop never reached it (a `detach()`, a branch the forward skipped,
  an op under `no_grad`, a parameter the model does not use);
- `.grad` is all zeros: the gradient reached it and died on the way (dead ReLUs, a zero
  multiplier, a saturated sigmoid whose derivative underflowed);
- its norm is orders of magnitude below the others': vanishing gradients (or far above:
  exploding ones).

    loss.backward()
    print(gradient_flow(model))              # a table, one row per parameter
    plot_gradient_flow(model, "flow.png")    # per-layer gradient norms, log scale
"""
import math
from typing import NamedTuple

import numpy as np

NONE, ZERO, NONFINITE, OK = "none", "zero", "nonfinite", "ok"
_EXPLAINED = {
    NONE: "None: backprop never reached it",
    ZERO: "all zeros: died on the way",
    NONFINITE: "NaN/Inf",
}


class ParameterGradient(NamedTuple):
    """One parameter's gradient: its status ("none", "zero", "nonfinite", "ok"), the L2 norm
    of the gradient (None without one), the mean |g|, and the parameter's own norm."""
    name: str
    shape: tuple
    status: str
    norm: float
    mean_abs: float
    param_norm: float


class GradientFlowReport:
    """What `gradient_flow` returns: `rows` (one ParameterGradient per parameter, in model
    order), the names with `none` / `zero` / `nonfinite` gradients, `norms` {name: norm}, and
    `layer_norms()` {layer: norm of all its parameters' gradients}. Prints as a table."""

    def __init__(self, rows):
        self.rows = list(rows)

    def _names(self, status):
        return [row.name for row in self.rows if row.status == status]

    @property
    def none(self):
        return self._names(NONE)

    @property
    def zero(self):
        return self._names(ZERO)

    @property
    def nonfinite(self):
        return self._names(NONFINITE)

    @property
    def ok(self):
        """True when every parameter has a finite gradient that is not all zeros."""
        return all(row.status == OK for row in self.rows)

    @property
    def norms(self):
        return {row.name: row.norm for row in self.rows}

    def layer_norms(self):
        """{layer name: sqrt(Σ ‖g‖²) over its parameters}; None where no parameter of the layer
        has a gradient. A layer is the module that owns the parameter ("0" for "0.weight")."""
        layers = {}
        for row in self.rows:
            layer = row.name.rsplit(".", 1)[0] if "." in row.name else row.name
            previous = layers.get(layer)
            if row.norm is None:
                layers.setdefault(layer, None)
                continue
            layers[layer] = math.sqrt((previous or 0.0) ** 2 + row.norm ** 2)
        return layers

    def __str__(self):
        header = ("parameter", "shape", "gradient", "norm", "mean |g|", "|param|")
        table = [header]
        for row in self.rows:
            status = _EXPLAINED.get(row.status, "ok")
            table.append((row.name, str(row.shape), status, _number(row.norm),
                          _number(row.mean_abs), _number(row.param_norm)))
        widths = [max(len(line[i]) for line in table) for i in range(len(header))]
        lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip()
                 for line in table]
        lines.insert(1, "  ".join("-" * width for width in widths))
        lines.append(self.summary())
        return "\n".join(lines)

    def summary(self):
        """One line: how many parameters, and which ones have no, zero or non-finite gradient."""
        parts = [f"{len(self.rows)} parameters"]
        kinds = ((NONE, "without a gradient (None)"), (ZERO, "with all-zero gradients"),
                 (NONFINITE, "with NaN/Inf gradients"))
        for status, words in kinds:
            names = self._names(status)
            if names:
                parts.append(f"{len(names)} {words}: {', '.join(names)}")
        finite = [row.norm for row in self.rows if row.status == OK]
        if len(finite) > 1:
            parts.append(f"norms from {min(finite):.2e} to {max(finite):.2e}")
        return "; ".join(parts)

    def __repr__(self):
        return f"GradientFlowReport({self.summary()})"


def _number(value):
    return "-" if value is None else f"{value:.3e}"


def gradient_flow(model):
    """Inspect every parameter's `.grad` (call after `loss.backward()`).

    Args:
        model: a Module, or an iterable of (name, parameter) pairs.
    Returns:
        A GradientFlowReport (print it for the table).
    """
    named = model.named_parameters() if hasattr(model, "named_parameters") else model
    rows = []
    for name, param in named:
        param_norm = float(np.linalg.norm(param._data.astype(np.float64).ravel()))
        grad = param.grad
        if grad is None:
            rows.append(ParameterGradient(name, tuple(param.shape), NONE, None, None,
                                          param_norm))
            continue
        g = grad._data.astype(np.float64).ravel()
        if not np.all(np.isfinite(g)):
            status = NONFINITE
        elif not np.any(g):
            status = ZERO
        else:
            status = OK
        finite = g[np.isfinite(g)]
        norm = float(np.linalg.norm(g)) if status != NONFINITE else float("nan")
        mean_abs = float(np.abs(finite).mean()) if finite.size else float("nan")
        rows.append(ParameterGradient(name, tuple(param.shape), status, norm, mean_abs,
                                      param_norm))
    if not rows:
        raise ValueError("gradient_flow: the model has no parameters")
    return GradientFlowReport(rows)


def plot_gradient_flow(model, path, title="gradient norm per layer"):
    """Save a bar chart (PNG) of each layer's gradient norm, log scale, input to output.

    A layer whose gradient is None is marked "None" and one with all-zero gradients "0" at the
    bottom of the chart, so a gap in the flow shows at a glance. `model` may also be a report
    from `gradient_flow`. Needs matplotlib. Returns path.
    """
    from ..train.plots import new_figure, save_figure

    report = model if isinstance(model, GradientFlowReport) else gradient_flow(model)
    layers = report.layer_norms()
    names = list(layers)
    values = [layers[name] for name in names]
    labels = _layer_labels(model, names)
    positive = [v for v in values if v is not None and v > 0 and math.isfinite(v)]
    floor = min(positive) / 10 if positive else 1e-12
    figure, (ax,) = new_figure(1, width=max(5.0, 0.5 * len(names) + 2), height=3.6)
    heights = [v if v is not None and v > 0 and math.isfinite(v) else floor for v in values]
    colors = ["tab:blue" if v is not None and v > 0 and math.isfinite(v) else "tab:red"
              for v in values]
    ax.bar(range(len(names)), heights, color=colors)
    for i, v in enumerate(values):
        if v is None or v == 0 or not math.isfinite(v):
            label = "None" if v is None else ("0" if v == 0 else "NaN")
            ax.annotate(label, (i, floor), ha="center", va="bottom", color="tab:red")
    ax.set_yscale("log")
    ax.set_xticks(range(len(names)), labels, rotation=45 if len(names) > 8 else 0, ha="right"
                  if len(names) > 8 else "center")
    ax.set_xlabel("layer (input → output)")
    ax.set_ylabel("‖gradient‖")
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    return save_figure(figure, path)


def _layer_labels(model, names):
    """Tick labels: each layer's name with its class ("0\nLinear"), so that a Sequential's
    numbered layers say what they are; plain names when only a report or pairs were given."""
    if not hasattr(model, "named_modules"):
        return names
    kinds = {name: type(module).__name__ for name, module in model.named_modules()}
    return [f"{name}\n{kinds[name]}" if name in kinds else name for name in names]


__all__ = ["GradientFlowReport", "ParameterGradient", "gradient_flow", "plot_gradient_flow"]
