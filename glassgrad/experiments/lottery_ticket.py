"""Lottery tickets on MNIST-1D: IMP finds sparse MLPs that train better than the dense one.

    glassgrad experiments run lottery_ticket --size full    # hidden 500, 3 seeds (docs/why.md)
    glassgrad experiments run lottery_ticket --size small   # hidden 100, 1 seed (seconds, CI)

Iterative magnitude pruning (glassgrad.prune.lottery): train, prune a share of each layer's
surviving parameters by magnitude (weights and bias ranked together, every layer at the same
rate, as the notebook masks each layer's whole parameter vector), reset the survivors to their
initial values, train again; at each round the two controls train too: the same masks with a
fresh initialisation ("reinit") and random masks of the same per-layer sparsity with the
ticket's initial values ("random pruning"). Test accuracy is read at the end of each training
(the notebook's last evaluation, step 1,501), with the test curve every 100 steps kept.
- Paper: Frankle & Carbin, "The Lottery Ticket Hypothesis", ICLR 2019; the MNIST-1D setting of
  Greydanus & Kobak, "Scaling Down Deep Learning with MNIST-1D", ICML 2024 (greydanus/mnist1d,
  notebooks/5. lottery_tickets.ipynb): an MLP 40-500-500-10 whose second layer is residual
  (h + relu(W2 h)), Adam lr 0.02, batches of 100 in order, 1,501 steps, layer-wise magnitude
  pruning of weights and biases, reset to θ0. They report at 92% sparsity: ticket 75.6% test
  accuracy, dense 66.4%, random pruning 60.6% (`PUBLISHED`).
Deviation: the notebook prunes in 100 small rounds (1% of the parameters each); here, for the
CPU budget, each round prunes 40% of the survivors, so 92% sparsity is reached in 5 rounds
(Frankle & Carbin prune 20% a round). The check (`check`) is declared in advance: at the round
nearest the published 92% sparsity (round 5, 92.2%), the ticket must lead both the dense
network and random pruning by >= 3 points (mean over seeds).

Each (seed, round) is one trial of the sweep helper; a round's masks and the rewinding
snapshot are saved in the run folder (state/), so an interrupted run resumes at the next round.
"""
import os
import tempfile

import numpy as np

from ..autograd import no_grad
from ..creation import tensor
from ..data.datasets import load_mnist1d
from ..nn import Linear, Module
from ..nn.functional import cross_entropy, relu
from ..optim import Adam
from ..prune import lottery, sparsity_report
from ..random import manual_seed
from . import register, require_matplotlib
from .sweep import run_trials, write_table

PUBLISHED = {"sparsity": 0.92, "ticket": 0.756, "dense": 0.664, "random": 0.606}

SIZES = {
    "full": {"hidden": 500, "steps": 1501, "rounds": 6, "rate": 0.4, "output_rate": 0.4,
             "prune_bias": True, "seeds": 3, "lr": 0.02, "batch_size": 100, "rewind_to": 0,
             "eval_every": 100},
    "small": {"hidden": 100, "steps": 200, "rounds": 3, "rate": 0.5, "output_rate": 0.5,
              "prune_bias": True, "seeds": 1, "lr": 0.02, "batch_size": 100, "rewind_to": 0,
              "eval_every": 50},
}
ARMS = ("ticket", "reinit", "random")
MARGIN = 0.03            # the target: >= 3 points over both dense and random pruning
TARGET_SPARSITY = 0.85


class ResidualMLP(Module):
    """The MNIST-1D lottery notebook's MLP: h = relu(W1 x); h = h + relu(W2 h); y = W3 h."""

    def __init__(self, hidden=500):
        super().__init__()
        self.linear1 = Linear(40, hidden)
        self.linear2 = Linear(hidden, hidden)
        self.linear3 = Linear(hidden, 10)

    def forward(self, x):
        h = relu(self.linear1(x))
        h = h + relu(self.linear2(h))
        return self.linear3(h)


def make_model(hidden):
    def make(seed):
        manual_seed(seed)                 # PyTorch's default initialisation, seeded
        return ResidualMLP(hidden)
    return make


def trainer(config, data):
    """train(model, after_step) -> {"train_acc", "test_acc"}: the notebook's loop."""
    x_train, y_train, x_test, y_test = data
    batch = config["batch_size"]

    def train(model, after_step=None):
        optimizer = Adam(model.parameters(), lr=config["lr"])
        curve = []
        for step in range(config["steps"]):
            begin = (step * batch) % len(x_train)        # batches in order, as train.py
            loss = cross_entropy(model(tensor(x_train[begin:begin + batch])),
                                 tensor(y_train[begin:begin + batch]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if after_step is not None:
                after_step(step + 1)
            if (step + 1) % config["eval_every"] == 0:      # the notebook's test curve
                curve.append(accuracy(model, x_test, y_test))
        return {"train_acc": accuracy(model, x_train, y_train),
                "test_acc": accuracy(model, x_test, y_test), "test_curve": curve}
    return train


def accuracy(model, x, y):
    with no_grad():
        return float((model(tensor(x)).numpy().argmax(1) == y).mean())


def _save(path, arrays):
    temporary = path[:-4] + ".tmp.npz"
    np.savez(temporary, **arrays)
    os.replace(temporary, path)


def _load(path):
    with np.load(path) as archive:
        return {key: archive[key] for key in archive.files}


def trial_fn(config, state_dir):
    """The function one trial {"seed", "round"} runs (rounds of a seed run in order)."""
    data = tuple(np.asarray(a) for a in load_mnist1d())
    train = trainer(config, data)
    make = make_model(config["hidden"])

    def run_round(trial):
        seed, round_ = trial["seed"], trial["round"]
        rewind_path = os.path.join(state_dir, f"seed{seed}_rewind.npz")
        masks_path = os.path.join(state_dir, f"seed{seed}_masks{round_}.npz")
        next_path = os.path.join(state_dir, f"seed{seed}_masks{round_ + 1}.npz")
        model = make(seed)
        if round_ == 0:                  # the dense network, and the rewinding snapshot
            metrics, saved = lottery.train_with_snapshot(model, train, config["rewind_to"])
            _save(rewind_path, saved)
            result = {"remaining": 1.0, "ticket": metrics}
        else:
            masks, saved = _load(masks_path), _load(rewind_path)
            lottery.rewind(lottery.apply_masks(model, masks), saved)
            result = {"remaining": lottery.remaining(masks), "ticket": train(model)}
            reinit = lottery.apply_masks(make(seed + 1000 * round_), masks)
            result["reinit"] = train(reinit)
            rng = np.random.default_rng([seed, round_])
            control = lottery.apply_masks(make(seed), lottery.random_masks(masks, rng))
            result["random"] = train(lottery.rewind(control, saved))
        result["sparsity"] = sparsity_report(model)
        _save(next_path, lottery.prune_round(model, config["rate"], "layer",
                                             config["output_rate"], config["prune_bias"]))
        return result
    return run_round


def t_interval(values):
    """Mean and 95% Student-t interval over seeds (the mean alone for one seed)."""
    values = np.asarray(values, float)
    mean = float(values.mean())
    if len(values) < 2:
        return mean, mean, mean
    quantile = {2: 12.706, 3: 4.303, 4: 3.182, 5: 2.776, 6: 2.571}.get(len(values), 1.96)
    half = quantile * values.std(ddof=1) / np.sqrt(len(values))
    return mean, mean - half, mean + half


def summarise(results, config):
    """Rows per round (mean test accuracy and CI of each arm), and the target check."""
    rows = []
    for round_ in range(config["rounds"] + 1):
        these = [r for r in results if r["trial"]["round"] == round_]
        row = {"round": round_, "remaining": float(np.mean([r["remaining"] for r in these]))}
        for arm in ARMS:
            if arm in these[0]:
                mean, low, high = t_interval([r[arm]["test_acc"] for r in these])
                row.update({arm: mean, f"{arm}_low": low, f"{arm}_high": high,
                            f"{arm}_train": float(np.mean([r[arm]["train_acc"] for r in these]))})
        rows.append(row)
    dense = rows[0]["ticket"]
    sparse = [row for row in rows[1:] if 1 - row["remaining"] >= TARGET_SPARSITY]
    # Declared before the run, not picked after it: the round at >= 85% sparsity nearest the
    # published 92%; the target asks for both leads (over dense, over random) >= 3 points there.
    best = min(sparse, key=lambda row: abs(1 - row["remaining"] - PUBLISHED["sparsity"])
               ) if sparse else None
    check = {"dense": dense, "target_sparsity": TARGET_SPARSITY}
    if best is not None:
        check.update({"round": best["round"], "sparsity": 1 - best["remaining"],
                      "ticket": best["ticket"], "random": best["random"],
                      "reinit": best["reinit"], "over_dense": best["ticket"] - dense,
                      "over_random": best["ticket"] - best["random"]})
        check["reproduced"] = bool(check["over_dense"] >= MARGIN
                                   and check["over_random"] >= MARGIN)
    return rows, check


@register("lottery_ticket")
def run(size="small", out_dir=None, seed=0):
    """Lottery tickets (IMP, reset to init) vs reinitialised and randomly pruned, on MNIST-1D."""
    config = SIZES[size]
    with tempfile.TemporaryDirectory() as scratch:
        state_dir = os.path.join(out_dir, "state") if out_dir is not None else scratch
        os.makedirs(state_dir, exist_ok=True)
        trials = [{"seed": seed + s, "round": r, "size": size}
                  for s in range(config["seeds"]) for r in range(config["rounds"] + 1)]
        results = run_trials(trials, trial_fn(config, state_dir), out_dir,
                             desc="lottery_ticket rounds")
    rows, check = summarise(results, config)
    columns = [("round", "round", None), ("weights remaining", "remaining", "{:.1%}")]
    columns += [(f"{arm} test acc", arm, "{:.1%}") for arm in ARMS]
    note = (f"Mean over {config['seeds']} seed(s); MLP hidden {config['hidden']}, "
            f"{config['steps']} Adam steps per training, {config['rate']:.0%} of surviving "
            f"weights pruned per round (output layer {config['output_rate']:.0%}). Round 0 is "
            f"the dense network. Trials' time {sum(r['seconds'] for r in results):.0f} s.")
    table = write_table(out_dir, "lottery_ticket", columns, rows, note)
    out = {"size": size, "seed": seed, "rows": rows, "check": check, "table": table,
           "settings": config, "published": PUBLISHED,
           "seconds": sum(r["seconds"] for r in results),
           "final_sparsity": results[-1]["sparsity"]["global"], "figures": []}
    if out_dir is not None:
        out["figures"].append(plot(rows, config, os.path.join(out_dir, "lottery_ticket.png")))
    return out


def plot(rows, config, path):
    """Test accuracy vs fraction of weights remaining: ticket, reinit, random, dense line."""
    require_matplotlib()
    from ..train.plots import new_figure, save_figure
    figure, (ax,) = new_figure(1, width=5.6, height=3.8)
    sparse = rows[1:]
    x = [100 * row["remaining"] for row in sparse]
    styles = {"ticket": ("tab:blue", "lottery ticket (reset to θ0)"),
              "reinit": ("tab:orange", "same mask, reinitialised"),
              "random": ("tab:gray", "random pruning")}
    for arm, (color, label) in styles.items():
        ax.plot(x, [100 * row[arm] for row in sparse], ".-", color=color, label=label)
        ax.fill_between(x, [100 * row[f"{arm}_low"] for row in sparse],
                        [100 * row[f"{arm}_high"] for row in sparse], color=color, alpha=0.2,
                        linewidth=0)
    ax.axhline(100 * rows[0]["ticket"], color="k", linestyle="--", label="dense network")
    ax.plot([100 * (1 - PUBLISHED["sparsity"])] * 3,
            [100 * PUBLISHED[k] for k in ("ticket", "dense", "random")], "x", color="tab:red",
            label="published (MNIST-1D repo, 92% sparse)")
    ax.set_xscale("log")
    ticks = [t for t in (100, 50, 20, 10, 5, 2, 1) if min(x) * 0.9 <= t <= max(x) * 1.1]
    ax.set_xticks(ticks, [str(t) for t in ticks])
    ax.xaxis.set_minor_formatter("")
    ax.invert_xaxis()
    ax.set_xlabel("weights remaining (%)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title(f"MNIST-1D MLP {config['hidden']}: lottery tickets")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return save_figure(figure, path)


__all__ = ["ARMS", "PUBLISHED", "ResidualMLP", "SIZES", "run", "summarise", "trainer"]
