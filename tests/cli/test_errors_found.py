"""The errors found by trying glassgrad as a new user would (issue 11): each is one line that
names what was wrong and what to do, before any training starts."""
import os

import numpy as np
import pytest

from glassgrad import cli
from glassgrad.cli import builders

from cli_harness import one_error_line, read_json, train


def npz(path, **changes):
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.normal(size=(60, 5)).astype(np.float32),
              "y_train": rng.integers(0, 2, 60), "x_test": rng.normal(size=(20, 5)),
              "y_test": rng.integers(0, 2, 20)}
    arrays.update(changes)
    with open(path, "wb") as f:              # np.savez(name) would add ".npz" to "X.NPZ"
        np.savez(f, **arrays)
    return str(path)


def failed_before_training(capsys, out):
    printed = capsys.readouterr()
    line = one_error_line(printed.err, "glassgrad train")
    assert "epoch" not in printed.out and not os.path.exists(out)
    return line


def test_string_labels(tmp_path, capsys):
    path = npz(tmp_path / "strings.npz", y_train=np.array(["cat", "dog"] * 30))
    assert train(tmp_path / "r", data=path) == 1
    line = failed_before_training(capsys, tmp_path / "r")
    assert "y_train holds strings (dtype <U3), not class indices" in line
    assert "np.unique(y_train, return_inverse=True)" in line
    assert "UFuncTypeError" not in line


def test_negative_seed_is_a_usage_error_naming_the_option(tmp_path, capsys):
    for prog, command in (("glassgrad train", ["train", "--out", str(tmp_path / "r")]),
                          ("glassgrad demo", ["demo"]),
                          ("glassgrad experiments run", ["experiments", "run",
                                                         "initialisation"])):
        assert cli.main([*command, "--seed", "-5"]) == 2
        line = one_error_line(capsys.readouterr().err, prog)
        assert "--seed must be 0 or more, got -5" in line
    assert cli.main(["train", "--seed", "x"]) == 2
    assert "--seed expects a whole number, got 'x'" in capsys.readouterr().err


def test_a_text_file_named_npz_never_suggests_pickle(tmp_path, capsys):
    path = tmp_path / "notes.npz"
    path.write_text("x_train,y_train\n1,2\n")
    assert train(tmp_path / "r", data=str(path)) == 1
    line = failed_before_training(capsys, tmp_path / "r")
    assert f"{str(path)!r} is not a valid .npz file (not a zip archive: it starts with " \
           "b'x_tr')" in line
    assert "pickle" not in line


def test_an_object_array_is_refused_without_suggesting_allow_pickle(tmp_path, capsys):
    path = npz(tmp_path / "objects.npz", y_train=np.array([1, "a"] * 30, dtype=object))
    assert train(tmp_path / "r", data=path) == 1
    line = failed_before_training(capsys, tmp_path / "r")
    assert "holds an array of Python objects" in line and "never unpickles" in line
    assert "allow_pickle" not in line


def test_one_hot_labels_are_refused_before_training(tmp_path, capsys):
    labels = np.eye(2, dtype=np.int64)[np.arange(60) % 2]
    assert train(tmp_path / "r", data=npz(tmp_path / "onehot.npz", y_train=labels)) == 1
    line = failed_before_training(capsys, tmp_path / "r")
    assert "y_train has shape (60, 2), but labels are one class index per sample, shape " \
           "(N,); for one-hot rows use y_train.argmax(axis=1)" in line


def test_a_stray_label_warns_with_the_counts(tmp_path, capsys):
    labels = np.arange(60) % 2
    labels[5] = 7                                     # one typo in a binary task
    path = npz(tmp_path / "stray.npz", y_train=labels)
    assert train(tmp_path / "r", data=path, epochs="1") == 0
    printed = capsys.readouterr()
    warning = one_error_line(printed.err.replace("warning:", "error:"), "glassgrad train")
    assert "the largest training label is 7, so there are 8 classes, but 5 of them have " \
           "(almost) no samples (samples per class: 0: 30, 1: 29, 7: 1; none of 2, 3, 4, 5, " \
           "6)" in warning
    assert "set num_classes in the file" in warning
    assert "8 classes" in printed.out
    # A stray label among many: 1 sample of 7 against 300 of each other class.
    many = np.arange(600) % 2
    many[5] = 7
    rng = np.random.default_rng(0)
    big = npz(tmp_path / "big.npz", x_train=rng.normal(size=(600, 5)).astype(np.float32),
              y_train=many)
    with pytest.warns(builders.DataWarning, match=r"6 of them have \(almost\) no samples "
                                                  r"\(samples per class: 0: 300, 1: 299, 7: 1;"):
        builders.load_data(big)
    # Small random labels (a class with one sample of fifty), balanced ones: no warning.
    small = np.array([7] + [c for c in range(10) for _ in range(5)][:49])
    assert train(tmp_path / "r3", data=npz(tmp_path / "small.npz",
                                           x_train=rng.normal(size=(50, 5)).astype(np.float32),
                                           y_train=small), epochs="1") == 0
    assert "warning" not in capsys.readouterr().err
    assert train(tmp_path / "r2", data=npz(tmp_path / "ok.npz"), epochs="1") == 0
    assert capsys.readouterr().err == ""
    with pytest.warns(builders.DataWarning, match="8 classes"):
        builders.load_data(path)


def test_the_nan_hint_names_the_option_of_each_interface(tmp_path, capsys):
    huge = np.full((60, 5), 3e38, np.float32)
    assert train(tmp_path / "r", data=npz(tmp_path / "huge.npz", x_train=huge)) == 1
    line = one_error_line(capsys.readouterr().err, "glassgrad train")
    assert "the loss is nan" in line or "the loss is inf" in line
    assert "fit's max_grad_norm=..., or --max-grad-norm on the glassgrad command line" in line


def test_max_grad_norm_clips_and_is_recorded(tmp_path, capsys):
    out = tmp_path / "r"
    assert train(out, "--max-grad-norm", "0.5", epochs="2") == 0
    printed = capsys.readouterr().out
    assert "gradients clipped to norm 0.5" in printed
    metrics = read_json(out / "metrics.json")
    assert metrics["args"]["max_grad_norm"] == 0.5
    assert len(metrics["history"]["grad_norm"]) == 2
    assert all(norm > 0 for norm in metrics["history"]["grad_norm"])
    plain = tmp_path / "plain"
    assert train(plain, epochs="2") == 0
    assert read_json(plain / "metrics.json")["history"]["loss"] != metrics["history"]["loss"]
    assert cli.main(["train", "--max-grad-norm", "0"]) == 2
    assert "--max-grad-norm must be greater than 0" in capsys.readouterr().err


def test_npz_in_capitals_is_a_file(tmp_path, capsys):
    path = npz(tmp_path / "DATA.NPZ")
    assert builders.is_file(path) and builders.is_file("x.Npz")
    assert train(tmp_path / "r", data=path, epochs="1") == 0
    assert cli.main(["train", "--data", str(tmp_path / "MISSING.NPZ")]) == 2
    assert "no such file" in one_error_line(capsys.readouterr().err, "glassgrad train")


def write_idx_folder(folder, n_train=40, n_test=10):
    """Four small IDX files laid out as Fashion-MNIST's (uint8 images 6x6, labels 0-9)."""
    import struct
    from glassgrad.data.datasets.idx import IDX_FILES
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 256, (n_train, 6, 6)),
              "y_train": np.arange(n_train) % 10, "x_test": rng.integers(0, 256, (n_test, 6, 6)),
              "y_test": np.arange(n_test) % 10}
    os.makedirs(folder)
    for key, stem in IDX_FILES.items():
        array = arrays[key]
        header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
        header += struct.pack(">" + "i" * array.ndim, *array.shape)
        with open(os.path.join(folder, stem), "wb") as f:
            f.write(header + array.astype(">u1").tobytes())
    return str(folder)


def test_data_dir_reads_fashion_mnist_from_any_folder(tmp_path, capsys):
    folder = write_idx_folder(tmp_path / "fashion")
    out = tmp_path / "r"
    assert cli.main(["train", "--data", "fashion-mnist", "--data-dir", folder, "--model", "mlp",
                     "--epochs", "1", "--no-progress", "--out", str(out)]) == 0
    assert "40 training / 10 test samples of shape (1, 6, 6)" in capsys.readouterr().out
    assert read_json(out / "metrics.json")["args"]["data_dir"] == folder
    assert cli.main(["evaluate", str(out)]) == 0       # the checkpoint remembers the folder
    assert builders.load_data("fashion-mnist", data_dir=folder).x_train.shape == (40, 1, 6, 6)

    assert cli.main(["train", "--data", "digits", "--data-dir", folder]) == 2
    assert "--data-dir is the folder of fashion-mnist's IDX files; --data digits does not " \
           "read one" in one_error_line(capsys.readouterr().err, "glassgrad train")
    assert cli.main(["train", "--data", "fashion-mnist", "--data-dir",
                     str(tmp_path / "nowhere")]) == 2
    assert "no such folder" in one_error_line(capsys.readouterr().err, "glassgrad train")


def test_evaluate_data_dir_finds_the_files_where_they_are_now(tmp_path, capsys):
    folder = write_idx_folder(tmp_path / "fashion")
    out = tmp_path / "r"
    assert cli.main(["train", "--data", "fashion-mnist", "--data-dir", folder, "--model",
                     "logreg", "--epochs", "1", "--no-progress", "--out", str(out)]) == 0
    moved = str(tmp_path / "moved")
    os.rename(folder, moved)
    capsys.readouterr()
    assert cli.main(["evaluate", str(out)]) == 1          # the folder it was trained from
    assert "no train-images-idx3-ubyte" in one_error_line(capsys.readouterr().err,
                                                          "glassgrad evaluate")
    assert cli.main(["evaluate", str(out), "--data-dir", moved]) == 0
    printed = capsys.readouterr().out
    assert "(10 test samples)" in printed and "the same as the test accuracy saved" in printed

    assert cli.main(["evaluate", str(out), "--data", "digits", "--data-dir", moved]) == 2
    assert "--data digits does not read one" in one_error_line(capsys.readouterr().err,
                                                               "glassgrad evaluate")
    assert cli.main(["evaluate", str(out), "--data-dir", str(tmp_path / "nowhere")]) == 2
    assert "no such folder" in one_error_line(capsys.readouterr().err, "glassgrad evaluate")
