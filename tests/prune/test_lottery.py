"""Lottery tickets: rewinding restores the saved iteration's surviving values exactly, IMP
rounds prune the survivors at the schedule's rates, and the controls keep the sparsity."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.nn.functional import cross_entropy
from glassgrad.prune import lottery


def make(seed):
    gg.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 20), nn.ReLU(), nn.Linear(20, 20), nn.ReLU(),
                         nn.Linear(20, 3))


def train_fn(steps=12):
    rng = np.random.default_rng(0)
    x = gg.tensor(rng.normal(size=(32, 6)).astype(np.float32))
    y = gg.tensor(rng.integers(0, 3, 32))

    def train(model, after_step=None):
        optimizer = gg.optim.SGD(model.parameters(), lr=0.1)
        for step in range(steps):
            loss = cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if after_step is not None:
                after_step(step + 1)
        with gg.no_grad():
            return {"train_acc": float((model(x).numpy().argmax(1) == y.numpy()).mean())}
    return train


@pytest.mark.parametrize("k", [0, 5])
def test_rewinding_restores_the_saved_iteration_exactly(k):
    model = make(0)
    _, saved = lottery.train_with_snapshot(model, train_fn(), at_step=k)
    if k == 0:
        reference = make(0)
        for name, p in reference.named_parameters():
            np.testing.assert_array_equal(saved[name], p.detach().numpy())
    masks = lottery.prune_round(model, 0.5)
    lottery.rewind(model, saved)
    for name, module in lottery.prunable(model):
        mask = masks[name]
        np.testing.assert_array_equal(module.weight.detach().numpy(),
                                      saved[f"{name}.weight"] * mask)
        np.testing.assert_array_equal(module.bias.detach().numpy(), saved[f"{name}.bias"])
    with pytest.raises(ValueError, match="training ran fewer than rewind_to=99 steps"):
        lottery.train_with_snapshot(make(0), train_fn(), at_step=99)


def test_rounds_prune_survivors_at_the_rates_and_output_at_its_own():
    model = make(1)
    masks = lottery.prune_round(model, 0.2, output_rate=0.1)
    assert masks["0"].sum() == 96 and masks["2"].sum() == 320 and masks["4"].sum() == 54
    masks = lottery.prune_round(model, 0.2, output_rate=0.1)
    assert masks["0"].sum() == round(96 * 0.8) and masks["2"].sum() == 256
    model = make(1)
    masks = lottery.prune_round(model, 0.5, scope="global")
    assert masks["0"].sum() + masks["2"].sum() == 260 and masks["4"].sum() == 30
    with pytest.raises(ValueError, match="scope must be 'layer' or 'global'"):
        lottery.prune_round(model, 0.5, scope="all")


def test_controls_keep_sparsity_and_imp_runs():
    masks = lottery.prune_round(make(2), 0.6)
    random = lottery.random_masks(masks, np.random.default_rng(0))
    for name in masks:
        assert random[name].sum() == masks[name].sum()
        assert not np.array_equal(random[name], masks[name])
    assert lottery.remaining(masks) == pytest.approx(lottery.remaining(random))
    rows = lottery.iterative_magnitude_pruning(make, train_fn(), rounds=2, rate=0.5,
                                               rewind_to=3)
    assert [row["round"] for row in rows] == [0, 1, 2]
    assert rows[2]["remaining"] < rows[1]["remaining"] < 1.0
    assert set(rows[1]) == {"round", "remaining", "ticket", "reinit", "random"}


def test_bias_pruned_with_the_weights_ranked_together():
    model = make(3)
    masks = lottery.prune_round(model, 0.5, include_bias=True)
    assert set(masks) == {"0", "0.bias", "2", "2.bias", "4", "4.bias"}
    for name, module in lottery.prunable(model):
        kept = masks[name].sum() + masks[name + ".bias"].sum()
        total = masks[name].size + masks[name + ".bias"].size
        assert kept == total - round(0.5 * total)               # one ranking per layer
        survivors = np.concatenate([np.abs(module.weight_orig.detach().numpy()).ravel(),
                                    np.abs(module.bias_orig.detach().numpy()).ravel()])
        mask = np.concatenate([masks[name].ravel(), masks[name + ".bias"].ravel()])
        assert survivors[mask == 0].max() <= survivors[mask == 1].min()
    fresh = lottery.apply_masks(make(4), masks)
    np.testing.assert_array_equal(fresh[0].bias_mask.numpy(), masks["0.bias"])
    assert abs(lottery.remaining(masks) - 0.5) < 0.01
