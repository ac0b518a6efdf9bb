"""IDX files: written here with struct (gzipped and raw), read back; the errors for missing
files, corrupt headers and out-of-range labels."""
import gzip
import os
import struct

import numpy as np
import pytest

from glassgrad.data.datasets import idx, load_fashion_mnist, load_mnist, read_idx
from glassgrad.data.datasets.idx import IDX_FILES


def write_idx(path, array, type_byte=0x08, big_endian_dtype=">u1"):
    header = struct.pack(">BBBB", 0, 0, type_byte, array.ndim)
    header += struct.pack(">" + "i" * array.ndim, *array.shape)
    payload = header + array.astype(big_endian_dtype).tobytes()
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(payload)


def write_folder(folder, n_train=6, n_test=4, gz=True, labels=None):
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 256, (n_train, 5, 4)),
              "y_train": rng.integers(0, 10, n_train) if labels is None else labels,
              "x_test": rng.integers(0, 256, (n_test, 5, 4)),
              "y_test": rng.integers(0, 10, n_test)}
    for key, stem in IDX_FILES.items():
        write_idx(os.path.join(folder, stem + (".gz" if gz else "")), np.asarray(arrays[key]))
    return arrays


@pytest.mark.parametrize("gz", [True, False])
def test_folder_round_trip(tmp_path, gz):
    arrays = write_folder(str(tmp_path), gz=gz)
    x_train, y_train, x_test, y_test = load_mnist(str(tmp_path))
    assert x_train.shape == (6, 1, 5, 4) and x_train.dtype == np.float32
    np.testing.assert_allclose(x_train[:, 0] * 255, arrays["x_train"], atol=1e-4)
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    assert y_train.dtype == np.int64
    same = load_fashion_mnist(root=str(tmp_path))
    np.testing.assert_array_equal(same.x_test, x_test)


@pytest.mark.parametrize("type_byte, dtype", [(0x0B, ">i2"), (0x0C, ">i4"), (0x0D, ">f4"),
                                              (0x0E, ">f8"), (0x09, ">i1")])
def test_read_idx_types(tmp_path, type_byte, dtype):
    values = np.arange(-3, 9).reshape(3, 2, 2)
    path = str(tmp_path / "values.idx")
    write_idx(path, values, type_byte, dtype)
    out = read_idx(path)
    np.testing.assert_array_equal(out, values)
    assert out.dtype.byteorder in "=|" or out.dtype.isnative


def test_corrupt_files(tmp_path):
    path = str(tmp_path / "bad.idx")
    with open(path, "wb") as f:
        f.write(b"\x1f\x8b\x08\x00")
    with pytest.raises(ValueError, match=r"bad.idx is not an IDX file.*got first bytes "
                                         r"\[31, 139, 8, 0\]"):
        read_idx(path)
    write_idx(path, np.zeros((2, 3), np.uint8))
    with open(path, "ab") as f:
        f.write(b"\x00")
    with pytest.raises(ValueError, match=r"declares shape \(2, 3\) of \|u1 \(18 bytes with the "
                                         r"header\) but holds 19 bytes"):
        read_idx(path)


def test_missing_folder_names_folder_and_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"load_mnist: no train-images-idx3-ubyte\[.gz\] "
                                                r"in '.*'; that folder must hold the four IDX "
                                                r"files train-images-idx3-ubyte\[.gz\], "
                                                r"train-labels-idx1-ubyte\[.gz\], "
                                                r"t10k-images-idx3-ubyte\[.gz\], "
                                                r"t10k-labels-idx1-ubyte\[.gz\]$"):
        load_mnist(str(tmp_path))
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        load_fashion_mnist(root=str(tmp_path / "nowhere"))


def test_labels_out_of_range(tmp_path):
    write_folder(str(tmp_path), labels=np.array([0, 1, 2, 10, 3, 4]))
    with pytest.raises(ValueError, match=r"mnist y_train: labels must lie in \[0, 10\).*the "
                                         r"first is 10 at index \(3,\)"):
        load_mnist(str(tmp_path))
    assert load_mnist(str(tmp_path), check=False).y_train[3] == 10


def test_shape_mismatch(tmp_path):
    write_folder(str(tmp_path))
    write_idx(str(tmp_path / "t10k-labels-idx1-ubyte.gz"), np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match=r"expected test images \(N, H, W\) and labels \(N,\), "
                                         r"got shapes \(4, 5, 4\) and \(3,\)"):
        load_mnist(str(tmp_path))


@pytest.mark.skipif(not os.path.isdir(idx.FASHION_MNIST_DIR),
                    reason="Debian's dataset-fashion-mnist is not installed")
def test_installed_fashion_mnist():
    x_train, y_train, x_test, y_test = load_fashion_mnist()
    assert x_train.shape == (60000, 1, 28, 28) and x_test.shape == (10000, 1, 28, 28)
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert y_test[:5].tolist() == [9, 2, 1, 1, 6]     # the first test labels, as published
