"""Data: data sets and loaders (PyTorch's names), splits for honest validation (including
walk-forward for time series), leakage guards, augmentation, and offline data sets.

    from glassgrad.data import DataLoader, TensorDataset, datasets
    x_train, y_train, x_test, y_test = datasets.load("mnist1d")
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=64, shuffle=True)
"""
from . import datasets, transforms
from .checks import check_finite, check_labels
from .dataloader import DataLoader, default_collate
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .leakage import LeakageReport, check_leakage
from .scalers import MinMaxScale, SplitArray, Standardize, flag_split, split_of
from .splits import (SplitIndices, WalkForward, check_walk_forward, kfold_indices,
                     train_val_test_split, walk_forward)

__all__ = ["ConcatDataset", "DataLoader", "Dataset", "LeakageReport", "MinMaxScale",
           "SplitArray", "SplitIndices", "Standardize", "Subset", "TensorDataset",
           "WalkForward", "check_finite", "check_labels", "check_leakage", "check_walk_forward",
           "datasets", "default_collate", "flag_split", "kfold_indices", "random_split",
           "split_of", "train_val_test_split", "transforms", "walk_forward"]
