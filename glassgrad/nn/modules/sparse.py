"""`Embedding`: a lookup table of learned vectors, one row per index."""
import numpy as np

from ... import creation
from ...tensor import as_array
from .. import init
from ..functional.sparse import embedding
from ..parameter import Parameter
from .module import Module


class Embedding(Module):
    """Maps integer indices to rows of a learned (num_embeddings, embedding_dim) matrix.

    Initialised from N(0, 1) (torch's default); the `padding_idx` row starts at zeros and gets
    no gradient, so it stays a neutral "no token" vector.

    Args:
        num_embeddings: size of the vocabulary.
        embedding_dim: size of each vector.
        padding_idx: an index whose row is zero and not trained (negative counts from the end).
        max_norm, norm_type: rows looked up with a larger norm are renormalised in place.
        _weight: a tensor to use as the weight (what `from_pretrained` passes).
        _freeze: the weight does not require a gradient.

    Shape: input (*) integers → output (*, embedding_dim).
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, dtype=None):
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx must be within num_embeddings "
                                 f"({num_embeddings}), got {padding_idx}")
            padding_idx %= num_embeddings
        if scale_grad_by_freq or sparse:
            raise NotImplementedError("Embedding: scale_grad_by_freq and sparse gradients are "
                                      "not supported by glassgrad")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx, self.max_norm, self.norm_type = padding_idx, max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            self.weight = Parameter(creation.empty(num_embeddings, embedding_dim, dtype=dtype),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"Embedding: shape of weight {tuple(_weight.shape)} does not "
                                 f"match num_embeddings and embedding_dim "
                                 f"({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self):
        """N(0, 1) entries; the padding row set to zeros."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(self, input):
        self._check_indices(input)
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type)

    def _check_indices(self, input):
        """A one-line error naming this layer, the first bad index and num_embeddings."""
        indices = as_array(input)
        if indices.dtype.kind not in "iu" or not indices.size:
            return                      # the functional names a wrong dtype itself
        bad = (indices < 0) | (indices >= self.num_embeddings)
        if bad.any():
            position = tuple(int(i) for i in np.argwhere(bad)[0])
            raise IndexError(f"Embedding({self.num_embeddings}, {self.embedding_dim}): index "
                             f"{int(indices[position])} at position {position} of the input "
                             f"(shape {tuple(indices.shape)}) is out of range; expected "
                             f"0 <= index < num_embeddings = {self.num_embeddings}")

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None,
                        norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        """An Embedding whose weight is (a copy of) the 2-D `embeddings`; frozen by default."""
        if embeddings.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-dimensional, got "
                             f"shape {tuple(embeddings.shape)}")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=creation.tensor(embeddings), _freeze=freeze)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        return text
