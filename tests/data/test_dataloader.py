"""DataLoader and default_collate: batches, shuffling from a seeded generator, drop_last, the
collation of arrays, numbers, tuples and dicts, and the whole-batch fast path."""
from collections import namedtuple

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data import DataLoader, Dataset, Subset, TensorDataset, default_collate


class Records(Dataset):
    """A data set of dicts, to exercise the general (per-sample) path."""

    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return {"x": np.full(2, i, dtype=np.float32), "y": i, "w": 0.5 * i, "name": f"s{i}"}

    def __len__(self):
        return self.n


def tensors(n=10):
    return np.arange(n * 2, dtype=np.float32).reshape(n, 2), np.arange(n, dtype=np.int64)


@pytest.mark.parametrize("drop_last, sizes", [(False, [4, 4, 2]), (True, [4, 4])])
def test_batches_in_order(drop_last, sizes):
    x, y = tensors()
    loader = DataLoader(TensorDataset(x, y), batch_size=4, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(sizes) and [len(b[1]) for b in batches] == sizes
    np.testing.assert_array_equal(np.concatenate([b[1]._data for b in batches]),
                                  y[:sum(sizes)])
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == np.int64


def test_shuffle_is_seeded_differs_per_epoch_and_covers_everything():
    x, y = tensors(20)
    ds = TensorDataset(x, y)
    first = DataLoader(ds, batch_size=6, shuffle=True, generator=gg.Generator(3))
    second = DataLoader(ds, batch_size=6, shuffle=True, generator=gg.Generator(3))
    epoch1 = np.concatenate([b[1]._data for b in first])
    epoch2 = np.concatenate([b[1]._data for b in first])
    assert sorted(epoch1.tolist()) == list(range(20))
    assert not np.array_equal(epoch1, epoch2)                     # a new order each epoch
    np.testing.assert_array_equal(epoch1, np.concatenate([b[1]._data for b in second]))
    # without generator=, the default generator decides, so manual_seed repeats the order
    gg.manual_seed(5)
    a = np.concatenate([b[1]._data for b in DataLoader(ds, batch_size=6, shuffle=True)])
    gg.manual_seed(5)
    b = np.concatenate([b[1]._data for b in DataLoader(ds, batch_size=6, shuffle=True)])
    np.testing.assert_array_equal(a, b)


def test_fast_path_equals_sample_by_sample_collate():
    x, y = tensors(13)
    ds = Subset(TensorDataset(x, y), np.arange(12, -1, -1))
    fast = list(DataLoader(ds, batch_size=5, shuffle=True, generator=gg.Generator(0)))
    slow = list(DataLoader(ds, batch_size=5, shuffle=True, generator=gg.Generator(0),
                           collate_fn=default_collate))
    assert len(fast) == len(slow) == 3
    for (fx, fy), (sx, sy) in zip(fast, slow):
        assert isinstance(fx, gg.Tensor) and isinstance(sx, gg.Tensor)
        np.testing.assert_array_equal(fx._data, sx._data)
        np.testing.assert_array_equal(fy._data, sy._data)


def test_collate_dicts_numbers_strings():
    batch = next(iter(DataLoader(Records(5), batch_size=3)))
    assert set(batch) == {"x", "y", "w", "name"}
    assert batch["x"].shape == (3, 2) and batch["x"].dtype == np.float32
    assert batch["y"].dtype == np.int64 and batch["y"].tolist() == [0, 1, 2]
    assert batch["w"].dtype == np.float32                 # Python floats -> float32, not float64
    assert batch["name"] == ["s0", "s1", "s2"]


def test_collate_tuples_namedtuples_and_bools():
    Pair = namedtuple("Pair", "image label")
    out = default_collate([Pair(np.zeros((1, 2)), 1), Pair(np.ones((1, 2)), 0)])
    assert isinstance(out, Pair) and out.image.shape == (2, 1, 2) and out.label.tolist() == [1, 0]
    out = default_collate([(gg.ones(2), True), (gg.zeros(2), False)])
    assert isinstance(out, list) and out[0].shape == (2, 2) and out[1].dtype == np.bool_


def test_collate_errors_name_the_problem():
    with pytest.raises(RuntimeError, match=r"same shape.*\(2,\), \(3,\)"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(TypeError, match="default_collate: samples must be.*got object"):
        default_collate([object(), object()])


def test_custom_collate_fn_and_unbatched():
    loader = DataLoader(Records(4), batch_size=2, collate_fn=lambda s: [r["y"] for r in s])
    assert list(loader) == [[0, 1], [2, 3]]
    singles = list(DataLoader(Records(3), batch_size=None))
    assert len(singles) == 3 and singles[2]["y"] == 2


def test_bad_arguments():
    with pytest.raises(ValueError, match="batch_size must be a positive integer or None, got 0"):
        DataLoader(Records(3), batch_size=0)
    with pytest.raises(ValueError, match="drop_last=True needs a batch_size"):
        DataLoader(Records(3), batch_size=None, drop_last=True)


def test_matches_torch_batches_without_shuffle():
    torch = pytest.importorskip("torch")
    x, y = tensors(11)
    ours = [b[0]._data for b in DataLoader(TensorDataset(x, y), batch_size=4)]
    theirs = [b[0].numpy() for b in torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=4)]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)
