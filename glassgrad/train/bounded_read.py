"""Reading checkpoint files with limits: what a crafted or damaged file may not make us do.

A checkpoint comes from disk, perhaps from someone else, so reading one must never hang, nor
allocate more memory than the file can justify, nor fail with a raw TypeError. This file is
the one place those limits live (glassgrad.train.checkpoint and safetensors_io use it):

- only regular files are opened: a FIFO would block `open` forever, a directory would give
  IsADirectoryError, a device could stream without end. os.stat says what the path is before
  anything is opened, and the file is then opened non-blocking and checked again with
  os.fstat (in case the path changed in between);
- an `.npz` entry is decompressed as a stream that stops at the size the zip's directory
  declares (Python's zipfile does that), and all entries together may declare at most
  `max_bytes`: by default 64 times the file's size and at least 16 MiB. glassgrad writes
  uncompressed entries (ratio 1), and real weights compress by less than 2×, so only a
  deflate bomb (2 MB of zeros declaring 2 GB) comes near the limit;
- each array's own header (its shape and dtype) must fit inside its entry before its memory
  is allocated, so a header declaring a 100000 × 100000 array in a small entry is refused
  without allocating 40 GB; object arrays (pickle) are refused outright.

    arrays = read_npz("run.npz", "checkpoint.load")     # {name: array}, or CheckpointError
"""
import os
import stat
import zipfile

import numpy as np
from numpy.lib import format as npy_format

RATIO = 64                    # the most an .npz may expand, as a multiple of its file size
FLOOR = 16 * 2 ** 20          # ... but small files may always expand to this (16 MiB)
CHUNK = 2 ** 20               # bytes read at a time from a (decompressing) stream
_KINDS = {"f": "a regular file", "d": "a directory", "p": "a FIFO (named pipe)",
          "s": "a socket", "c": "a character device", "b": "a block device"}


class CheckpointError(ValueError):
    """A file that is not a glassgrad checkpoint, or a truncated, corrupt or crafted one."""


def _kind(mode):
    for letter, test in (("d", stat.S_ISDIR), ("p", stat.S_ISFIFO), ("s", stat.S_ISSOCK),
                         ("c", stat.S_ISCHR), ("b", stat.S_ISBLK)):
        if test(mode):
            return _KINDS[letter]
    return "not a regular file"


def check_regular_file(path, who):
    """os.stat(path), refusing a missing path (FileNotFoundError) and anything that is not a
    regular file (CheckpointError), before it is ever opened."""
    path = os.fspath(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"{who}: no checkpoint at {path!r} (file not found: no file at "
                                "that path)") \
            from None
    if stat.S_ISDIR(info.st_mode):
        raise CheckpointError(f"{who}: {path!r} is a directory, not a checkpoint file; give the "
                              "file inside it (a run folder's is checkpoint.npz)")
    if not stat.S_ISREG(info.st_mode):
        raise CheckpointError(f"{who}: {path!r} is {_kind(info.st_mode)}, not a regular file; "
                              "refusing to read it (it could block or never end)")
    return info


def open_regular(path, who):
    """The file at `path` opened for reading in binary, only if it is a regular file."""
    check_regular_file(path, who)
    # O_NONBLOCK: should the path have become a FIFO since the stat, open still returns.
    fd = os.open(os.fspath(path), os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise CheckpointError(f"{who}: {os.fspath(path)!r} is not a regular file; refusing "
                                  "to read it")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_npz(path, who, max_bytes=None, text_entries=()):
    """Every array of the `.npz` at `path` as {name: array}, within the limits above.

    Args:
        who: the caller's name for errors ("checkpoint.load").
        max_bytes: the most all entries may hold once decompressed (default: RATIO × the
            file's size, at least FLOOR).
        text_entries: names of entries that may hold strings (dtype 'U'); every other entry
            must hold numbers or booleans.
    Raises CheckpointError naming the file (and the entry) for anything else.
    """
    path = os.fspath(path)
    with open_regular(path, who) as f:
        size = os.fstat(f.fileno()).st_size
        limit = max(RATIO * size, FLOOR) if max_bytes is None else max_bytes
        head = f.read(4)
        if head != b"PK\x03\x04":
            raise CheckpointError(f"{who}: {path!r} is not a glassgrad checkpoint: not a .npz "
                                  f"(zip) archive ({size} bytes, starting {head!r})")
        f.seek(0)
        try:
            with zipfile.ZipFile(f) as archive:
                entries = archive.infolist()
                declared = sum(e.file_size for e in entries)
                if declared > limit:
                    raise CheckpointError(
                        f"{who}: {path!r} declares {declared:,} bytes of arrays in a "
                        f"{size:,}-byte file, more than the {limit:,} allowed (a compression "
                        "bomb, or pass a larger max_bytes if you trust it)")
                arrays = {}
                for entry in entries:
                    name = entry.filename[:-4] if entry.filename.endswith(".npy") \
                        else entry.filename
                    arrays[name] = _read_entry(archive, entry, path, who,
                                               name in text_entries)
        except CheckpointError:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError,
                KeyError, NotImplementedError) as error:
            raise CheckpointError(f"{who}: {path!r} is truncated or corrupt ({size} bytes; "
                                  f"{type(error).__name__}: {error})") from None
    return arrays


def _read_entry(archive, entry, path, who, text):
    """One .npy entry: its header checked against the entry's declared size, then its data
    streamed into an array allocated only then."""
    where = f"{who}: {path!r}, entry {entry.filename!r}"
    with archive.open(entry) as stream:
        version = npy_format.read_magic(stream)
        if version == (1, 0):
            shape, fortran_order, dtype = npy_format.read_array_header_1_0(stream)
        elif version in ((2, 0), (3, 0)):
            shape, fortran_order, dtype = npy_format.read_array_header_2_0(stream)
        else:
            raise CheckpointError(f"{where}: unknown .npy version {version}")
        allowed = "biufcU" if text else "biufc"
        if dtype.hasobject or dtype.kind not in allowed or dtype.fields is not None:
            raise CheckpointError(f"{where}: holds an array of dtype {dtype}; a checkpoint "
                                  "holds numbers and booleans only (no pickled objects)")
        count = 1
        for d in shape:
            count *= int(d)                   # Python ints: a crafted shape cannot overflow
        nbytes = count * dtype.itemsize
        if nbytes > entry.file_size:
            raise CheckpointError(f"{where}: its header declares an array of shape "
                                  f"{tuple(shape)} and dtype {dtype} ({nbytes:,} bytes), more "
                                  f"than the entry's {entry.file_size:,} bytes can hold")
        array = np.empty(count, dtype=dtype)
        buffer = memoryview(array.view(np.uint8).reshape(-1)) if nbytes else None
        filled = 0
        while filled < nbytes:
            got = stream.readinto(buffer[filled:filled + CHUNK])
            if not got:
                raise CheckpointError(f"{where}: truncated: {filled:,} of {nbytes:,} bytes "
                                      "of array data")
            filled += got
        if stream.read(1):
            raise CheckpointError(f"{where}: more data than its header's shape "
                                  f"{tuple(shape)} declares")
    order = "F" if fortran_order else "C"
    return array.reshape(shape, order=order)


__all__ = ["CheckpointError", "FLOOR", "RATIO", "check_regular_file", "open_regular",
           "read_npz"]
