"""Checkpoints: exact round trips (model, optimiser state in torch's format, scheduler,
metadata), no pickle, an atomic save that a crash midway cannot break, and clear errors for a
missing, truncated or foreign file."""
import json
import os
from pathlib import Path

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn, optim
from glassgrad.train import checkpoint
from glassgrad.train.checkpoint import CheckpointError


def make_model(seed=0):
    gg.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 2))


def train_steps(model, optimizer, steps=3, seed=1):
    g = gg.Generator(seed)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = (model(gg.randn(8, 3, generator=g)) ** 2).mean()
        loss.backward()
        optimizer.step()


def assert_same_tree(a, b, path="state"):
    """Equal structure, equal types, bit-equal arrays, equal numbers."""
    assert type(a) is type(b), f"{path}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, dict):
        assert list(a) == list(b), f"{path}: keys {list(a)} != {list(b)}"
        for key in a:
            assert_same_tree(a[key], b[key], f"{path}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_tree(x, y, f"{path}[{i}]")
    elif isinstance(a, gg.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape, path
        np.testing.assert_array_equal(a._data, b._data, err_msg=path)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype, path
        np.testing.assert_array_equal(a, b, err_msg=path)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), path
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


@pytest.mark.parametrize("make_optimizer", [
    lambda p: optim.Adam(p, lr=1e-2, betas=(0.8, 0.99), amsgrad=True),
    lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    lambda p: optim.AdamW(p, lr=3e-3),
    lambda p: optim.RMSprop(p, lr=1e-3, centered=True, momentum=0.5),
])
def test_model_and_optimizer_round_trip_exactly(tmp_path, make_optimizer):
    model = make_model()
    optimizer = make_optimizer(model.parameters())
    train_steps(model, optimizer)
    path = checkpoint.save(tmp_path / "run.npz", model, optimizer, metadata={"epoch": 3})
    assert path == str(tmp_path / "run.npz")

    fresh = make_model(seed=7)
    fresh_optimizer = make_optimizer(fresh.parameters())
    info = checkpoint.load(path, fresh, fresh_optimizer)
    assert info["metadata"] == {"epoch": 3}
    assert info["model_class"] == "Sequential"
    assert info["optimizer_class"] == type(optimizer).__name__
    assert_same_tree(dict(model.state_dict()), dict(fresh.state_dict()))
    assert_same_tree(optimizer.state_dict(), info["optimizer"])
    assert_same_tree(optimizer.state_dict(), fresh_optimizer.state_dict())

    # Training on from the loaded state gives exactly what training on would have given.
    train_steps(model, optimizer, seed=9)
    train_steps(fresh, fresh_optimizer, seed=9)
    assert_same_tree(dict(model.state_dict()), dict(fresh.state_dict()))


def test_scheduler_and_metadata_round_trip(tmp_path):
    model = make_model()
    optimizer = optim.Adam(model.parameters(), lr=0.1)
    scheduler = optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=0)
    for value in (1.0, 2.0, 3.0):
        scheduler.step(value)
    metadata = {"epoch": 12, "name": "run-α", "scores": [0.5, float("inf")], "ok": True,
                "none": None, "pair": (1, 2.5), "weights": np.arange(4, dtype=np.int16),
                "mean": gg.tensor([1.5, 2.5]), "scalar": np.float32(0.25),
                3: "an int key", "__tensor__": "a key that looks like a marker"}
    path = checkpoint.save(tmp_path / "run.npz", model, optimizer, scheduler, metadata)
    info = checkpoint.read(path)
    assert_same_tree(metadata, info["metadata"])
    assert_same_tree(scheduler.state_dict(), info["scheduler"])
    fresh = optim.lr_scheduler.ReduceLROnPlateau(optim.Adam(make_model().parameters(), lr=0.1))
    checkpoint.load(path, scheduler=fresh)
    assert fresh.best == 1.0 and fresh.num_bad_epochs == scheduler.num_bad_epochs
    assert info["versions"]["glassgrad"] == gg.__version__
    assert info["versions"]["numpy"] == np.__version__


def test_file_is_plain_npz_with_named_arrays_and_json(tmp_path):
    model = make_model()
    optimizer = optim.Adam(model.parameters())
    train_steps(model, optimizer, steps=1)
    path = checkpoint.save(tmp_path / "run.npz", model, optimizer)
    with np.load(path, allow_pickle=False) as archive:         # numpy alone can read it
        assert "model.0.weight" in archive.files
        assert "optimizer.state.0.exp_avg" in archive.files
        structure = json.loads(str(archive["__checkpoint__"]))
        np.testing.assert_array_equal(archive["model.3.bias"], model[3].bias._data)
    assert structure["format"] == "glassgrad-checkpoint" and structure["version"] == 1
    assert structure["model"]["0.weight"] == {"__tensor__": "model.0.weight"}


def test_save_refuses_what_it_cannot_store_without_pickle(tmp_path):
    with pytest.raises(TypeError, match=r"cannot store metadata.fn of type function"):
        checkpoint.save(tmp_path / "x.npz", metadata={"fn": lambda: 1})
    with pytest.raises(TypeError, match=r"an array of dtype object"):
        checkpoint.save(tmp_path / "x.npz", metadata={"a": np.array([{}, 1], dtype=object)})
    with pytest.raises(TypeError, match=r"model must have a state_dict\(\) method, got int"):
        checkpoint.save(tmp_path / "x.npz", model=3)
    assert not os.path.exists(tmp_path / "x.npz")


def test_a_crash_midway_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    model = make_model()
    path = checkpoint.save(tmp_path / "run.npz", model, metadata={"epoch": 1})
    before = Path(path).read_bytes()

    def failing_writer(f, entries):
        f.write(b"PK\x03\x04 half a zip file")            # some bytes reach the disk, then
        raise OSError("disk full")                         # the writer dies

    monkeypatch.setattr(checkpoint, "_write_npz", failing_writer)
    with gg.no_grad():
        model[0].weight._data[...] = 0.0
    with pytest.raises(OSError, match="disk full"):
        checkpoint.save(path, model, metadata={"epoch": 2})
    assert Path(path).read_bytes() == before
    assert os.listdir(tmp_path) == ["run.npz"]               # no temporary file left behind
    monkeypatch.undo()
    restored = make_model(seed=5)
    assert checkpoint.load(path, restored)["metadata"] == {"epoch": 1}
    assert_same_tree(dict(make_model().state_dict()), dict(restored.state_dict()))


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"checkpoint.load: no checkpoint at .*nope.npz"
                                                r".*file not found"):
        checkpoint.load(tmp_path / "nope.npz", make_model())


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.99])
def test_truncated_file(tmp_path, keep):
    path = checkpoint.save(tmp_path / "run.npz", make_model())
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[:int(len(data) * keep)])
    with pytest.raises(CheckpointError, match=r"run.npz' is truncated or corrupt"):
        checkpoint.load(path, make_model())


def test_corrupt_bytes_are_caught_by_the_crc(tmp_path):
    path = checkpoint.save(tmp_path / "run.npz", make_model())
    data = bytearray(Path(path).read_bytes())
    data[200] ^= 0xFF                                        # inside the first array's data
    Path(path).write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        checkpoint.read(path)


def test_foreign_files(tmp_path):
    text = tmp_path / "notes.npz"
    text.write_text("not a checkpoint at all")
    with pytest.raises(CheckpointError, match=r"notes.npz' is not a glassgrad checkpoint: not a "
                                              r"\.npz \(zip\) archive \(23 bytes, starting "
                                              r"b'not '\)"):
        checkpoint.load(text)
    plain = tmp_path / "plain.npz"
    np.savez(plain, weights=np.ones(3))
    with pytest.raises(CheckpointError, match=r"is a .npz archive but not a glassgrad checkpoint"
                                              r": it has no '__checkpoint__' entry \(entries: "
                                              r"weights\)"):
        checkpoint.load(plain)
    other = tmp_path / "other.npz"
    np.savez(other, __checkpoint__=np.array(json.dumps({"format": "keras"})))
    with pytest.raises(CheckpointError, match=r"not a glassgrad checkpoint \(format 'keras', "
                                              r"expected 'glassgrad-checkpoint'\)"):
        checkpoint.load(other)
    newer = tmp_path / "newer.npz"
    np.savez(newer, __checkpoint__=np.array(json.dumps({"format": "glassgrad-checkpoint",
                                                        "version": 99})))
    with pytest.raises(CheckpointError, match=r"written by a newer glassgrad \(checkpoint format "
                                              r"99, this glassgrad reads up to 1\)"):
        checkpoint.load(newer)
    pickled = tmp_path / "pickled.npy"
    np.save(pickled, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(CheckpointError, match="not a .npz"):
        checkpoint.load(pickled)                           # never unpickled


def test_loading_what_was_not_saved_and_mismatched_models(tmp_path):
    path = checkpoint.save(tmp_path / "run.npz", make_model())
    optimizer = optim.SGD(make_model().parameters(), lr=0.1)
    with pytest.raises(CheckpointError, match=r"holds no optimizer state \(it holds: model\)"):
        checkpoint.load(path, optimizer=optimizer)
    other = nn.Sequential(nn.Linear(3, 4))
    with pytest.raises(RuntimeError, match=r"size mismatch for 0.weight"):
        checkpoint.load(path, other)
    missing = checkpoint.load(path, nn.Sequential(nn.Linear(3, 5)), strict=False)
    assert missing["model_class"] == "Sequential"
