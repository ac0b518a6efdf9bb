"""Dataset, TensorDataset, Subset, ConcatDataset, random_split: torch's behaviour, our errors."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.data import ConcatDataset, Dataset, Subset, TensorDataset, random_split


def make(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64) % 4
    return x, y


def test_tensor_dataset_items_are_tensors_sharing_rows():
    x, y = make()
    ds = TensorDataset(x, gg.tensor(y))
    assert len(ds) == 10
    xi, yi = ds[3]
    assert isinstance(xi, gg.Tensor) and isinstance(yi, gg.Tensor)
    np.testing.assert_array_equal(xi._data, x[3])
    assert yi.item() == 3 and yi.dtype == np.int64 and xi.dtype == np.float32
    assert ds[-1][1].item() == y[-1]


def test_tensor_dataset_rejects_mismatched_or_scalar_tensors():
    with pytest.raises(ValueError, match=r"same first dimension.*\(10, 3\), \(9,\)"):
        TensorDataset(np.zeros((10, 3)), np.zeros(9))
    with pytest.raises(ValueError, match="same first dimension"):
        TensorDataset(np.float32(1.0))
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()


def test_tensor_dataset_check_finite_names_the_tensor_and_index():
    x, y = make()
    x[4, 1] = np.nan
    TensorDataset(x, y)                                   # off by default: no error
    with pytest.raises(ValueError, match=r"TensorDataset tensor 0: 1 of 30 values are not "
                                         r"finite.*index \(4, 1\)"):
        TensorDataset(x, y, check_finite=True)


def test_subset_and_concat():
    x, y = make()
    ds = TensorDataset(x, y)
    sub = Subset(ds, [7, 2, 5])
    assert len(sub) == 3
    assert sub[0][1].item() == y[7] and sub[-1][1].item() == y[5]
    with pytest.raises(IndexError, match=r"Subset: indices must lie in \[0, 10\)"):
        Subset(ds, [0, 10])
    both = ds + sub
    assert isinstance(both, ConcatDataset) and len(both) == 13
    np.testing.assert_array_equal(both[11][0]._data, x[2])
    np.testing.assert_array_equal(both[-1][0]._data, x[5])
    with pytest.raises(IndexError, match="index 13 out of range for 13"):
        both[13]


def test_base_dataset_requires_getitem_and_len():
    class Squares(Dataset):
        def __getitem__(self, i):
            return i * i

        def __len__(self):
            return 4

    assert Squares()[3] == 9
    with pytest.raises(NotImplementedError, match="must define __getitem__"):
        Dataset()[0]


@pytest.mark.parametrize("lengths", [[6, 3, 1], [0.6, 0.3, 0.1]])
def test_random_split_partitions_and_is_seeded(lengths):
    ds = TensorDataset(*make())
    parts = random_split(ds, lengths, generator=gg.Generator(1))
    assert [len(p) for p in parts] == [6, 3, 1]
    every = np.concatenate([p.indices for p in parts])
    assert sorted(every.tolist()) == list(range(10))
    again = random_split(ds, lengths, generator=gg.Generator(1))
    assert all(np.array_equal(a.indices, b.indices) for a, b in zip(parts, again))
    other = random_split(ds, lengths, generator=gg.Generator(2))
    assert not all(np.array_equal(a.indices, b.indices) for a, b in zip(parts, other))


def test_random_split_fractions_hand_out_remainder_like_torch():
    torch = pytest.importorskip("torch")
    for n, fractions in [(10, [0.33, 0.33, 0.34]), (7, [0.5, 0.5]), (11, [0.1, 0.2, 0.7])]:
        ours = [len(p) for p in random_split(list(range(n)), fractions)]
        theirs = [len(p) for p in torch.utils.data.random_split(list(range(n)), fractions)]
        assert ours == theirs


def test_random_split_bad_lengths():
    ds = list(range(10))
    with pytest.raises(ValueError, match=r"lengths \[5, 4\] sum to 9, but the data set has 10"):
        random_split(ds, [5, 4])
    with pytest.raises(ValueError, match="fractions must be non-negative and sum to 1"):
        random_split(ds, [0.5, 0.2])
