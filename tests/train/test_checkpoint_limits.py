"""Checkpoint reading with limits and saving that cleans up (issue 18): crafted files, real ones.

Each test builds the hostile file for real (a FIFO with os.mkfifo, a deflate bomb, an .npy
header that lies, a JSON structure of the wrong types or nested 100,000 deep) and checks that
reading it is one CheckpointError naming the file, quickly and without allocating.
"""
import io
import json
import os
import struct
import threading
import time
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.train import checkpoint
from glassgrad.train.bounded_read import CheckpointError, read_npz
from glassgrad.train.checkpoint import META_KEY


def _model():
    gg.manual_seed(0)
    return nn.Linear(4, 3)


def _structure(**extra):
    return dict({"format": checkpoint.FORMAT, "version": checkpoint.VERSION}, **extra)


def _npy_bytes(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def _write_zip(path, entries, compression=zipfile.ZIP_STORED):
    """An .npz from {entry name: raw bytes}."""
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in entries.items():
            archive.writestr(name + ".npy", data)
    return path


def _raw_deflate(data):
    """Raw deflate blocks of `data`, fully flushed: self-contained, so they can be repeated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def _raw_zip(name, deflated, size, crc=0):
    """A one-entry zip archive of already deflated bytes that declare `size` (the layout of
    PKWARE's APPNOTE: local header, data, central directory, end record)."""
    name = name.encode()
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(deflated),
                        size, len(name), 0) + name
    central = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc,
                          len(deflated), size, len(name), 0, 0, 0, 0, 0, 0) + name
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(central),
                      len(local) + len(deflated), 0)
    return local + deflated + central + end


def _checkpoint_with(path, structure, arrays=None):
    entries = {name: _npy_bytes(a) for name, a in (arrays or {}).items()}
    entries[META_KEY] = _npy_bytes(np.array(json.dumps(structure)))
    return _write_zip(path, entries)


# --- what the path is -------------------------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo (POSIX)")
def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "run.npz"
    os.mkfifo(fifo)
    outcome = {}

    def attempt():
        try:
            checkpoint.load(fifo)
        except Exception as error:  # noqa: BLE001 - the test inspects it
            outcome["error"] = error

    reader = threading.Thread(target=attempt, daemon=True)
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():                   # unblock the hung open before failing
        with open(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK), "wb"):
            pass
        pytest.fail("checkpoint.load blocked on a FIFO")
    error = outcome["error"]
    assert isinstance(error, CheckpointError)
    assert "FIFO" in str(error) and str(fifo) in str(error)


def test_a_directory_is_a_clear_error_not_isadirectoryerror(tmp_path):
    with pytest.raises(CheckpointError, match=r"is a directory, not a checkpoint file"):
        checkpoint.read(tmp_path)


def test_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        checkpoint.read(tmp_path / "absent.npz")


# --- sizes ------------------------------------------------------------------------------------
def test_a_deflate_bomb_is_refused_before_decompressing(tmp_path):
    """2 MB of deflated zeros declaring 2 GB: refused from the zip directory's sizes, without
    inflating anything (traced allocations stay far below the declared size)."""
    path = tmp_path / "bomb.npz"
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (2 ** 29,)})
    # Deflating 2 GiB takes half a minute; a fully flushed deflate block of 16 MiB of zeros
    # refers to nothing before it, so 128 copies of it are a valid stream of 2 GiB of zeros.
    zeros = _raw_deflate(bytes(2 ** 24))
    stream = _raw_deflate(header.getvalue()) + zeros * 128 + b"\x03\x00"   # + a final block
    size = len(header.getvalue()) + 128 * 2 ** 24
    path.write_bytes(_raw_zip("weights.npy", stream, size))
    assert os.path.getsize(path) < 3 * 2 ** 20
    assert zipfile.ZipFile(path).infolist()[0].file_size == size
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError, match=r"declares [\d,]+ bytes of arrays in a "
                                                  r"[\d,]+-byte file"):
            checkpoint.read(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2 ** 20


def test_an_entry_that_inflates_past_its_declared_size_stops_there(tmp_path):
    """A lying zip directory (small declared size, more data): zipfile's stream stops at the
    declared size (and its CRC then fails), so no more than 200 bytes are ever inflated."""
    path = tmp_path / "liar.npz"
    data = _npy_bytes(np.zeros(10 ** 6, np.float32))
    _write_zip(path, {"w": data}, compression=zipfile.ZIP_DEFLATED)
    raw = bytearray(path.read_bytes())
    # Patch the central directory's uncompressed size of the entry down to 200 bytes.
    cd = raw.rfind(b"PK\x01\x02")
    raw[cd + 24:cd + 28] = (200).to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match=r"Bad CRC-32|more than the entry's 200 bytes"):
        read_npz(path, "test")


def test_an_npy_header_declaring_a_huge_array_is_refused_before_allocating(tmp_path):
    path = tmp_path / "huge.npz"
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (100000, 100000)})
    _write_zip(path, {"model.weight": header.getvalue() + bytes(64)})
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError, match=r"shape \(100000, 100000\).*40,000,000,000 "
                                                  r"bytes\), more than the entry's"):
            read_npz(path, "checkpoint.load")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2 ** 20


def test_object_arrays_are_refused(tmp_path):
    path = tmp_path / "pickle.npz"
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    _write_zip(path, {"evil": buffer.getvalue()})
    with pytest.raises(CheckpointError, match=r"'evil.npy': holds an array of dtype object"):
        read_npz(path, "checkpoint.load")


def test_a_truncated_entry_is_corrupt(tmp_path):
    path = tmp_path / "short.npz"
    _write_zip(path, {"w": _npy_bytes(np.arange(100.0))[:-80]})
    with pytest.raises(CheckpointError, match=r"truncated"):
        read_npz(path, "checkpoint.load")


def test_real_checkpoints_still_round_trip(tmp_path):
    model, path = _model(), tmp_path / "ok.npz"
    optimizer = gg.optim.Adam(model.parameters(), lr=0.01)
    model(gg.ones(2, 4)).sum().backward()
    optimizer.step()
    checkpoint.save(path, model, optimizer, metadata={"epoch": 2, "pair": (1, 2.5)})
    fresh = nn.Linear(4, 3)
    info = checkpoint.load(path, fresh, gg.optim.Adam(fresh.parameters(), lr=0.01))
    assert info["metadata"] == {"epoch": 2, "pair": (1, 2.5)}
    np.testing.assert_array_equal(fresh.weight._data, model.weight._data)


# --- malformed structure ----------------------------------------------------------------------
@pytest.mark.parametrize("structure, field", [
    (_structure(model={"weight": {"__tensor__": 7}}), r"field 'model\.weight': __tensor__ "
                                                      r"must name an array entry"),
    (_structure(model={"weight": {"__tensor__": "nowhere"}}), r"field 'model\.weight': refers "
                                                              r"to an array 'nowhere'"),
    (_structure(model={"w": {"__tuple__": 3}}), r"field 'model\.w': __tuple__ must be a list"),
    (_structure(optimizer={"__items__": [[["unhashable"], 1]]}), r"field 'optimizer': "
                                                                 r"__items__ must be a list"),
    (_structure(model=[1, 2]), r"field 'model': must be a dict"),
    (_structure(metadata="text"), r"field 'metadata': must be a dict"),
    (dict(_structure(), version="1"), r"field 'version' must be an int, got str"),
])
def test_malformed_structures_name_the_file_and_field(tmp_path, structure, field):
    path = _checkpoint_with(tmp_path / "bad.npz", structure)
    with pytest.raises(CheckpointError, match=field) as caught:
        checkpoint.read(path)
    assert str(path) in str(caught.value)


def test_deep_nesting_is_a_clear_error_not_recursionerror(tmp_path):
    deep = tmp_path / "deep.npz"
    text = '{"format": "glassgrad-checkpoint", "version": 1, "metadata": ' + "[" * 100000 \
        + "]" * 100000 + "}"
    _write_zip(deep, {META_KEY: _npy_bytes(np.array(text))})
    with pytest.raises(CheckpointError, match=r"nested too deeply"):
        checkpoint.read(deep)
    moderate = _checkpoint_with(tmp_path / "moderate.npz",
                                _structure(metadata={"a": json.loads("[" * 500 + "]" * 500)}))
    with pytest.raises(CheckpointError, match=r"field 'metadata\.a(\.0)+': nested more than "
                                              r"100 levels"):
        checkpoint.read(moderate)


# --- saving cleans what a killed save left ----------------------------------------------------
def test_a_save_removes_its_stale_temporaries_only(tmp_path):
    path = tmp_path / "run.npz"
    stale = tmp_path / "run.npz.ab12_xyz.tmp"             # a killed save's (mkstemp's pattern)
    fresh = tmp_path / "run.npz.cd34_xyz.tmp"             # a save in progress elsewhere
    other = tmp_path / "other.npz.ef56_xyz.tmp"           # another checkpoint's
    mine = tmp_path / "run.npz.notes.tmp"                 # not our pattern
    for f in (stale, fresh, other, mine):
        f.write_bytes(b"x" * 1000)
    hour_ago = time.time() - 3600
    for f in (stale, other, mine):
        os.utime(f, (hour_ago, hour_ago))
    checkpoint.save(path, _model())
    assert not stale.exists()
    assert fresh.exists() and other.exists() and mine.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["run.npz", fresh.name, other.name, mine.name])


# --- safetensors --------------------------------------------------------------------------------
def test_safetensors_refuses_fifos_directories_and_oversized_headers(tmp_path):
    pytest.importorskip("safetensors")
    from glassgrad.train import load_safetensors
    with pytest.raises(CheckpointError, match=r"is a directory"):
        load_safetensors(tmp_path)
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "w.safetensors"
        os.mkfifo(fifo)
        with pytest.raises(CheckpointError, match=r"FIFO"):
            load_safetensors(fifo)
    header = json.dumps({"w": {"dtype": "F32", "shape": [100000, 100000],
                               "data_offsets": [0, 40000000000]}}).encode()
    crafted = tmp_path / "huge.safetensors"
    crafted.write_bytes(len(header).to_bytes(8, "little") + header + bytes(64))
    with pytest.raises(CheckpointError, match=r"not a valid \.safetensors file"):
        load_safetensors(crafted)


# --- glassgrad evaluate -----------------------------------------------------------------------
def _run_checkpoint(path, input_shape, num_classes=3):
    from glassgrad.cli.run_folder import RUN_KEY
    model = _model()
    checkpoint.save(path, model, metadata={RUN_KEY: {
        "model": "logreg", "data": "digits", "input_shape": input_shape,
        "num_classes": num_classes}})
    return path


@pytest.mark.parametrize("input_shape, num_classes, message", [
    ([100000, 100000], 3, r"input_shape' of its metadata declares 10,000,000,000 input "
                          r"features, more than the 15 weights"),
    (["4"], 3, r"input_shape' of its metadata must be a list of 1 to 3 positive ints"),
    ([4], 10 ** 9, r"num_classes' of its metadata declares 1,000,000,000 classes"),
    ([4], "3", r"num_classes' of its metadata must be a positive int"),
])
def test_evaluate_refuses_metadata_the_file_cannot_back(tmp_path, input_shape, num_classes,
                                                        message):
    from glassgrad.cli import run_folder
    path = _run_checkpoint(tmp_path / "checkpoint.npz", input_shape, num_classes)
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError, match=message):
            run_folder.evaluate_checkpoint(path, log=lambda *a: None)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2 ** 20


def test_the_evaluate_command_on_crafted_files(tmp_path, capsys):
    from glassgrad.cli import command
    crafted = _run_checkpoint(tmp_path / "checkpoint.npz", [100000, 100000])
    assert command.main(["evaluate", str(crafted)]) != 0
    assert "10,000,000,000 input features" in capsys.readouterr().err
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe.npz"
        os.mkfifo(fifo)
        assert command.main(["evaluate", str(fifo)]) != 0
        assert "not a regular file" in capsys.readouterr().err
