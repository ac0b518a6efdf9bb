"""Safe checkpoints: a model's, an optimiser's and a scheduler's state in one `.npz` file.

The file is an ordinary numpy `.npz` archive: every array (weights, Adam's moments, ...) is an
entry named by where it came from ("model.0.weight", "optimizer.state.0.exp_avg"), and one
more entry, "__checkpoint__", holds a JSON string with the structure (the nested dicts, lists,
numbers of the state dicts, each array replaced by a reference to its entry), your metadata and
the versions that wrote it. So it opens with `np.load` alone, and reading it never unpickles or
runs anything (`allow_pickle=False`).

Saving writes a temporary file in the same folder, flushes it to disk, then renames it over the
target with `os.replace` (atomic on POSIX and Windows): a crash mid-save leaves the previous
checkpoint intact, and the temporary file a killed save left behind is removed by the next save
of the same checkpoint. Reading is bounded (glassgrad/train/bounded_read.py): regular files
only, sizes checked against the file before memory is allocated, and a structure that is not
what `save` writes is one CheckpointError naming the file and the field.

    save("run.npz", model, optimizer, metadata={"epoch": 12})
    info = load("run.npz", model, optimizer)      # info["metadata"]["epoch"] == 12
"""
import datetime
import json
import os
import platform
import re
import tempfile
import time

import numpy as np

from ..tensor import Tensor
from .bounded_read import CheckpointError, read_npz

FORMAT = "glassgrad-checkpoint"
VERSION = 1
META_KEY = "__checkpoint__"
_MARKERS = ("__tensor__", "__ndarray__", "__scalar__", "__tuple__", "__items__")
MAX_DEPTH = 100          # nesting of the JSON structure; save's own is a handful of levels
STALE_AFTER = 60.0       # seconds: an older temporary file of ours is a killed save's

# --- encoding: nested state -> JSON-able structure plus arrays ---------------------------------
class _Encoder:
    """Walks a state tree; arrays go to `self.arrays` under path-derived names."""

    def __init__(self):
        self.arrays = {}

    def _entry(self, path, array):
        name = path
        counter = 1
        while name in self.arrays or name == META_KEY:
            counter += 1
            name = f"{path}~{counter}"
        self.arrays[name] = np.asarray(array)
        return name

    def encode(self, value, path):
        if isinstance(value, Tensor):
            return {"__tensor__": self._entry(path, value._data)}
        if isinstance(value, np.ndarray):
            if value.dtype.kind not in "biufc":
                raise TypeError(f"checkpoint.save: cannot store {path}: an array of dtype "
                                f"{value.dtype} (numbers and booleans only, so no pickle)")
            return {"__ndarray__": self._entry(path, value)}
        if isinstance(value, np.generic):
            return {"__scalar__": self._entry(path, np.asarray(value))}
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return value             # json writes repr(float), which reads back bit for bit
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(v, f"{path}.{i}") for i, v in enumerate(value)]}
        if isinstance(value, list):
            return [self.encode(v, f"{path}.{i}") for i, v in enumerate(value)]
        if isinstance(value, dict):
            plain = all(isinstance(k, str) and not k.startswith("__") for k in value)
            if plain:
                return {k: self.encode(v, f"{path}.{k}") for k, v in value.items()}
            # Integer keys (an optimiser's state by parameter index) or keys that look like
            # our markers: keep them exactly as a list of [key, value] pairs.
            items = []
            for k, v in value.items():
                if not isinstance(k, (str, int, float, bool)) and k is not None:
                    raise TypeError(f"checkpoint.save: cannot store {path}: a dict key of type "
                                    f"{type(k).__name__} ({k!r})")
                items.append([k, self.encode(v, f"{path}.{k}")])
            return {"__items__": items}
        raise TypeError(f"checkpoint.save: cannot store {path} of type {type(value).__name__}: "
                        "a checkpoint holds tensors, arrays, numbers, strings, booleans, None, "
                        "and lists, tuples and dicts of these")


class _Malformed(Exception):
    """Raised inside _decode; read() turns it into one CheckpointError naming the file."""

    def __init__(self, field, problem):
        super().__init__(f"field {field!r}: {problem}")


def _decode(value, arrays, field, depth=0):
    """The state tree back from its JSON form; `field` is the path for errors. Every marker's
    contents are checked, so a crafted structure gives _Malformed, never a raw TypeError."""
    if depth > MAX_DEPTH:
        raise _Malformed(field, f"nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, list):
        return [_decode(v, arrays, f"{field}.{i}", depth + 1) for i, v in enumerate(value)]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (key, inner), = value.items()
        if key in ("__tensor__", "__ndarray__", "__scalar__"):
            if not isinstance(inner, str):
                raise _Malformed(field, f"{key} must name an array entry (a string), got "
                                        f"{type(inner).__name__}")
            if inner not in arrays:
                raise _Malformed(field, f"refers to an array {inner!r} that the file does not "
                                        "hold")
            array = arrays[inner]
            if key == "__tensor__":
                return Tensor(array)
            if key == "__ndarray__":
                return array
            if array.shape != ():
                raise _Malformed(field, f"a scalar, but its entry holds shape {array.shape}")
            return array[()]                                # a numpy scalar of its dtype
        if key == "__tuple__":
            if not isinstance(inner, list):
                raise _Malformed(field, f"__tuple__ must be a list, got {type(inner).__name__}")
            return tuple(_decode(v, arrays, f"{field}.{i}", depth + 1)
                         for i, v in enumerate(inner))
        if key == "__items__":
            if not isinstance(inner, list) or not all(
                    isinstance(kv, list) and len(kv) == 2
                    and isinstance(kv[0], (str, int, float, bool, type(None))) for kv in inner):
                raise _Malformed(field, "__items__ must be a list of [key, value] pairs with "
                                        "number or string keys")
            return {k: _decode(v, arrays, f"{field}.{k}", depth + 1) for k, v in inner}
    return {k: _decode(v, arrays, f"{field}.{k}", depth + 1) for k, v in value.items()}


# --- saving --------------------------------------------------------------------------------
def _versions():
    from .. import __version__
    return {"glassgrad": __version__, "numpy": np.__version__,
            "python": platform.python_version()}


def save(path, model=None, optimizer=None, scheduler=None, metadata=None):
    """Write the state of whatever is given to `path` (one .npz file); returns the path.

    Args:
        model: a Module (its state_dict: parameters and persistent buffers).
        optimizer: an Optimizer (its state_dict, torch's format: step counts, moments, groups).
        scheduler: a learning-rate scheduler (its state_dict).
        metadata: a dict of your own (epoch, scores, hyper-parameters); JSON-able values,
            tensors and arrays.
    The previous file at `path`, if any, is replaced only once the new one is completely
    written.
    """
    path = os.fspath(path)
    encoder = _Encoder()
    structure = {"format": FORMAT, "version": VERSION, "versions": _versions(),
                 "created": datetime.datetime.now(datetime.timezone.utc).isoformat()}
    parts = (("model", model), ("optimizer", optimizer), ("scheduler", scheduler))
    for name, owner in parts:
        if owner is not None:
            if not hasattr(owner, "state_dict"):
                raise TypeError(f"checkpoint.save: {name} must have a state_dict() method, got "
                                f"{type(owner).__name__}")
            state = owner.state_dict()
            if name == "model":
                state = dict(state)
            structure[name] = encoder.encode(state, name)
            structure[name + "_class"] = type(owner).__name__
    structure["metadata"] = encoder.encode({} if metadata is None else metadata, "metadata")
    text = json.dumps(structure)
    entries = dict(encoder.arrays)
    entries[META_KEY] = np.array(text)
    atomic_write(path, lambda f: _write_npz(f, entries))
    return path


def atomic_write(path, write):
    """Call `write(file)` on a temporary file beside `path`, fsync it, then rename it over
    `path`: a failed or killed save never destroys the previous file."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".tmp",
                                         dir=folder)
    try:
        os.chmod(temporary, 0o666 & ~_umask())   # mkstemp's 0600 -> what open() would give
        with os.fdopen(handle, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    remove_stale_temporaries(path)


def remove_stale_temporaries(path, older_than=STALE_AFTER):
    """Remove the temporary files a killed save of `path` left beside it: only names of our
    own pattern (mkstemp's "<name>.<8 characters>.tmp") and only those unchanged for
    `older_than` seconds, so a save still being written by another process is left alone.
    Returns the paths removed."""
    folder = os.path.dirname(os.path.abspath(path))
    pattern = re.compile(re.escape(os.path.basename(path)) + r"\.[A-Za-z0-9_]{8}\.tmp")
    cutoff = time.time() - older_than
    removed = []
    for name in os.listdir(folder):
        if not pattern.fullmatch(name):
            continue
        stale = os.path.join(folder, name)
        try:
            info = os.lstat(stale)
            if os.path.isfile(stale) and not os.path.islink(stale) and info.st_mtime < cutoff:
                os.remove(stale)
                removed.append(stale)
        except OSError:       # gone already (another save cleaned it), or not ours to remove
            continue
    return removed


def _umask():
    """The process's umask (os.umask can only be read by setting it, so set it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_npz(f, entries):
    """The writer (its own function so that a test can make it fail midway)."""
    np.savez(f, **entries)


# --- loading -------------------------------------------------------------------------------
def read(path, max_bytes=None):
    """The checkpoint at `path` as a dict: "model", "optimizer", "scheduler" (state dicts, or
    None), "metadata", "versions", "created" and the class names; nothing is applied.

    Raises FileNotFoundError for a missing file and CheckpointError for a file that is not a
    regular file or a glassgrad checkpoint, is truncated or corrupt, declares more data than
    `max_bytes` (default: 64× its size, at least 16 MiB; see bounded_read.py) or holds a
    malformed structure.
    """
    path = os.fspath(path)
    who = "checkpoint.load"
    arrays = read_npz(path, who, max_bytes=max_bytes, text_entries=(META_KEY,))
    if META_KEY not in arrays:
        names = list(arrays)
        raise CheckpointError(
            f"{who}: {path!r} is a .npz archive but not a glassgrad checkpoint: it has no "
            f"{META_KEY!r} entry (entries: {', '.join(names[:5])}"
            f"{', ...' if len(names) > 5 else ''})")
    text = arrays.pop(META_KEY)
    if text.dtype.kind != "U" or text.shape != ():
        raise CheckpointError(f"{who}: {path!r}: its {META_KEY!r} entry must be one string (the "
                              f"JSON structure), got an array of dtype {text.dtype} and shape "
                              f"{text.shape}")
    try:
        structure = json.loads(str(text))
    except json.JSONDecodeError as error:
        raise CheckpointError(f"{who}: {path!r}: its {META_KEY!r} entry is not valid JSON "
                              f"({error})") from None
    except RecursionError:
        raise CheckpointError(f"{who}: {path!r}: its {META_KEY!r} entry is nested too deeply "
                              "to read (a crafted file?)") from None
    if not isinstance(structure, dict) or structure.get("format") != FORMAT:
        found = structure.get("format") if isinstance(structure, dict) else None
        raise CheckpointError(f"{who}: {path!r} is not a glassgrad checkpoint (format "
                              f"{found!r}, expected {FORMAT!r})")
    version = structure.get("version", 0)
    if type(version) is not int:
        raise CheckpointError(f"{who}: {path!r}: field 'version' must be an int, got "
                              f"{type(version).__name__} {version!r}")
    if version > VERSION:
        raise CheckpointError(f"{who}: {path!r} was written by a newer glassgrad "
                              f"(checkpoint format {structure['version']}, this glassgrad reads "
                              f"up to {VERSION}); versions: {structure.get('versions')}")
    result = {}
    try:
        for key in ("model", "optimizer", "scheduler", "metadata"):
            result[key] = _decode(structure.get(key), arrays, key)
            if result[key] is not None and not isinstance(result[key], dict):
                raise _Malformed(key, f"must be a dict (a state_dict) or absent, got "
                                      f"{type(result[key]).__name__}")
    except _Malformed as error:
        raise CheckpointError(f"{who}: {path!r}: {error} (a corrupt or crafted checkpoint)") \
            from None
    for key in ("versions", "created", "model_class", "optimizer_class", "scheduler_class"):
        result[key] = structure.get(key)
    return result


def load(path, model=None, optimizer=None, scheduler=None, strict=True):
    """Read the checkpoint at `path` and load its states into what is given.

    Each given object must have been saved in the checkpoint (a clear error otherwise);
    `strict` goes to the model's load_state_dict. Returns what `read` returns (metadata,
    versions, the raw state dicts), so `load(path)` alone just reads.
    """
    checkpoint = read(path)
    for name, owner in (("model", model), ("optimizer", optimizer), ("scheduler", scheduler)):
        if owner is None:
            continue
        state = checkpoint[name]
        if state is None:
            saved = [k for k in ("model", "optimizer", "scheduler") if checkpoint[k] is not None]
            raise CheckpointError(f"checkpoint.load: {os.fspath(path)!r} holds no {name} state "
                                  f"(it holds: {', '.join(saved) or 'metadata only'})")
        if name == "model":
            owner.load_state_dict(state, strict=strict)
        else:
            owner.load_state_dict(state)
    return checkpoint


__all__ = ["FORMAT", "VERSION", "CheckpointError", "load", "read", "save"]
