"""tinyshakespeare: 1,115,394 characters of Shakespeare's plays, the character-level
language-modelling corpus of char-rnn (Karpathy, 2015) and nanoGPT.

Source: karpathy/char-rnn @ 6f9487a, data/tinyshakespeare/input.txt; vendored compressed
(files/tinyshakespeare.txt.xz, 364 kB, with its attribution in files/README.md) so that a fresh
install has it; nothing is downloaded. Licence: the text is public domain (the repository MIT).
Split: nanoGPT's (data/shakespeare_char/prepare.py): the first 90% of the characters train
(1,003,854), the last 10% validate (111,540).
"""
import hashlib
import lzma
import os

FILE = os.path.join(os.path.dirname(__file__), "files", "tinyshakespeare.txt.xz")
SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"
TRAIN_FRACTION = 0.9


def load_shakespeare_text():
    """The whole corpus as one string (checked against the original's SHA-256)."""
    if not os.path.exists(FILE):
        raise FileNotFoundError(f"load_shakespeare: the vendored corpus {FILE} is missing; "
                                f"reinstall glassgrad (it ships as package data)")
    with lzma.open(FILE, "rb") as f:
        raw = f.read()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SHA256:
        raise ValueError(f"load_shakespeare: {FILE} is corrupt (sha256 {digest[:12]}..., "
                         f"expected {SHA256[:12]}...)")
    return raw.decode("utf-8")


def load_shakespeare():
    """(train_text, val_text): nanoGPT's split, the first 90% of the characters and the rest.

    >>> train, val = load_shakespeare()
    >>> len(train), len(val)
    (1003854, 111540)
    """
    text = load_shakespeare_text()
    cut = int(len(text) * TRAIN_FRACTION)
    return text[:cut], text[cut:]


__all__ = ["load_shakespeare", "load_shakespeare_text"]
