"""Sequence-to-sequence, per-step tagging and label-to-sequence on digit strings: three of the
course's sequence tasks, each with a score a few lines of numpy can check.

    glassgrad experiments run seq2seq --size small     # seconds: short strings, few steps
    glassgrad experiments run seq2seq --size full      # minutes: the figures in docs/sequences.md

- seq-to-seq: an LSTM encoder-decoder (glassgrad.models.Seq2Seq) reverses digit strings;
  teacher forcing in training, greedy decoding in evaluation, scored by exact match (all
  tokens right) with a 95% Wilson interval over fresh test strings.
- tagging: a causal GRU (glassgrad.models.SequenceTagger) marks each digit that is larger than
  every digit before it; per-step and whole-sequence accuracy.
- label-to-seq: an LSTM whose initial state is set by a label (glassgrad.models.
  ConditionalGenerator) learns four styles of strings (non-decreasing, non-increasing, even
  digits, odd digits); of the strings it samples for each label, the fraction with that
  label's property, against the fraction a random string would have.

The training strings are drawn afresh at every step (an endless supply, so nothing can be
memorised) and the test strings come from another seed. `train_seq2seq`, `train_tagger` and
`train_generator` are the three trainings as functions, for the docs and the tests.

- Paper: Sutskever, Vinyals & Le, "Sequence to Sequence Learning with Neural Networks",
  NeurIPS 2014 (encoder-decoder, reversal); Hochreiter & Schmidhuber, "Long Short-Term
  Memory", 1997; Cho et al., EMNLP 2014 (GRU); Kingma & Ba, "Adam", ICLR 2015.
"""
import os
import time

import numpy as np

from .. import creation
from ..data.datasets.digit_strings import (DIGITS, PATTERNS, has_pattern, pattern_strings,
                                           seq2seq_task, tagging_task)
from ..models import ConditionalGenerator, Seq2Seq, SequenceTagger
from ..nn.functional import cross_entropy
from ..optim import Adam
from ..random import manual_seed
from ..train.metrics import Score, wilson_interval
from . import register, require_matplotlib

SETTINGS = {
    "small": {"seq2seq": dict(length=4, steps=400, hidden_size=64),
              "tagger": dict(length=12, steps=200),
              "generator": dict(length=6, steps=300),
              "test_size": 500},
    "full": {"seq2seq": dict(length=6, steps=3000, hidden_size=128),
             "tagger": dict(length=20, steps=600),
             "generator": dict(length=8, steps=800),
             "test_size": 2000},
}


def _proportion(name, hits):
    hits = np.asarray(hits, dtype=bool).ravel()
    low, high = wilson_interval(int(hits.sum()), hits.size)
    return Score(name, hits.mean(), low, high, hits.size, method="wilson")


def _steps(model, loss_of_batch, steps, lr, seed):
    """Adam on fresh batches: loss_of_batch(rng) -> loss; returns the losses."""
    optimizer = Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(steps):
        loss = loss_of_batch(rng)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def _tokens(array):
    return creation.tensor(np.asarray(array), dtype="int64")


def train_seq2seq(task="reverse", length=6, steps=3000, cell="lstm", hidden_size=128,
                  batch_size=64, lr=3e-3, test_size=2000, seed=0):
    """Train a Seq2Seq on `task` ("reverse", "sort") with teacher forcing; decode the test
    strings greedily. Returns (model, {"exact_match", "token_accuracy": Score, "losses"})."""
    manual_seed(seed)
    model = Seq2Seq(DIGITS, hidden_size=hidden_size, cell=cell)

    def loss_of_batch(rng):
        source, target = seq2seq_task(task, batch_size, length, seed=rng)
        logits = model(_tokens(source), _tokens(target))
        return cross_entropy(logits.reshape(-1, DIGITS), _tokens(target.reshape(-1)))

    losses = _steps(model, loss_of_batch, steps, lr, seed)
    source, target = seq2seq_task(task, test_size, length, seed=10_000 + seed)
    model.eval()
    predicted = model.greedy(_tokens(source), length)
    return model, {"exact_match": _proportion("exact match", (predicted == target).all(1)),
                   "token_accuracy": _proportion("token accuracy", predicted == target),
                   "losses": losses}


def train_tagger(task="new_max", length=20, steps=600, cell="gru", hidden_size=64,
                 batch_size=64, lr=1e-2, test_size=2000, seed=0):
    """Train a causal SequenceTagger on `task` ("new_max", "parity"). Returns (model,
    {"step_accuracy", "sequence_accuracy": Score, "losses"})."""
    manual_seed(seed)
    model = SequenceTagger(DIGITS, 2, hidden_size=hidden_size, cell=cell)

    def loss_of_batch(rng):
        tokens, tags = tagging_task(task, batch_size, length, seed=rng)
        logits = model(_tokens(tokens))
        return cross_entropy(logits.reshape(-1, 2), _tokens(tags.reshape(-1)))

    losses = _steps(model, loss_of_batch, steps, lr, seed)
    tokens, tags = tagging_task(task, test_size, length, seed=10_000 + seed)
    model.eval()
    predicted = model(_tokens(tokens)).detach().numpy().argmax(-1)
    return model, {"step_accuracy": _proportion("step accuracy", predicted == tags),
                   "sequence_accuracy": _proportion("sequence accuracy",
                                                    (predicted == tags).all(1)),
                   "losses": losses}


def train_generator(length=8, steps=800, cell="lstm", hidden_size=64, batch_size=64, lr=1e-2,
                    samples_per_class=500, temperature=1.0, seed=0):
    """Train a ConditionalGenerator on pattern_strings, then sample `samples_per_class` strings
    per label. Returns (model, {"rates": (classes, classes) array, rates[a, b] = fraction of
    label a's samples with label b's property; "own": Score per label; "chance": the fraction
    of uniformly random strings with each property; "examples"; "losses"})."""
    manual_seed(seed)
    classes = len(PATTERNS)
    model = ConditionalGenerator(DIGITS, classes, hidden_size=hidden_size, cell=cell)

    def loss_of_batch(rng):
        strings, labels = pattern_strings(batch_size, length, seed=rng)
        logits = model(_tokens(labels), _tokens(strings))
        return cross_entropy(logits.reshape(-1, DIGITS), _tokens(strings.reshape(-1)))

    losses = _steps(model, loss_of_batch, steps, lr, seed)
    model.eval()
    from ..random import Generator
    draw = Generator(10_000 + seed)
    rates, own, examples = np.zeros((classes, classes)), [], {}
    random_strings = np.random.default_rng(seed).integers(0, DIGITS, (10_000, length))
    chance = [float(has_pattern(random_strings, b).mean()) for b in range(classes)]
    for a in range(classes):
        labels = _tokens(np.full(samples_per_class, a))
        strings = model.sample(labels, length, temperature=temperature, generator=draw)
        for b in range(classes):
            rates[a, b] = has_pattern(strings, b).mean()
        own.append(_proportion(f"{PATTERNS[a]} samples that are {PATTERNS[a]}",
                               has_pattern(strings, a)))
        examples[PATTERNS[a]] = ["".join(map(str, s)) for s in strings[:5]]
    return model, {"rates": rates, "own": own, "chance": chance, "examples": examples,
                   "losses": losses}


def _score(score):
    return {"value": score.value, "low": score.low, "high": score.high, "n": score.n}


def table(results):
    """The three tasks' scores as a Markdown table."""
    s2s, tag, gen = results["seq2seq"], results["tagger"], results["generator"]
    pct = lambda s: f"{100 * s['value']:.1f}% ({100 * s['low']:.1f}–{100 * s['high']:.1f}%)"  # noqa
    lines = ["| task | model | score (95% CI) | n |", "|---|---|---|---|",
             f"| reverse {s2s['length']} digits | LSTM encoder-decoder, greedy | exact match "
             f"{pct(s2s['exact_match'])} | {s2s['exact_match']['n']} |",
             f"| new maximum, {tag['length']} steps | causal GRU tagger | per step "
             f"{pct(tag['step_accuracy'])}, whole sequence {pct(tag['sequence_accuracy'])} | "
             f"{tag['sequence_accuracy']['n']} |"]
    for name, score, chance in zip(PATTERNS, gen["own"], gen["chance"]):
        lines.append(f"| label-to-seq: {name}, {gen['length']} digits | LSTM, label -> h0, "
                     f"sampled at T=1 | {pct(score)} have the property (chance "
                     f"{100 * chance:.1f}%) | {score['n']} |")
    return "\n".join(lines)


@register("seq2seq")
def run(size="small", out_dir=None, seed=0):
    """Seq-to-seq (reversal, exact match), causal tagging and label-to-seq on digit strings."""
    settings = SETTINGS[size]
    test_size = settings["test_size"]
    results = {"size": size, "seed": seed, "figures": []}
    start = time.perf_counter()
    _, s2s = train_seq2seq("reverse", test_size=test_size, seed=seed, **settings["seq2seq"])
    results["seq2seq"] = {"task": "reverse", "length": settings["seq2seq"]["length"],
                          "steps": settings["seq2seq"]["steps"],
                          "exact_match": _score(s2s["exact_match"]),
                          "token_accuracy": _score(s2s["token_accuracy"]),
                          "losses": s2s["losses"], "seconds": time.perf_counter() - start}
    start = time.perf_counter()
    _, tag = train_tagger("new_max", test_size=test_size, seed=seed, **settings["tagger"])
    results["tagger"] = {"task": "new_max", "length": settings["tagger"]["length"],
                         "steps": settings["tagger"]["steps"],
                         "step_accuracy": _score(tag["step_accuracy"]),
                         "sequence_accuracy": _score(tag["sequence_accuracy"]),
                         "losses": tag["losses"], "seconds": time.perf_counter() - start}
    start = time.perf_counter()
    _, gen = train_generator(seed=seed, samples_per_class=test_size // 4,
                             **settings["generator"])
    results["generator"] = {"length": settings["generator"]["length"],
                            "steps": settings["generator"]["steps"],
                            "classes": list(PATTERNS), "rates": gen["rates"].tolist(),
                            "own": [_score(s) for s in gen["own"]], "chance": gen["chance"],
                            "examples": gen["examples"], "losses": gen["losses"],
                            "seconds": time.perf_counter() - start}
    results["table"] = table(results)
    if out_dir is not None:
        results["figures"].append(_plot(results, os.path.join(out_dir, "seq2seq.png")))
    return results


def _plot(results, path):
    """Training losses of the three models, and the generator's property rates per label."""
    require_matplotlib()
    from ..train.plots import new_figure, save_figure
    figure, (left, right) = new_figure(2, width=9.5, height=3.6)
    for key, label in (("seq2seq", "encoder-decoder (reverse)"), ("tagger", "tagger (new max)"),
                       ("generator", "label-to-seq")):
        left.plot(results[key]["losses"], label=label, lw=1)
    left.set_yscale("log")
    left.set_xlabel("training step")
    left.set_ylabel("cross-entropy (nats/token)")
    left.legend()
    left.grid(alpha=0.3)
    rates = np.asarray(results["generator"]["rates"])
    image = right.imshow(rates, vmin=0, vmax=1, cmap="viridis")
    names = results["generator"]["classes"]
    right.set_xticks(range(len(names)), names, rotation=30)
    right.set_yticks(range(len(names)), names)
    right.set_xlabel("property of the sample")
    right.set_ylabel("label it was sampled for")
    for a in range(len(names)):
        for b in range(len(names)):
            right.text(b, a, f"{rates[a, b]:.2f}", ha="center", va="center",
                       color="black" if rates[a, b] > 0.5 else "white", fontsize=8)
    figure.colorbar(image, ax=right)
    right.set_title("label-to-seq: samples with each property")
    return save_figure(figure, path)


__all__ = ["SETTINGS", "run", "table", "train_generator", "train_seq2seq", "train_tagger"]
