"""save_safetensors / load_safetensors: a glassgrad model's weights go to PyTorch and back
through a .safetensors file, and the outputs agree both ways."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.train import CheckpointError, load_safetensors, save_safetensors

pytest.importorskip("safetensors")


def glassgrad_model():
    gg.manual_seed(0)
    return nn.Sequential(nn.Conv1d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 14, 8),
                         nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 3))


def test_round_trip_through_torch(tmp_path):
    torch = pytest.importorskip("torch")
    import safetensors.torch
    ours = glassgrad_model()
    ours.train()
    x = np.random.default_rng(0).normal(size=(5, 1, 16)).astype(np.float32)
    ours(gg.tensor(x))                        # batch norm's running statistics move
    ours.eval()
    path = save_safetensors(ours, tmp_path / "ours.safetensors")

    theirs = torch.nn.Sequential(torch.nn.Conv1d(1, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                                 torch.nn.Linear(4 * 14, 8), torch.nn.BatchNorm1d(8),
                                 torch.nn.Tanh(), torch.nn.Linear(8, 3))
    theirs.load_state_dict(safetensors.torch.load_file(path))       # same names, same shapes
    theirs.eval()
    with torch.no_grad(), gg.no_grad():
        np.testing.assert_allclose(theirs(torch.from_numpy(x)).numpy(),
                                   ours(gg.tensor(x))._data, rtol=1e-5, atol=1e-6)

    with torch.no_grad():                     # torch changes the weights, then saves them
        for parameter in theirs.parameters():
            parameter.mul_(0.5).add_(0.1)
    safetensors.torch.save_file(theirs.state_dict(), tmp_path / "theirs.safetensors")
    back = glassgrad_model()
    back.eval()
    arrays = load_safetensors(tmp_path / "theirs.safetensors", back)
    assert set(arrays) == set(back.state_dict())
    with torch.no_grad(), gg.no_grad():
        np.testing.assert_allclose(back(gg.tensor(x))._data,
                                   theirs(torch.from_numpy(x)).numpy(), rtol=1e-5, atol=1e-6)
    assert back[3].weight._data.dtype == np.float32
    assert back[4].num_batches_tracked._data == 1


def test_state_dicts_metadata_and_errors(tmp_path):
    model = glassgrad_model()
    path = save_safetensors(model.state_dict(), tmp_path / "w.safetensors",
                            metadata={"epoch": "3"})
    arrays = load_safetensors(path)
    for name, value in model.state_dict().items():
        assert np.array_equal(arrays[name], value._data), name
    import safetensors
    with safetensors.safe_open(path, "np") as f:
        assert f.metadata() == {"epoch": "3"}
    with pytest.raises(TypeError, match="metadata must map strings to strings"):
        save_safetensors(model, tmp_path / "m.safetensors", metadata={"epoch": 3})
    with pytest.raises(TypeError, match="expected a Module or a state_dict"):
        save_safetensors([1, 2], tmp_path / "l.safetensors")
    with pytest.raises(FileNotFoundError, match="no checkpoint at .*no file at that path"):
        load_safetensors(tmp_path / "missing.safetensors")
    (tmp_path / "text.safetensors").write_text("not weights")
    with pytest.raises(CheckpointError, match="is not a valid .safetensors file"):
        load_safetensors(tmp_path / "text.safetensors")
    other = nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match="Unexpected key"):
        load_safetensors(path, other)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_without_the_package_the_error_names_the_install(tmp_path, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match=r"needs the safetensors package, an optional extra: "
                                          r"pip install safetensors"):
        save_safetensors(glassgrad_model(), tmp_path / "w.safetensors")
