"""glassgrad.data.datasets.load(name): the registry and its one-line error."""
import importlib.util

import numpy as np
import pytest

from glassgrad.data import datasets


def test_names_and_default():
    assert datasets.names() == ["co2", "digits", "fashion_mnist", "mnist", "mnist1d"]
    assert datasets.DEFAULT == "mnist1d"
    x_train, y_train, x_test, y_test = datasets.load()
    assert x_train.shape == (4000, 40) and y_test.dtype == np.int64


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"^unknown data set 'cifar10'; known: co2, digits, "
                                         r"fashion_mnist, mnist, mnist1d$"):
        datasets.load("cifar10")


def test_keyword_arguments_reach_the_loader(tmp_path):
    with pytest.raises(FileNotFoundError, match="load_mnist: no train-images"):
        datasets.load("MNIST", root=str(tmp_path))
    if importlib.util.find_spec("sklearn"):
        assert datasets.load("digits", flat=True).x_train.shape[1] == 64


def test_repr_and_datasets():
    data = datasets.load("mnist1d")
    assert repr(data).startswith("DataSplits(x_train=float32(4000, 40), y_train=int64(4000,)")
    train, test = data.datasets()
    assert len(train) == 4000 and len(test) == 1000


def test_missing_optional_packages_are_named(monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("sklearn", "statsmodels")
                        else real_find_spec(name, *a))
    with pytest.raises(ImportError, match="inside scikit-learn.*pip install scikit-learn"):
        datasets.load("digits")
    with pytest.raises(ImportError, match="ships inside statsmodels.*pip install statsmodels"):
        datasets.load("co2")
