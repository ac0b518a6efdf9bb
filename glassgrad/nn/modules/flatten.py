"""`Flatten` (merge a range of dimensions into one) and `Unflatten` (its inverse)."""
from ...ops.movement import flatten
from .module import Module


class Flatten(Module):
    """Merges dims start_dim..end_dim into one: (N, C, H, W) → (N, C·H·W) by default.

    Shape: (*, S_start, ..., S_end, *) → (*, Π S_i, *).
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Splits dimension `dim` into `unflattened_size`: Unflatten(1, (C, H, W)) undoes Flatten.

    Shape: (*, S_dim, *) → (*, U_1, ..., U_n, *) with Π U_i = S_dim (one U_i may be -1).
    """

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)) or not all(
                isinstance(s, int) for s in unflattened_size):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, got "
                            f"{unflattened_size!r}")
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input):
        shape = tuple(input.shape)
        dim = self.dim % len(shape) if shape else 0
        sizes = self.unflattened_size
        known = 1
        for s in sizes:
            if s != -1:
                known *= s
        fits = (known > 0 and shape[dim] % known == 0) if -1 in sizes else known == shape[dim]
        if not fits:
            raise RuntimeError(f"{self!r}: sizes {sizes} do not multiply to dimension {dim} of "
                               f"the input of shape {shape} (size {shape[dim]})")
        return input.reshape(shape[:dim] + sizes + shape[dim + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
