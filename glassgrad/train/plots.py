"""Plots of training: the loss and each metric per epoch, train against validation, as a PNG.

Needs matplotlib (the optional `plot` extra). Figures are drawn with matplotlib's object API on
the Agg canvas, so nothing opens a window and pyplot's global state is never touched.
"""
import os


def new_figure(panels, max_columns=3, width=4.2, height=3.2):
    """A matplotlib Figure on the Agg canvas with `panels` axes in rows of at most
    `max_columns`, and those axes as a flat list (unused grid cells are hidden)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("plotting needs matplotlib, an optional extra: "
                          "pip install 'glassgrad[plot]' (or pip install matplotlib)") from None
    if panels < 1:
        raise ValueError(f"new_figure: needs at least one panel, got {panels}")
    columns = min(panels, max_columns)
    rows = -(-panels // columns)
    figure = Figure(figsize=(width * columns, height * rows), layout="constrained")
    FigureCanvasAgg(figure)
    axes = [ax for row in figure.subplots(rows, columns, squeeze=False) for ax in row]
    for ax in axes[panels:]:
        ax.set_visible(False)
    return figure, axes[:panels]


def save_figure(figure, path, dpi=110):
    """Save as PNG (the folder must exist); returns the path."""
    path = os.fspath(path)
    figure.savefig(path, dpi=dpi, format="png")
    return path


def plot_history(history, path, title=None, test=None):
    """Save a PNG of `fit`'s history: one panel for the loss, one per metric, and one for the
    learning rate when it changed; training curves solid, validation dashed, each axis
    labelled, whole epochs on the x axis.

    Args:
        test: optional {history key: the test score} ({"loss": 0.31, "accuracy": 0.94}), each
            drawn as a marked point after the last epoch of its panel, so that a run without
            validation still shows how the model does on unseen data.
    Returns the path.
    """
    from matplotlib.ticker import MaxNLocator
    if not history.get("epoch"):
        raise ValueError("plot_history: the history has no epochs to plot")
    test = dict(test or {})
    epochs = history["epoch"]
    skip = {"epoch", "time", "lr", "grad_norm"}
    panels = [key for key in history if key not in skip and not key.startswith("val_")]
    panels += [key[4:] for key in history if key.startswith("val_") and key[4:] not in panels]
    extras = [key for key in ("lr", "grad_norm")
              if key in history and len(set(history[key])) > 1]
    figure, axes = new_figure(len(panels) + len(extras))
    for ax, key in zip(axes, panels):
        for name, style in ((key, "-"), ("val_" + key, "--")):
            if history.get(name):
                ax.plot(epochs[:len(history[name])], history[name], style, marker="o",
                        markersize=3, label="validation" if name.startswith("val_") else "train")
        if test.get(key) is not None:
            ax.plot([epochs[-1]], [test[key]], marker="*", markersize=13, linestyle="none",
                    color="tab:red", label=f"test {test[key]:.3f}", zorder=3)
        ax.set_title(key)
        _label(ax, key, MaxNLocator)
        ax.legend()
    for ax, key in zip(axes[len(panels):], extras):
        ax.plot(epochs, history[key], marker="o", markersize=3, color="tab:gray")
        ax.set_yscale("log")
        name = {"lr": "learning rate", "grad_norm": "gradient norm (before clipping)"}[key]
        ax.set_title(name)
        _label(ax, name, MaxNLocator)
    if title:
        figure.suptitle(title)
    return save_figure(figure, path)


def _label(ax, quantity, MaxNLocator):
    ax.set_xlabel("epoch")
    ax.set_ylabel(quantity)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))     # epochs are whole numbers
    ax.grid(alpha=0.3)


__all__ = ["new_figure", "plot_history", "save_figure"]
