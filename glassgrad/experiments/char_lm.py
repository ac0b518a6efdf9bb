"""Autoregressive: a character-level LSTM language model on tinyshakespeare, validation loss in
nats and bits per character with 95% intervals, and a sample.

    glassgrad experiments run char_lm --size full    # 1,500 steps, hidden 256 (~5 min, 2 cores)
    glassgrad experiments run char_lm --size small   # seconds: a tiny model, a few steps

Data: the vendored corpus (glassgrad.data.datasets.load_shakespeare), nanoGPT's 90/10 split;
the 65 characters numbered in sorted order (Vocabulary.of_characters). Model and training:
glassgrad.models.char_lm (CharLSTM, Adam on random 100-character windows with teacher
forcing). Validation: the whole 111,540-character split read as 16 contiguous streams, the
state carried, the interval a bootstrap over 256-character blocks. The checkpoint
(char_lm.npz) is what `glassgrad sample` reads.
"""
import dataclasses
import os
import time

from ..data.datasets import load_shakespeare
from ..data.text import Vocabulary
from ..models.char_lm import CharLSTM, evaluate_char_lm, sample, train_char_lm
from ..random import Generator, manual_seed
from ..train import checkpoint
from . import register

SIZES = {"full": {"steps": 1500, "hidden": 256, "embedding": 64, "val_chars": None},
         "small": {"steps": 20, "hidden": 32, "embedding": 16, "val_chars": 20_000}}
TRAINING = {"block_size": 100, "batch_size": 32, "lr": 2e-3, "max_grad_norm": 5.0}
PROMPT = "ROMEO:"


def save(path, model, vocab, metadata=None):
    """A checkpoint `glassgrad sample` can rebuild: weights, the model's config, the vocabulary.
    The model is a CharLSTM or a glassgrad.models.gpt.GPT (whose config is a GPTConfig)."""
    config = model.config() if callable(model.config) else dataclasses.asdict(model.config)
    return checkpoint.save(path, model=model, metadata={
        "kind": "char_lm", "model_class": type(model).__name__, "config": config,
        "vocabulary": vocab.to_dict(), **(metadata or {})})


def load(path):
    """(model, vocabulary, metadata) from a checkpoint that `save` wrote."""
    saved = checkpoint.read(path)
    metadata = saved["metadata"]
    if metadata.get("kind") != "char_lm":
        raise checkpoint.CheckpointError(f"{os.fspath(path)!r} is not a character-level "
                                         f"language model checkpoint (kind "
                                         f"{metadata.get('kind')!r})")
    if metadata.get("model_class") == "GPT":
        from ..models.gpt import GPT, GPTConfig
        model = GPT(GPTConfig(**metadata["config"]))
    else:
        model = CharLSTM(**metadata["config"])
    checkpoint.load(path, model=model)
    return model, Vocabulary.from_dict(metadata["vocabulary"]), metadata


def train_and_score(size="small", seed=0, log=None, steps=None):
    """Train on the training split, score on the validation split; returns
    (model, vocabulary, {"loss": Score, "bpc": Score}, history, seconds)."""
    config = SIZES[size]
    train_text, val_text = load_shakespeare()
    vocab = Vocabulary.of_characters(train_text + val_text)
    if config["val_chars"] is not None:
        val_text = val_text[:config["val_chars"]]
    manual_seed(seed)
    model = CharLSTM(len(vocab), config["embedding"], config["hidden"])
    start = time.perf_counter()
    history = train_char_lm(model, vocab.encode(list(train_text)),
                            steps or config["steps"], generator=Generator(seed), log=log,
                            **TRAINING)
    seconds = time.perf_counter() - start
    scores = evaluate_char_lm(model, vocab.encode(list(val_text)))
    return model, vocab, scores, history, seconds


@register("char_lm")
def run(size="small", out_dir=None, seed=0):
    """Character-level LSTM on tinyshakespeare: validation nats and bits/char with CIs."""
    model, vocab, scores, history, seconds = train_and_score(size, seed)
    text = sample(model, vocab, PROMPT, length=300, temperature=0.8, top_k=10,
                  generator=Generator(seed))
    results = {"size": size, "seed": seed, "steps": history["step"][-1],
               "train_loss": history["loss"][-1], "seconds": seconds,
               "steps_per_second": history["step"][-1] / seconds,
               "val_loss": scores["loss"].value,
               "val_loss_ci": [scores["loss"].low, scores["loss"].high],
               "val_bpc": scores["bpc"].value, "val_bpc_ci": [scores["bpc"].low,
                                                              scores["bpc"].high],
               "sample": text, "figures": []}
    if out_dir is not None:
        results["checkpoint"] = save(os.path.join(out_dir, "char_lm.npz"), model, vocab,
                                     {"val_loss": results["val_loss"]})
        with open(os.path.join(out_dir, "sample.txt"), "w") as f:
            f.write(text + "\n")
    return results


__all__ = ["PROMPT", "SIZES", "TRAINING", "load", "run", "save", "train_and_score"]
