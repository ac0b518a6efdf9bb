"""Training loops for KG embeddings: 1-N (LCWA), 1-vs-all, and negative sampling (sLCWA).

- lcwa: each unique (h, r) of the training triples is one example whose labels are all its
  true tails (the local closed-world assumption); the model scores every entity at once.
  Paper: Dettmers, Minervini, Stenetorp & Riedel, "Convolutional 2D Knowledge Graph
  Embeddings", AAAI 2018 (1-N scoring).
- 1vsall: each triple is one example, cross-entropy over all entities with its tail as the
  class (Lacroix et al. 2018; Ruffinelli et al., "You CAN Teach an Old Dog New Tricks!", ICLR
  2020).
- slcwa: each triple against `num_negatives` corrupted copies (NegativeSampler).

With `inverse=True` (the model must have been made with inverse=True) every (h, r, t) also
trains (t, r⁻¹, h), so head prediction is tail prediction with the inverse relation.
"""
import time

import numpy as np

from .. import optim
from ..creation import tensor
from ..nn import functional as F
from .losses import LCWA_LOSSES, SLCWA_LOSSES
from .regularizers import REGULARIZERS
from .sampling import NegativeSampler
from .triples import add_inverse_triples, check_triples

OPTIMIZERS = {"adam": optim.Adam, "adagrad": optim.Adagrad, "sgd": optim.SGD}


def lcwa_instances(triples, num_relations_total):
    """Unique (h, r) pairs and, per pair, its true tails as (pair index, tail) positions."""
    keys = triples[:, 0] * num_relations_total + triples[:, 1]
    unique, inverse = np.unique(keys, return_inverse=True)
    pairs = np.stack([unique // num_relations_total, unique % num_relations_total], axis=1)
    return pairs, inverse.reshape(-1), triples[:, 2]


def _labels(batch_rows, pair_of_triple, tail_of_triple, order, starts, num_entities):
    """Dense (B, N) 0/1 labels of the pairs `batch_rows`, from triples sorted by pair."""
    labels = np.zeros((len(batch_rows), num_entities), dtype=np.float32)
    counts = starts[batch_rows + 1] - starts[batch_rows]
    rows = np.repeat(np.arange(len(batch_rows)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    labels[rows, tail_of_triple[order[np.repeat(starts[batch_rows], counts) + offsets]]] = 1.0
    return labels


def train(model, triples, mode="lcwa", loss="ce", epochs=100, batch_size=256, lr=0.01,
          optimizer="adam", regularizer=None, regularizer_weight=0.0, label_smoothing=0.0,
          num_negatives=1, sampler="uniform", margin=1.0, seed=0, log=None, callback=None):
    """Train `model` on `triples` ((n, 3) ids); returns the list of mean losses per epoch.

    Args:
        mode: 'lcwa', '1vsall' or 'slcwa'. loss: 'ce' or 'bce' (lcwa/1vsall), 'margin',
            'softplus' or 'bce' (slcwa). regularizer: None, 'n3' or 'l2' with its weight.
        optimizer: 'adam', 'adagrad' or 'sgd' with `lr`. seed: batch order and negatives.
        log: called with one line per epoch. callback(epoch, model): e.g. early stopping;
            returning True stops.
    """
    if mode not in ("lcwa", "1vsall", "slcwa"):
        raise ValueError(f"kg.train: mode must be 'lcwa', '1vsall' or 'slcwa', got {mode!r}")
    losses = SLCWA_LOSSES if mode == "slcwa" else LCWA_LOSSES
    if loss not in losses:
        raise ValueError(f"kg.train: loss {loss!r} does not fit mode {mode!r}; expected one of "
                         f"{', '.join(losses)}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"kg.train: unknown optimizer {optimizer!r}; expected one of "
                         f"{', '.join(OPTIMIZERS)}")
    if regularizer is not None and regularizer not in REGULARIZERS:
        raise ValueError(f"kg.train: unknown regularizer {regularizer!r}; expected one of "
                         f"{', '.join(REGULARIZERS)} or None")
    triples = check_triples(triples, model.num_entities, model.num_relations, "kg.train")
    if len(triples) == 0:
        raise ValueError("kg.train: no training triples")
    if model.inverse:
        triples = add_inverse_triples(triples, model.num_relations)
    rng = np.random.default_rng(seed)
    opt = OPTIMIZERS[optimizer](model.parameters(), lr=lr)
    loss_fn = losses[loss]
    regularize = REGULARIZERS[regularizer] if regularizer else None
    n_rel = model.relation.weight.shape[0]

    if mode == "lcwa":
        pairs, pair_of_triple, tail_of_triple = lcwa_instances(triples, n_rel)
        order = np.argsort(pair_of_triple, kind="stable")
        starts = np.concatenate([[0], np.cumsum(np.bincount(pair_of_triple,
                                                            minlength=len(pairs)))])
        examples = len(pairs)
    else:
        examples = len(triples)
    negatives = (NegativeSampler(triples, model.num_entities, n_rel, num_negatives, sampler, rng)
                 if mode == "slcwa" else None)

    history = []
    for epoch in range(1, epochs + 1):
        start_time, total = time.perf_counter(), 0.0
        permutation = rng.permutation(examples)
        for start in range(0, examples, batch_size):
            rows = permutation[start:start + batch_size]
            opt.zero_grad()
            if mode == "slcwa":
                positive = triples[rows]
                negative = negatives.sample(positive)
                h, r, t = (model.entities(positive[:, 0]), model.relations(positive[:, 1]),
                           model.entities(positive[:, 2]))
                pos = model.interaction(h, r, t)
                neg = model.score_hrt(negative.reshape(-1, 3)).reshape(len(rows), -1)
                value = (loss_fn(pos, neg, margin) if loss == "margin" else loss_fn(pos, neg))
                factors = [h, r, t]
            else:
                if mode == "lcwa":
                    h_ids, r_ids = pairs[rows, 0], pairs[rows, 1]
                else:
                    h_ids, r_ids = triples[rows, 0], triples[rows, 1]
                h, r = model.entities(h_ids), model.relations(r_ids)
                scores = model.all_tails(h, r)
                factors = [h, r]
                if mode == "1vsall" and loss == "ce":
                    value = F.cross_entropy(scores, tensor(triples[rows, 2]))
                    factors.append(model.entities(triples[rows, 2]))
                else:
                    if mode == "lcwa":
                        labels = _labels(rows, pair_of_triple, tail_of_triple, order, starts,
                                         model.num_entities)
                    else:
                        labels = np.zeros((len(rows), model.num_entities), dtype=np.float32)
                        labels[np.arange(len(rows)), triples[rows, 2]] = 1.0
                    labels = tensor(labels)
                    value = (loss_fn(scores, labels, label_smoothing) if loss == "bce"
                             else loss_fn(scores, labels))
            if regularize is not None and regularizer_weight:
                if type(model).__name__ == "RotatE":
                    factors = [factors[0]] + factors[2:]    # phases have modulus 1 already
                value = value + regularize(factors, regularizer_weight, model.complex_valued)
            value.backward()
            opt.step()
            total += value.item() * len(rows)
        history.append(total / examples)
        if not np.isfinite(history[-1]):
            raise FloatingPointError(f"kg.train: the loss became {history[-1]} at epoch {epoch}; "
                                     "lower the learning rate")
        if log is not None:
            log(f"epoch {epoch:4d}/{epochs}  loss {history[-1]:.5f}  "
                f"({time.perf_counter() - start_time:.2f} s)")
        if callback is not None and callback(epoch, model):
            break
    return history


__all__ = ["OPTIMIZERS", "lcwa_instances", "train"]
