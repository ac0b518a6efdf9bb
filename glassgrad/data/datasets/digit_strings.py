"""Synthetic digit-string tasks whose answers a few lines of numpy can check: the course's
sequence-to-sequence, per-step tagging and label-to-sequence exercises without any download.

    source, target = seq2seq_task("reverse", 1000, length=6, seed=0)   # target = source[::-1]
    tokens, tags = tagging_task("new_max", 1000, length=12, seed=0)   # 1 where x_t > all x_<t
    strings, labels = pattern_strings(1000, length=8, seed=0)         # 4 classes of patterns

Every string is a row of digits 0..9 (int64), so a model's vocabulary is 10 tokens (plus
whatever start token it adds itself). The same seed gives the same arrays.

- Reversal and sorting as tests of encoder-decoders: Sutskever, Vinyals & Le, "Sequence to
  Sequence Learning with Neural Networks", NeurIPS 2014 (reversing the source), and Vinyals,
  Bengio & Kudlur, "Order Matters: Sequence to sequence for sets", ICLR 2016 (sorting).
"""
import numpy as np

DIGITS = 10

SEQ2SEQ_TASKS = ("reverse", "sort")
TAGGING_TASKS = ("new_max", "parity")
# The classes of pattern_strings, by label (has_pattern checks each one's property).
PATTERNS = ("ascending", "descending", "even", "odd")


def _check(name, n, length):
    for arg, value in (("n", n), ("length", length)):
        if not isinstance(value, (int, np.integer)) or value <= 0:
            raise ValueError(f"{name}: {arg} must be a positive integer, got {value!r}")


def seq2seq_task(task, n, length, seed=0):
    """(source, target), each (n, length) digits: `target` is `source` reversed ("reverse") or
    sorted in increasing order ("sort")."""
    if task not in SEQ2SEQ_TASKS:
        raise ValueError(f"seq2seq_task: task must be one of {', '.join(SEQ2SEQ_TASKS)}, got "
                         f"{task!r}")
    _check("seq2seq_task", n, length)
    source = np.random.default_rng(seed).integers(0, DIGITS, size=(n, length))
    target = source[:, ::-1] if task == "reverse" else np.sort(source, axis=1)
    return source, np.ascontiguousarray(target)


def tagging_task(task, n, length, seed=0):
    """(tokens, tags), each (n, length): a per-step label that depends only on the steps so far
    (a causal model can get every one right).

    - "new_max": tag 1 where the digit is larger than every digit before it (the first is 1);
    - "parity": tag 1 where the number of odd digits so far is odd.
    """
    if task not in TAGGING_TASKS:
        raise ValueError(f"tagging_task: task must be one of {', '.join(TAGGING_TASKS)}, got "
                         f"{task!r}")
    _check("tagging_task", n, length)
    tokens = np.random.default_rng(seed).integers(0, DIGITS, size=(n, length))
    if task == "new_max":
        before = np.maximum.accumulate(tokens, axis=1)
        before = np.concatenate([np.full((n, 1), -1), before[:, :-1]], 1)   # max of x_<t
        tags = tokens > before
    else:
        tags = np.cumsum(tokens % 2, axis=1) % 2 == 1
    return tokens, tags.astype(np.int64)


def pattern_strings(n, length, seed=0):
    """(strings (n, length), labels (n,)): random digit strings of four classes, each with a
    property `has_pattern` checks: 0 non-decreasing, 1 non-increasing, 2 only even digits,
    3 only odd digits. Labels are balanced (0, 1, 2, 3, 0, ...), then shuffled."""
    _check("pattern_strings", n, length)
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % len(PATTERNS))
    digits = rng.integers(0, DIGITS, size=(n, length))
    strings = digits.copy()
    strings[labels == 0] = np.sort(digits[labels == 0], axis=1)
    strings[labels == 1] = np.sort(digits[labels == 1], axis=1)[:, ::-1]
    strings[labels == 2] = 2 * (digits[labels == 2] // 2)           # 0, 2, 4, 6, 8
    strings[labels == 3] = 2 * (digits[labels == 3] // 2) + 1       # 1, 3, 5, 7, 9
    return strings, labels.astype(np.int64)


def has_pattern(strings, label):
    """(n,) booleans: whether each string has class `label`'s property (see pattern_strings)."""
    strings = np.asarray(strings)
    if label == 0:
        return np.all(np.diff(strings, axis=1) >= 0, axis=1)
    if label == 1:
        return np.all(np.diff(strings, axis=1) <= 0, axis=1)
    if label in (2, 3):
        return np.all(strings % 2 == label - 2, axis=1)
    raise ValueError(f"has_pattern: label must be one of 0..{len(PATTERNS) - 1} "
                     f"({', '.join(PATTERNS)}), got {label!r}")


__all__ = ["DIGITS", "PATTERNS", "SEQ2SEQ_TASKS", "TAGGING_TASKS", "has_pattern",
           "pattern_strings", "seq2seq_task", "tagging_task"]
