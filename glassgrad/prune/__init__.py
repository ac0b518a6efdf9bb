"""glassgrad.prune: torch.nn.utils.prune's API (masks kept by forward pre-hooks), real
compression (shrinking structured-pruned layers, sparse files), a sparsity report, and lottery
tickets (glassgrad.prune.lottery).

    >>> from glassgrad import nn, prune
    >>> layer = prune.l1_unstructured(nn.Linear(40, 10), "weight", amount=0.9)
    >>> prune.sparsity_report(layer)["global"]["sparsity"]
    0.9

See docs/prune.md.
"""
from .methods import (BasePruningMethod, CustomFromMask, Identity, L1Unstructured, LnStructured,
                      PruningContainer, RandomStructured, RandomUnstructured)
from .functional import (custom_from_mask, global_unstructured, identity, is_pruned,
                         l1_unstructured, ln_structured, masks, random_structured,
                         random_unstructured, remove)
from .report import format_report, sparsity_report
from .compress import (count_parameters, load_sparse, make_permanent, save_dense, save_sparse,
                       shrink)
from . import lottery

__all__ = ["BasePruningMethod", "CustomFromMask", "Identity", "L1Unstructured", "LnStructured",
           "PruningContainer", "RandomStructured", "RandomUnstructured", "count_parameters",
           "custom_from_mask", "format_report", "global_unstructured", "identity", "is_pruned",
           "l1_unstructured", "ln_structured", "load_sparse", "lottery", "make_permanent",
           "masks", "random_structured", "random_unstructured", "remove", "save_dense",
           "save_sparse", "shrink", "sparsity_report"]
