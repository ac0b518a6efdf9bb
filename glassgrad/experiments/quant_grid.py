"""The picture of docs/quant.md: a symmetric signed and an asymmetric unsigned 3-bit grid laid
over the same skewed data (ReLU-like activations with a few negatives).

    python -m glassgrad.experiments.quant_grid docs/images/quant_grid.png

The symmetric grid is centred on 0 (z = 0), so half of its 8 levels fall where there is no
data; the asymmetric grid spans [min, max] (0 still exact, at the zero point z) and spends all
its levels on the data: a finer step s for the same bits.

- Paper: Krishnamoorthi, arXiv:1806.08342, 2018, section 2 (symmetric vs asymmetric).
"""
import sys

import numpy as np

from ..quant import calculate_qparams, qrange
from . import require_matplotlib


def sample(seed=0, n=2000):
    """Skewed data: mostly in [0, 2], a few small negatives."""
    rng = np.random.default_rng(seed)
    return np.clip(np.abs(rng.normal(0.6, 0.5, n)) - 0.1 * rng.random(n) * 4, -0.4, 2.05)


def levels(x, bits, symmetric, signed):
    """(grid points in float, scale, zero point) of the b-bit grid that min/max of x gives."""
    scale, zero = calculate_qparams(x.min(), x.max(), bits, symmetric, signed)
    low, high = qrange(bits, signed)
    return (np.arange(low, high + 1) - zero) * scale, float(scale), int(zero)


def plot_grid(path, bits=3, seed=0):
    """Draw both grids over a histogram of the same data; returns the path."""
    require_matplotlib()
    from ..train.plots import new_figure, save_figure
    x = sample(seed)
    figure, axes = new_figure(2, max_columns=1, width=7.0, height=1.4)
    cases = ((True, True, "symmetric signed {b}-bit: z = 0, grid symmetric about 0"),
             (False, False, "asymmetric unsigned {b}-bit: grid spans [min, max], 0 exact at z"))
    for ax, (symmetric, signed, title) in zip(axes, cases):
        points, scale, zero = levels(x, bits, symmetric, signed)
        ax.hist(x, bins=60, color="lightgray")
        ax.vlines(points, 0, ax.get_ylim()[1], color="tab:blue", linewidth=1.5)
        ax.axvline(0.0, color="k", linewidth=0.8)
        ax.set_yticks([])
        ax.set_xlim(-2.2, 2.2)
        ax.set_title(title.format(b=bits) + f"  (s={scale:.3f}, z={zero})", fontsize=8)
    return save_figure(figure, path)


if __name__ == "__main__":
    print(plot_grid(sys.argv[1] if len(sys.argv) > 1 else "quant_grid.png"))
