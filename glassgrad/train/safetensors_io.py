"""Weights in the `.safetensors` format, so they move between glassgrad and PyTorch (and the
Hugging Face tools) both ways.

A `.safetensors` file is a JSON header (each tensor's name, dtype, shape and byte range) and
then the raw bytes: like glassgrad's own checkpoints it holds no code and is read without
pickle. It holds a state_dict only (names to arrays); optimiser state and training metadata
stay in glassgrad's `.npz` checkpoints (glassgrad.train.checkpoint). Reading and writing go
through the safetensors package's numpy API (an optional extra: pip install safetensors).

    save_safetensors(model, "model.safetensors")          # or a state_dict
    load_safetensors("model.safetensors", model)          # names as model.state_dict()'s

A torch.nn model with the same structure has the same names ("0.weight", "0.bias", ...), so
`torch_model.load_state_dict(safetensors.torch.load_file(path))` reads what glassgrad wrote,
and `safetensors.torch.save_file(torch_model.state_dict(), path)` writes what it reads.
"""
import os

import numpy as np

from ..tensor import as_array
from .bounded_read import check_regular_file
from .checkpoint import CheckpointError, atomic_write

INSTALL = "pip install safetensors (or pip install 'glassgrad[safetensors]')"


def _numpy_api(what):
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError(f"{what} needs the safetensors package, an optional extra: "
                          f"{INSTALL}") from None
    return safetensors.numpy


def save_safetensors(model_or_state_dict, path, metadata=None):
    """Write a Module's state_dict (or a state_dict: names to tensors or arrays) to `path`.

    Args:
        metadata: optional {str: str}, stored in the file's header.
    The file is written to a temporary name beside `path` and renamed over it, so a crash
    never leaves half a file. Returns the path.
    """
    api = _numpy_api("save_safetensors")
    state = model_or_state_dict.state_dict() if hasattr(model_or_state_dict, "state_dict") \
        else model_or_state_dict
    if not isinstance(state, dict):
        raise TypeError(f"save_safetensors: expected a Module or a state_dict (a dict of "
                        f"names to tensors), got {type(state).__name__}")
    arrays = {}
    for name, value in state.items():
        array = np.asarray(as_array(value))
        if array.dtype.kind not in "biuf":
            raise TypeError(f"save_safetensors: {name!r} is an array of dtype {array.dtype}; "
                            "the format holds numbers and booleans")
        # The format stores C-order bytes (np.ascontiguousarray would make a 0-d array 1-d).
        arrays[str(name)] = np.require(array, requirements="C")
    if metadata is not None and not all(isinstance(k, str) and isinstance(v, str)
                                        for k, v in metadata.items()):
        raise TypeError("save_safetensors: metadata must map strings to strings (the format's "
                        "header holds text only); json.dumps other values first")
    data = api.save(arrays, metadata=metadata)
    path = os.fspath(path)
    atomic_write(path, lambda f: f.write(data))
    return path


def load_safetensors(path, model=None, strict=True):
    """The arrays in the `.safetensors` file at `path` ({name: numpy array}); with `model`,
    also loaded into it by `model.load_state_dict(arrays, strict=strict)`.

    Raises FileNotFoundError for a missing file and CheckpointError for one that is not a
    regular file (a FIFO would block, a directory is not a file) or not a valid .safetensors
    file. The safetensors library checks each tensor's byte range against the file's size
    before reading it, so a header declaring more than the file holds is refused.
    """
    api = _numpy_api("load_safetensors")
    path = os.fspath(path)
    check_regular_file(path, "load_safetensors")
    try:
        arrays = api.load_file(path)
    except Exception as error:     # safetensors raises its own SafetensorError (and others)
        raise CheckpointError(f"load_safetensors: {path!r} is not a valid .safetensors file "
                              f"({type(error).__name__}: {error})") from None
    if model is not None:
        model.load_state_dict(arrays, strict=strict)
    return arrays


__all__ = ["load_safetensors", "save_safetensors"]
