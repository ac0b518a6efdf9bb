"""Sparsity report: per-layer and global share of zero weights, as a dict and as a table.

    >>> report = sparsity_report(model)          # {"layers": {...}, "global": {...}}
    >>> print(format_report(report))

Counts the *effective* tensors (`weight`, which is weight_orig * weight_mask when pruned) of
every parameter, so a removed pruning and a live one report the same.
"""
import numpy as np

from .methods import _array


def effective_tensors(model, biases=True):
    """{"layer.weight": array} of the values the forward pass uses, pruned or not."""
    out = {}
    for prefix, module in model.named_modules():
        names = [n[:-5] for n in module._parameters if n.endswith("_orig")]
        names += [n for n in module._parameters if not n.endswith("_orig")]
        for name in names:
            if not biases and name == "bias":
                continue
            value = getattr(module, name, None)
            if value is None:
                continue
            out[f"{prefix}.{name}" if prefix else name] = _array(value)
    return out


def sparsity_report(model, biases=False):
    """Per tensor: parameters, zeros, sparsity; and the same summed over the model ("global").

    Args:
        biases: whether biases count (default False: pruning targets weights, as in the
            lottery-ticket papers' "fraction of weights remaining").
    """
    layers = {}
    for name, value in effective_tensors(model, biases=biases).items():
        zeros = int(np.sum(value == 0))
        layers[name] = {"params": int(value.size), "zeros": zeros,
                        "sparsity": zeros / value.size if value.size else 0.0}
    total = sum(layer["params"] for layer in layers.values())
    zeros = sum(layer["zeros"] for layer in layers.values())
    return {"layers": layers, "global": {"params": total, "zeros": zeros,
                                         "sparsity": zeros / total if total else 0.0}}


def format_report(report):
    """The report as a Markdown table, one row a tensor and a last row for the whole model."""
    lines = ["| tensor | parameters | zeros | sparsity |", "|---|---|---|---|"]
    rows = list(report["layers"].items()) + [("global", report["global"])]
    for name, row in rows:
        lines.append(f"| {name} | {row['params']:,} | {row['zeros']:,} | "
                     f"{100 * row['sparsity']:.1f}% |")
    return "\n".join(lines)


__all__ = ["effective_tensors", "format_report", "sparsity_report"]
