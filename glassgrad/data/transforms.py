"""Data augmentation: random changes to training samples that keep their label.

Images are (C, H, W) for one sample or (N, C, H, W) for a batch; signals are (L,) or (C, L)
for one sample or (N, C, L) for a batch, as conv2d and conv1d take them. Every transform takes
numpy arrays or Tensors and gives back the same kind, shape and float dtype; in a batch, each
sample gets its own random draw. Every transform takes `generator=` (a glassgrad.Generator) so
an augmented run can be repeated exactly; `Compose` chains transforms.

Augment the training split only: validation and test data are measured as they are.
"""
import numpy as np

from ..random import _generator
from ..tensor import Tensor, as_array


class Compose:
    """Apply transforms in order: `Compose([RandomCrop(28, padding=2), GaussianNoise(0.1)])`."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x):
        for transform in self.transforms:
            x = transform(x)
        return x

    def __repr__(self):
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class _RandomTransform:
    """Unwraps Tensors, makes a one-sample input a batch of one, draws, and undoes both.

    Subclasses set `sample_ndims` (the ndims one sample may have) and write `_batch(x, rng)`
    for a float batch whose samples lie along the first dimension.
    """
    sample_ndims = (3,)
    kind = "an image (C, H, W) or a batch (N, C, H, W)"

    def __init__(self, generator=None):
        self.generator = generator

    def __call__(self, x):
        is_tensor = isinstance(x, Tensor)
        array = as_array(x)
        if array.dtype.kind != "f":
            array = array.astype(np.float32)
        single = array.ndim in self.sample_ndims
        if not single and array.ndim != max(self.sample_ndims) + 1:
            raise ValueError(f"{type(self).__name__}: expected {self.kind}, got shape "
                             f"{array.shape}")
        batch = array[None] if single else array
        out = self._batch(batch, _generator(self.generator)).astype(array.dtype, copy=False)
        out = out[0] if single else out
        return Tensor(out) if is_tensor else out

    def __repr__(self):
        fields = {k: v for k, v in vars(self).items() if k != "generator"}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in fields.items())})"


# --- images ----------------------------------------------------------------------------------

class RandomHorizontalFlip(_RandomTransform):
    """Mirror left-right (the last axis) with probability p."""

    def __init__(self, p=0.5, generator=None):
        super().__init__(generator)
        self.p = p

    def _batch(self, x, rng):
        flip = rng.random(len(x)) < self.p
        out = x.copy()
        out[flip] = x[flip][..., ::-1]
        return out


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror top-bottom (axis -2) with probability p."""

    def _batch(self, x, rng):
        flip = rng.random(len(x)) < self.p
        out = x.copy()
        out[flip] = x[flip][..., ::-1, :]
        return out


def rotate(images, angles, interpolation="bilinear", fill=0.0, use_scipy=None):
    """Rotate each image of an (N, C, H, W) batch counter-clockwise by its angle in degrees,
    about the centre, keeping the size; pixels from outside the image get `fill`.

    scipy.ndimage.rotate (reshape=False, mode='constant') when scipy is there, else the same
    sampling in numpy: output pixel o reads the input at R (o - centre) + centre, with
    R = [[cos a, sin a], [-sin a, cos a]] on (row, column) coordinates.
    """
    order = {"nearest": 0, "bilinear": 1}.get(interpolation)
    if order is None:
        raise ValueError(f"rotate: interpolation must be 'nearest' or 'bilinear', got "
                         f"{interpolation!r}")
    if use_scipy is None or use_scipy:
        try:
            from scipy import ndimage
        except ImportError:
            if use_scipy:
                raise
        else:
            return np.stack([ndimage.rotate(image, angle, axes=(2, 1), reshape=False,
                                            order=order, mode="constant", cval=fill)
                             for image, angle in zip(images, angles)])
    n, _, h, w = images.shape
    a = np.deg2rad(np.asarray(angles, dtype=np.float64))[:, None, None]
    cos, sin = np.cos(a), np.sin(a)
    rows, cols = np.meshgrid(np.arange(h) - (h - 1) / 2, np.arange(w) - (w - 1) / 2,
                             indexing="ij")
    src_r = cos * rows + sin * cols + (h - 1) / 2         # (N, H, W) source coordinates
    src_c = -sin * rows + cos * cols + (w - 1) / 2
    eps = 1e-9                     # a coordinate on the border is inside, despite rounding
    inside = (src_r > -eps) & (src_r < h - 1 + eps) & (src_c > -eps) & (src_c < w - 1 + eps)
    batch = np.arange(n)[:, None, None]
    if order == 0:
        r = np.clip(np.floor(src_r + 0.5).astype(np.int64), 0, h - 1)
        c = np.clip(np.floor(src_c + 0.5).astype(np.int64), 0, w - 1)
        out = images[batch, :, r, c]                         # (N, H, W, C)
    else:
        r0 = np.clip(np.floor(src_r).astype(np.int64), 0, max(h - 2, 0))
        c0 = np.clip(np.floor(src_c).astype(np.int64), 0, max(w - 2, 0))
        r1, c1 = np.minimum(r0 + 1, h - 1), np.minimum(c0 + 1, w - 1)
        fr, fc = (src_r - r0)[..., None], (src_c - c0)[..., None]
        out = ((1 - fr) * (1 - fc) * images[batch, :, r0, c0] + (1 - fr) * fc
               * images[batch, :, r0, c1] + fr * (1 - fc) * images[batch, :, r1, c0]
               + fr * fc * images[batch, :, r1, c1])
    out = np.where(inside[..., None], out, fill)
    return np.moveaxis(out, -1, 1).astype(images.dtype, copy=False)


class RandomRotation(_RandomTransform):
    """Rotate by an angle drawn uniformly from `degrees` (a (min, max) range, or d for
    (-d, d)), counter-clockwise, about the centre; corners from outside get `fill`."""

    def __init__(self, degrees, interpolation="bilinear", fill=0.0, generator=None):
        super().__init__(generator)
        self.degrees = (-abs(degrees), abs(degrees)) if np.isscalar(degrees) else tuple(degrees)
        if len(self.degrees) != 2 or self.degrees[0] > self.degrees[1]:
            raise ValueError(f"RandomRotation: degrees must be a number or (min, max) with "
                             f"min <= max, got {degrees!r}")
        self.interpolation = interpolation
        self.fill = fill

    def _batch(self, x, rng):
        angles = rng.uniform(self.degrees[0], self.degrees[1], len(x))
        return rotate(x, angles, self.interpolation, self.fill)


class RandomCrop(_RandomTransform):
    """Pad each side by `padding` (with `fill`), then cut a `size` window at a random place.

    Args:
        size: the output (height, width), or one int for a square.
    """

    def __init__(self, size, padding=0, fill=0.0, generator=None):
        super().__init__(generator)
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        self.padding = padding
        self.fill = fill

    def _batch(self, x, rng):
        p = self.padding
        padded = np.pad(x, [(0, 0), (0, 0), (p, p), (p, p)], constant_values=self.fill)
        h, w = self.size
        room_h, room_w = padded.shape[2] - h, padded.shape[3] - w
        if room_h < 0 or room_w < 0:
            raise ValueError(f"RandomCrop: crop size {self.size} is larger than the padded "
                             f"image {padded.shape[2:]} (input {x.shape[2:]}, padding {p})")
        tops = rng.integers(0, room_h + 1, len(x))
        lefts = rng.integers(0, room_w + 1, len(x))
        return np.stack([image[:, top:top + h, left:left + w]
                         for image, top, left in zip(padded, tops, lefts)])


class Cutout(_RandomTransform):
    """Set `n_holes` square patches of side `size` to `fill`, each centred at a random pixel
    (patches are clipped at the border, so they may be partly outside).

    - Paper: DeVries & Taylor, "Improved Regularization of Convolutional Neural Networks with
      Cutout", arXiv:1708.04552, 2017.
    """

    def __init__(self, size, n_holes=1, fill=0.0, generator=None):
        super().__init__(generator)
        self.size = size
        self.n_holes = n_holes
        self.fill = fill

    def _batch(self, x, rng):
        n, _, h, w = x.shape
        centre_r = rng.integers(0, h, (n, self.n_holes))[..., None]
        centre_c = rng.integers(0, w, (n, self.n_holes))[..., None]
        top, left = centre_r - self.size // 2, centre_c - self.size // 2
        in_rows = (np.arange(h) >= top) & (np.arange(h) < top + self.size)     # (N, holes, H)
        in_cols = (np.arange(w) >= left) & (np.arange(w) < left + self.size)   # (N, holes, W)
        mask = (in_rows[..., :, None] & in_cols[..., None, :]).any(axis=1)   # (N, H, W)
        return np.where(mask[:, None], self.fill, x)


# --- any shape -------------------------------------------------------------------------------

class GaussianNoise(_RandomTransform):
    """Add independent N(mean, std^2) noise to every value ("jitter").

    Works on any shape: images, signals or feature vectors.
    """
    kind = "an array"

    def __init__(self, std=0.1, mean=0.0, generator=None):
        super().__init__(generator)
        self.std = std
        self.mean = mean

    def __call__(self, x):
        is_tensor = isinstance(x, Tensor)
        array = as_array(x)
        dtype = array.dtype if array.dtype.kind == "f" else np.float32
        noise = _generator(self.generator).normal(self.mean, self.std, array.shape)
        out = (array + noise).astype(dtype)
        return Tensor(out) if is_tensor else out


# --- 1-D signals -----------------------------------------------------------------------------

class _SignalTransform(_RandomTransform):
    sample_ndims = (1, 2)
    kind = "a signal (L,) or (C, L), or a batch (N, C, L)"

    def __call__(self, x):
        is_tensor = isinstance(x, Tensor)
        array = as_array(x)
        if array.ndim == 1:        # (L,) -> (1, L) -> a batch of one, and back
            out = super().__call__(array[None])[0]
            return Tensor(out) if is_tensor else out
        return super().__call__(x)


class RandomShift(_SignalTransform):
    """Shift each signal in time by a whole number of steps drawn from [-max_shift, max_shift].

    mode "roll" wraps the end round to the start; "pad" shifts in `fill` values instead.
    """

    def __init__(self, max_shift, mode="roll", fill=0.0, generator=None):
        super().__init__(generator)
        if mode not in ("roll", "pad"):
            raise ValueError(f"RandomShift: mode must be 'roll' or 'pad', got {mode!r}")
        self.max_shift = max_shift
        self.mode = mode
        self.fill = fill

    def _batch(self, x, rng):
        length = x.shape[-1]
        shifts = rng.integers(-self.max_shift, self.max_shift + 1, len(x))[:, None, None]
        source = np.arange(length) - shifts                   # output t reads input t - shift
        if self.mode == "roll":
            return np.take_along_axis(x, np.broadcast_to(source % length, x.shape), axis=-1)
        inside = (source >= 0) & (source < length)
        taken = np.take_along_axis(x, np.broadcast_to(np.clip(source, 0, length - 1),
                                                      x.shape), axis=-1)
        return np.where(inside, taken, self.fill)


class RandomScale(_SignalTransform):
    """Multiply each signal by a factor drawn uniformly from [low, high] (amplitude scaling).

    - Paper: Um et al., "Data Augmentation of Wearable Sensor Data for Parkinson's Disease
      Monitoring using Convolutional Neural Networks", ICMI 2017 (scaling and jittering).
    """

    def __init__(self, low=0.8, high=1.2, generator=None):
        super().__init__(generator)
        if not low <= high:
            raise ValueError(f"RandomScale: need low <= high, got low={low}, high={high}")
        self.low = low
        self.high = high

    def _batch(self, x, rng):
        return x * rng.uniform(self.low, self.high, len(x))[:, None, None]
