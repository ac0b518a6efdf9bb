"""`glassgrad train --data shakespeare|rotten-tomatoes --model lstm|gru|rnn`: the text tasks,
which read strings rather than fixed-shape arrays, so they have their own small path.

    glassgrad train --data shakespeare --model lstm --out runs/shakespeare   # char-level LM
    glassgrad sample runs/shakespeare --prompt "ROMEO:"
    glassgrad train --data shakespeare --model gpt --out runs/gpt           # nanoGPT's CPU run
    glassgrad train --data rotten-tomatoes --model gru                       # sentiment

shakespeare: glassgrad.models.char_lm's CharLSTM (hidden 256) trained with teacher forcing on
random 100-character windows; an epoch is as many windows of 32 x 100 characters as cover the
training split once (313 steps); prints the validation loss in nats and bits per character
with 95% CIs and a sample. rotten-tomatoes: glassgrad.experiments.text_classification's model
(Embedding, packed recurrent layer, max pooling); prints the test accuracy with its 95% CI.
Either writes checkpoint.npz and metrics.json into the run folder.
"""
import json
import os
import time

from ..random import Generator, manual_seed

TEXT_DATASETS = ("shakespeare", "rotten-tomatoes")
TEXT_MODELS = {"shakespeare": ("lstm", "gpt"), "rotten-tomatoes": ("lstm", "gru", "rnn")}
DEFAULTS = {"shakespeare": {"epochs": 5, "lr": 2e-3, "batch_size": 32},
            "rotten-tomatoes": {"epochs": 6, "lr": 3e-3, "batch_size": 64}}
# Options of the array data sets that these do not take.
UNUSED = ("optimizer", "val_fraction", "no_shuffle", "resume", "data_dir", "max_grad_norm")


def key(data):
    """The text data set named by a --data value, or None."""
    name = str(data).lower().replace("_", "-")
    return name if name in TEXT_DATASETS else None


def check(prog, data, args, usage_error):
    name = key(data)
    model = args.model or TEXT_MODELS[name][0]
    if model not in TEXT_MODELS[name]:
        raise usage_error(prog, f"--data {name} trains --model "
                                f"{' or '.join(TEXT_MODELS[name])}, got --model {model}")
    given = [o for o in UNUSED if getattr(args, o, None) not in (None, False)]
    if given:
        raise usage_error(prog, f"--data {name} does not take "
                                f"{', '.join('--' + o.replace('_', '-') for o in given)}")
    return name, model


def train(name, model_name, epochs=None, lr=None, batch_size=None, seed=0, out=None,
          log=print):
    """Train, print the scores, write out/checkpoint.npz and out/metrics.json; returns them."""
    settings = DEFAULTS[name]
    gpt = model_name == "gpt"           # its defaults are nanoGPT's: see _shakespeare_gpt
    epochs = epochs or (None if gpt else settings["epochs"])
    lr = lr or (None if gpt else settings["lr"])
    batch_size = batch_size or (None if gpt else settings["batch_size"])
    out = out or os.path.join("runs", f"{name}-{model_name}-{time.strftime('%Y%m%d-%H%M%S')}")
    os.makedirs(out, exist_ok=True)
    start = time.perf_counter()
    if name == "shakespeare" and model_name == "gpt":
        results = _shakespeare_gpt(epochs, lr, batch_size, seed, out, log)
        epochs, lr, batch_size = results.pop("epochs"), results.pop("lr"), \
            results.pop("batch_size")
    elif name == "shakespeare":
        results = _shakespeare(epochs, lr, batch_size, seed, out, log)
    else:
        results = _rotten_tomatoes(model_name, epochs, lr, batch_size, seed, out, log)
    results.update({"data": name, "model": model_name, "epochs": epochs, "lr": lr,
                    "batch_size": batch_size, "seed": seed,
                    "seconds": time.perf_counter() - start})
    with open(os.path.join(out, "metrics.json"), "w") as f:
        json.dump(results, f, indent=1)
    log(f"wrote {os.path.join(out, 'checkpoint.npz')} and metrics.json")
    return results


def _shakespeare(epochs, lr, batch_size, seed, out, log):
    from ..data.datasets import load_shakespeare
    from ..data.text import Vocabulary
    from ..experiments.char_lm import PROMPT, TRAINING, save
    from ..models.char_lm import CharLSTM, evaluate_char_lm, sample, train_char_lm
    train_text, val_text = load_shakespeare()
    vocab = Vocabulary.of_characters(train_text + val_text)
    block = TRAINING["block_size"]
    steps = epochs * max(1, len(train_text) // (block * batch_size))
    manual_seed(seed)
    model = CharLSTM(len(vocab))
    log(f"CharLSTM ({sum(p.numel() for p in model.parameters()):,} parameters), {steps} steps "
        f"of {batch_size} windows x {block} characters")
    train_char_lm(model, vocab.encode(list(train_text)), steps, block, batch_size, lr,
                  TRAINING["max_grad_norm"], Generator(seed), log,
                  log_every=max(1, steps // 10))
    scores = evaluate_char_lm(model, vocab.encode(list(val_text)))
    log(f"validation loss {scores['loss']} nats/char, {scores['bpc']} bits/char")
    text = sample(model, vocab, PROMPT, 200, 0.8, 10, Generator(seed))
    log(text)
    save(os.path.join(out, "checkpoint.npz"), model, vocab,
         {"val_loss": scores["loss"].value, "val_bpc": scores["bpc"].value})
    return {"steps": steps, "val_loss": scores["loss"].to_dict(),
            "val_bpc": scores["bpc"].to_dict(), "sample": text}


def _shakespeare_gpt(epochs, lr, batch_size, seed, out, log, config=None, steps=None,
                     val_chars=None):
    """nanoGPT's CPU run (glassgrad.models.gpt): 2,000 iterations of 12 windows x 64 characters
    unless --epochs is given (an epoch: as many windows as cover the training split once,
    1,307 steps at batch 12); AdamW lr 1e-3 (or --lr) with warm-up and cosine decay to lr/10.
    `config`, `steps` and `val_chars` shrink it (the tests)."""
    from ..data.datasets import load_shakespeare
    from ..data.text import Vocabulary
    from ..experiments.char_lm import PROMPT, save
    from ..models.gpt import GPT, GPT_CPU_TRAINING, GPTConfig, evaluate_gpt, generate, train_gpt
    train_text, val_text = load_shakespeare()
    vocab = Vocabulary.of_characters(train_text + val_text)
    val_text = val_text[:val_chars] if val_chars else val_text
    manual_seed(seed)
    model = GPT(GPTConfig(vocab_size=len(vocab), **(config or {})))
    batch_size = batch_size or GPT_CPU_TRAINING["batch_size"]
    lr = lr or GPT_CPU_TRAINING["learning_rate"]
    block = model.config.block_size
    if steps is None:
        steps = epochs * max(1, len(train_text) // (block * batch_size)) if epochs else \
            GPT_CPU_TRAINING["max_iters"]
    log(f"GPT ({model.num_parameters():,} parameters without position embeddings), {steps} "
        f"steps of {batch_size} windows x {block} characters")
    warmup = min(GPT_CPU_TRAINING["warmup_iters"], max(steps // 20, 1))
    train_gpt(model, vocab.encode(list(train_text)), generator=Generator(seed), log=log,
              log_every=max(1, steps // 10), max_iters=steps, batch_size=batch_size,
              learning_rate=lr, min_lr=lr / 10, lr_decay_iters=steps, warmup_iters=warmup)
    scores = evaluate_gpt(model, vocab.encode(list(val_text)))
    log(f"validation loss {scores['loss']} nats/char, {scores['bpc']} bits/char")
    text = generate(model, vocab, PROMPT, 200, 0.8, 40, Generator(seed))
    log(text)
    save(os.path.join(out, "checkpoint.npz"), model, vocab,
         {"val_loss": scores["loss"].value, "val_bpc": scores["bpc"].value})
    return {"steps": steps, "val_loss": scores["loss"].to_dict(),
            "val_bpc": scores["bpc"].to_dict(), "sample": text, "epochs": epochs, "lr": lr,
            "batch_size": batch_size}


def _rotten_tomatoes(model_name, epochs, lr, batch_size, seed, out, log):
    from ..data import DataLoader, TensorDataset
    from ..experiments.text_classification import prepare
    from ..models.text_classifier import RNNTextClassifier
    from ..nn import CrossEntropyLoss
    from ..optim import Adam
    from ..train import BestCheckpoint, checkpoint, evaluate, fit
    vocab, data = prepare(seed=seed)
    manual_seed(seed)
    model = RNNTextClassifier(len(vocab), 64, 64, 2, cell=model_name, pool="max", dropout=0.3)
    loader = DataLoader(TensorDataset(*data["train"]), batch_size=batch_size, shuffle=True,
                        generator=Generator(seed))
    fit(model, loader, CrossEntropyLoss(), Adam(model.parameters(), lr=lr), epochs,
        val_loader=DataLoader(TensorDataset(*data["val"]), batch_size=512),
        metrics=["accuracy"], callbacks=[BestCheckpoint(monitor="val_accuracy")], verbose=2,
        log=log)
    score = evaluate(model, DataLoader(TensorDataset(*data["test"]), batch_size=512),
                     ["accuracy"], verbose=0)["accuracy"]
    log(f"test accuracy {score}")
    checkpoint.save(os.path.join(out, "checkpoint.npz"), model=model, metadata={
        "kind": "text_classifier", "cell": model_name, "vocabulary": vocab.to_dict(),
        "test_accuracy": score.value})
    return {"test_accuracy": score.to_dict(), "vocabulary": len(vocab)}


__all__ = ["DEFAULTS", "TEXT_DATASETS", "TEXT_MODELS", "check", "key", "train"]
