"""MNIST-1D: ten 1-D "digit" templates, padded, stretched, shifted, sheared and noised into
length-40 signals. Small enough to generate in a fraction of a second, hard enough that an MLP,
a CNN and a GRU rank differently on it (the paper's point). The default data set of glassgrad.

- Paper: Greydanus & Kobak, "Scaling Down Deep Learning with MNIST-1D", ICML 2024
  (arXiv:2011.14439, 2020).

Our own generator, written from the paper's recipe and checked against the reference
implementation (the `mnist1d` PyPI package, Apache-2.0): with the same arguments and seed it
gives the same signals bit for bit (tests/data/datasets/test_mnist1d.py). It draws from its own
`numpy.random.RandomState(seed)` (the reference's random stream), so unlike the reference it
never touches numpy's or Python's global seeds, and it never reads or writes a file unless you
name a `.npz` cache path.
"""
import functools
import json
import os
from dataclasses import asdict, dataclass

import numpy as np

from ..checks import check_finite, check_labels
from ._base import DataSplits

# The ten hand-drawn templates of the paper (12 points each), one per digit.
_TEMPLATES = np.array([
    [5, 6, 6.5, 6.75, 7, 7, 7, 7, 6.75, 6.5, 6, 5],
    [5, 3, 3, 3.4, 3.8, 4.2, 4.6, 5, 5.4, 5.8, 5, 5],
    [5, 6, 6.5, 6.5, 6, 5.25, 4.75, 4, 3.5, 3.5, 4, 5],
    [5, 6, 6.5, 6.5, 6, 5, 5, 6, 6.5, 6.5, 6, 5],
    [5, 4.4, 3.8, 3.2, 2.6, 2.6, 5, 5, 5, 5, 5, 5],
    [5, 3, 3, 3, 3, 5, 6, 6.5, 6.5, 6, 4.5, 5],
    [5, 4, 3.5, 3.25, 3, 3, 3, 3, 3.25, 3.5, 4, 5],
    [5, 7, 7, 6.6, 6.2, 5.8, 5.4, 5, 4.6, 4.2, 5, 5],
    [5, 4, 3.5, 3.5, 4, 5, 5, 4, 3.5, 3.5, 4, 5],
    [5, 4, 3.5, 3.5, 4, 5, 5, 5, 5, 4.7, 4.3, 5],
])


@dataclass(frozen=True)
class MNIST1DArgs:
    """The generator's knobs, with the paper's defaults (the reference's `get_dataset_args`)."""
    num_samples: int = 5000
    train_split: float = 0.8
    template_len: int = 12
    padding: tuple = (36, 60)
    scale_coeff: float = 0.4
    max_translation: int = 48
    corr_noise_scale: float = 0.25
    iid_noise_scale: float = 2e-2
    shear_scale: float = 0.75
    shuffle_seq: bool = False
    final_seq_length: int = 40
    seed: int = 42


def templates():
    """The ten templates, whitened, starting at 0 and scaled by 1/6: shape (10, 12), float64."""
    x = _TEMPLATES - _TEMPLATES.mean(1, keepdims=True)
    x = x / x.std(1, keepdims=True)
    x = x - x[:, :1]
    return x / 6.0


def _gaussian_smooth(x, sigma=2.0, truncate=4.0):
    """Gaussian smoothing of each row of x, with half-sample reflection at the ends.

    The same weights and the same order of additions as scipy.ndimage.gaussian_filter (which
    the reference calls), so the result is identical to the last bit without needing scipy.
    """
    radius = int(truncate * sigma + 0.5)
    offsets = np.arange(-radius, radius + 1)
    weights = np.exp(-0.5 / (sigma * sigma) * offsets ** 2)
    weights = weights / weights.sum()
    width = [(0, 0)] * (x.ndim - 1) + [(radius, radius)]
    padded = np.pad(x, width, mode="symmetric")        # d c b a | a b c d | d c b a
    n = x.shape[-1]
    out = padded[..., radius:radius + n] * weights[radius]
    for j in range(radius, 0, -1):                     # outermost pair first, as scipy does
        left = padded[..., radius - j:radius - j + n]
        right = padded[..., radius + j:radius + j + n]
        out = out + (left + right) * weights[radius - j]
    return out


def _resample(x, n):
    """Linear interpolation of each row of x (sampled evenly on [0, 1]) at n even points."""
    old, new = np.linspace(0, 1, x.shape[-1]), np.linspace(0, 1, n)
    if x.ndim == 1:
        return np.interp(new, old, x)
    return np.stack([np.interp(new, old, row) for row in x])


def make_mnist1d(args=None):
    """Generate MNIST-1D: a dict with float64 'x', 'y', 'x_test', 'y_test' (the reference's
    `make_dataset` keys and values; 't' and 'templates' are left out).

    Each template is padded with zeros, dilated, scaled, translated, given correlated noise
    where it is zero and white noise everywhere, sheared, and subsampled to 40 points.

    Args:
        args: an `MNIST1DArgs` (defaults: 5,000 signals, 80 % train, seed 42).
    """
    args = MNIST1DArgs() if args is None else args
    rng = np.random.RandomState(args.seed)       # the reference's stream, kept local
    base = templates()
    labels = np.repeat(np.arange(len(base)), args.num_samples // len(base))
    low, high = args.padding
    length = args.template_len + high
    n = len(labels)
    x, corr, iid = np.empty((n, length)), np.empty((n, length)), np.empty((n, length))
    scale, shift, shear = np.empty(n), np.empty(n, dtype=np.int64), np.empty(n)
    # The random draws, one sample at a time in the reference's order (so one RandomState
    # stream gives its signals); the padding length differs per sample, so the dilation too.
    for i, label in enumerate(labels):
        pad = low + int(rng.rand() * (high - low + 1))
        x[i] = _resample(np.concatenate([base[label] + 1e-8, np.zeros(pad)]), length)
        scale[i] = 1 + args.scale_coeff * (rng.rand() - 0.5)
        shift[i] = rng.choice(args.max_translation)
        corr[i] = rng.randn(length)
        iid[i] = rng.randn(length)
        shear[i] = args.shear_scale * (rng.rand() - 0.5)
    # The rest is the same for every sample, so whole-array numpy.
    x = x * scale[:, None]                                              # scale
    columns = (np.arange(length) - shift[:, None]) % length
    x = np.take_along_axis(x, columns, axis=1)                          # translate (roll)
    mask = x != 0                 # correlated noise fills where the signal is exactly zero
    x = mask * x + (1 - mask) * _gaussian_smooth(args.corr_noise_scale * corr)
    x = x + args.iid_noise_scale * iid                                  # white noise
    x = x - shear[:, None] * np.linspace(-0.5, 0.5, length)             # shear
    x = _resample(x, args.final_seq_length)                             # subsample
    order = rng.permutation(n)                   # shuffle the samples
    x, y = x[order], labels[order]
    if args.shuffle_seq:                         # scramble time: kills any spatial prior
        x = x[..., rng.permutation(args.final_seq_length)]
    x = (x - x.mean()) / x.std()                 # the whole set to mean 0, std 1
    split = int(n * args.train_split)
    return {"x": x[:split], "y": y[:split], "x_test": x[split:], "y_test": y[split:]}


def load_mnist1d(args=None, cache=None, check=True):
    """MNIST-1D as float32 signals (N, 40) and int64 labels 0-9: 4,000 train, 1,000 test.

    Source: generated here from the paper's recipe (Greydanus & Kobak 2020); nothing is
    downloaded. Licence of the recipe and templates: Apache-2.0 (the reference package).
    Size: 5,000 signals of length 40 (about 0.8 MB as float32). Split: the reference's,
    the first 80 % of the shuffled signals for training.

    Args:
        args: an `MNIST1DArgs`; the paper's defaults when None.
        cache: optional path to a `.npz` file: read when it holds data made with the same args,
            else (re)written. No other file is ever touched.
        check: raise if a signal is NaN/Inf or a label is outside 0-9.
    Returns:
        DataSplits(x_train, y_train, x_test, y_test).
    """
    args = MNIST1DArgs() if args is None else args
    if cache is not None and not str(cache).endswith(".npz"):
        raise ValueError(f"load_mnist1d: cache must be a path ending in .npz, got {cache!r}")
    data = _read_cache(cache, args) if cache is not None else None
    if data is None:
        data = DataSplits(*(array.copy() for array in _generate(args)))
        if cache is not None:
            _write_cache(cache, args, data)
    if check:
        for name in ("x_train", "x_test"):
            check_finite(getattr(data, name), f"mnist1d {name}")
        for name in ("y_train", "y_test"):
            check_labels(getattr(data, name), 10, f"mnist1d {name}")
    return data.flagged()


@functools.lru_cache(maxsize=4)
def _generate(args):
    """Generated once per args and kept in memory (callers get copies)."""
    made = make_mnist1d(args)
    return DataSplits(made["x"].astype(np.float32), made["y"].astype(np.int64),
                      made["x_test"].astype(np.float32), made["y_test"].astype(np.int64))


def _args_json(args):
    return json.dumps(asdict(args), sort_keys=True, default=list)


def _read_cache(path, args):
    if not os.path.exists(path):
        return None
    with np.load(path, allow_pickle=False) as f:
        if str(f["args"]) != _args_json(args):
            return None
        return DataSplits(f["x_train"], f["y_train"], f["x_test"], f["y_test"])


def _write_cache(path, args, data):
    """Write to a temporary file, then rename, so a crash never leaves half a cache."""
    tmp = f"{path}.tmp.npz"
    np.savez(tmp, args=np.array(_args_json(args)), **data._asdict())
    os.replace(tmp, path)
