"""glassgrad.prune against torch.nn.utils.prune on the same tensors: masks, composition,
global pruning, remove, the tie rule, gradients through masks, and bad input."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn, prune

torch = pytest.importorskip("torch")
tprune = pytest.importorskip("torch.nn.utils.prune")


def pair(shape=(6, 5), conv=False, seed=0):
    """A glassgrad layer and a torch layer holding the same tie-free weights."""
    rng = np.random.default_rng(seed)
    if conv:
        ours, theirs = nn.Conv1d(shape[1], shape[0], 3), torch.nn.Conv1d(shape[1], shape[0], 3)
    else:
        ours, theirs = nn.Linear(shape[1], shape[0]), torch.nn.Linear(shape[1], shape[0])
    weight = rng.permutation(np.prod(ours.weight.shape)).reshape(ours.weight.shape)
    weight = ((weight - weight.mean()) / 7.0).astype(np.float32)     # distinct magnitudes...
    weight += rng.uniform(0, 1e-3, weight.shape).astype(np.float32)  # ...and no ±x pairs
    ours.weight.data = gg.tensor(weight)
    theirs.weight.data = torch.tensor(weight)
    bias = rng.normal(size=ours.bias.shape).astype(np.float32)
    ours.bias.data = gg.tensor(bias)
    theirs.bias.data = torch.tensor(bias)
    return ours, theirs


def same_mask(ours, theirs, name="weight"):
    np.testing.assert_array_equal(getattr(ours, name + "_mask").numpy(),
                                  getattr(theirs, name + "_mask").numpy())
    np.testing.assert_allclose(getattr(ours, name).detach().numpy(),
                               getattr(theirs, name).detach().numpy())


@pytest.mark.parametrize("amount", [0.0, 0.3, 0.5, 1.0, 7, 30])
def test_l1_unstructured_equals_torch(amount):
    ours, theirs = pair()
    prune.l1_unstructured(ours, "weight", amount=amount)
    tprune.l1_unstructured(theirs, "weight", amount=amount)
    same_mask(ours, theirs)


@pytest.mark.parametrize("n,dim,amount", [(1, 0, 0.5), (2, 0, 2), (2, 1, 0.4),
                                          (float("inf"), -1, 0.6), ("fro", 0, 3)])
def test_ln_structured_equals_torch(n, dim, amount):
    ours, theirs = pair()
    prune.ln_structured(ours, "weight", amount=amount, n=n, dim=dim)
    tprune.ln_structured(theirs, "weight", amount=amount, n=n, dim=dim)
    same_mask(ours, theirs)


def test_ln_structured_on_conv_channels_equals_torch():
    ours, theirs = pair((8, 3), conv=True)
    prune.ln_structured(ours, "weight", amount=0.5, n=1, dim=0)
    tprune.ln_structured(theirs, "weight", amount=0.5, n=1, dim=0)
    same_mask(ours, theirs)


def test_repeated_pruning_composes_as_torch_container():
    ours, theirs = pair((10, 8))
    for method, kwargs in [("l1_unstructured", {"amount": 0.3}),
                           ("ln_structured", {"amount": 0.4, "n": 2, "dim": 0}),
                           ("l1_unstructured", {"amount": 5}),
                           ("ln_structured", {"amount": 2, "n": 1, "dim": 1}),
                           ("l1_unstructured", {"amount": 0.5})]:
        getattr(prune, method)(ours, "weight", **kwargs)
        getattr(tprune, method)(theirs, "weight", **kwargs)
        same_mask(ours, theirs)
    hooks = [h for h in ours._forward_pre_hooks.values()
             if isinstance(h, prune.BasePruningMethod)]
    assert len(hooks) == 1 and isinstance(hooks[0], prune.PruningContainer)
    assert len(hooks[0]) == 5


def test_custom_from_mask_and_identity_equal_torch():
    ours, theirs = pair()
    mask = (np.random.default_rng(1).random((6, 5)) > 0.4).astype(np.float32)
    prune.identity(ours, "bias")
    tprune.identity(theirs, "bias")
    same_mask(ours, theirs, "bias")
    prune.l1_unstructured(ours, "weight", amount=0.2)
    tprune.l1_unstructured(theirs, "weight", amount=0.2)
    prune.custom_from_mask(ours, "weight", mask=mask)
    tprune.custom_from_mask(theirs, "weight", mask=torch.tensor(mask))
    same_mask(ours, theirs)


@pytest.mark.parametrize("amount", [0.25, 0.7, 40])
def test_global_unstructured_equals_torch(amount):
    (a, ta), (b, tb) = pair((6, 5), seed=2), pair((4, 6), seed=3)
    b.weight.data = gg.tensor(b.weight.detach().numpy() * 3)     # the layers' scales differ
    tb.weight.data = tb.weight.data * 3
    prune.l1_unstructured(a, "weight", amount=0.2)     # a mask already in place composes too
    tprune.l1_unstructured(ta, "weight", amount=0.2)
    prune.global_unstructured([(a, "weight"), (b, "weight")],
                              pruning_method=prune.L1Unstructured, amount=amount)
    tprune.global_unstructured([(ta, "weight"), (tb, "weight")],
                               pruning_method=tprune.L1Unstructured, amount=amount)
    same_mask(a, ta)
    same_mask(b, tb)


def test_importance_scores_equal_torch():
    ours, theirs = pair()
    scores = np.random.default_rng(4).random((6, 5)).astype(np.float32)
    prune.l1_unstructured(ours, "weight", amount=0.5, importance_scores=gg.tensor(scores))
    tprune.l1_unstructured(theirs, "weight", amount=0.5, importance_scores=torch.tensor(scores))
    same_mask(ours, theirs)


def test_random_methods_prune_the_right_counts_as_torch():
    ours, theirs = pair((10, 8))
    prune.random_unstructured(ours, "weight", amount=0.3, generator=np.random.default_rng(0))
    tprune.random_unstructured(theirs, "weight", amount=0.3)
    assert ours.weight_mask.numpy().sum() == theirs.weight_mask.numpy().sum() == 56
    prune.random_structured(ours, "weight", amount=0.5, dim=0,
                            generator=np.random.default_rng(0))
    tprune.random_structured(theirs, "weight", amount=0.5, dim=0)
    rows = ours.weight_mask.numpy().sum(1)
    assert (rows == 0).sum() == (theirs.weight_mask.numpy().sum(1) == 0).sum() == 5
    # only previously surviving rows were chosen, and the earlier zeros stay
    assert ours.weight_mask.numpy().sum() <= 56
    again = nn.Linear(8, 10)
    prune.random_unstructured(again, "weight", amount=0.3, generator=np.random.default_rng(0))
    first = nn.Linear(8, 10)
    prune.random_unstructured(first, "weight", amount=0.3, generator=np.random.default_rng(0))
    np.testing.assert_array_equal(again.weight_mask.numpy(), first.weight_mask.numpy())


def test_remove_equals_torch():
    ours, theirs = pair()
    prune.l1_unstructured(ours, "weight", amount=0.4)
    tprune.l1_unstructured(theirs, "weight", amount=0.4)
    prune.remove(ours, "weight")
    tprune.remove(theirs, "weight")
    assert sorted(n for n, _ in ours.named_parameters()) == \
        sorted(n for n, _ in theirs.named_parameters()) == ["bias", "weight"]
    assert list(dict(ours.named_buffers())) == [] and not prune.is_pruned(ours)
    assert isinstance(ours.weight, nn.Parameter)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
    assert set(ours.state_dict()) == set(theirs.state_dict())


def test_reparametrisation_names_hook_and_state_dict():
    ours, theirs = pair()
    prune.l1_unstructured(ours, "weight", amount=0.5)
    tprune.l1_unstructured(theirs, "weight", amount=0.5)
    assert set(ours.state_dict()) == set(theirs.state_dict()) == {"weight_orig", "bias",
                                                                  "weight_mask"}
    assert prune.is_pruned(ours) and prune.is_pruned(nn.Sequential(ours))
    # the hook recomputes weight from weight_orig before every forward
    ours.weight_orig.data = gg.tensor(np.ones((6, 5), np.float32))
    out = ours(gg.ones(1, 5)).detach().numpy()
    expected = ours.weight_mask.numpy().sum(1) + ours.bias.detach().numpy()
    np.testing.assert_allclose(out, expected[None], rtol=1e-6)


def test_gradients_are_zero_where_the_mask_is_zero():
    ours, theirs = pair((8, 6))
    prune.l1_unstructured(ours, "weight", amount=0.6)
    x = np.random.default_rng(0).normal(size=(4, 6)).astype(np.float32)
    (ours(gg.tensor(x)) ** 2).sum().backward()
    tprune.l1_unstructured(theirs, "weight", amount=0.6)
    (theirs(torch.tensor(x)) ** 2).sum().backward()
    grad = ours.weight_orig.grad.numpy()
    assert np.all(grad[ours.weight_mask.numpy() == 0] == 0)
    assert np.any(grad != 0)
    np.testing.assert_allclose(grad, theirs.weight_orig.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_tie_rule_lower_index_pruned_first():
    layer = nn.Linear(4, 2)
    layer.weight.data = gg.tensor(np.array([[1, -1, 2, 1], [3, 1, -1, 4]], np.float32))
    prune.l1_unstructured(layer, "weight", amount=3)     # five entries tie at |1|
    np.testing.assert_array_equal(layer.weight_mask.numpy(), [[0, 0, 1, 0], [1, 1, 1, 1]])
    rows = nn.Linear(2, 4)
    rows.weight.data = gg.tensor(np.array([[1, 1], [-1, 1], [3, 0], [1, -1]], np.float32))
    prune.ln_structured(rows, "weight", amount=2, n=1, dim=0)   # rows 0, 1, 3 tie at norm 2
    np.testing.assert_array_equal(rows.weight_mask.numpy().sum(1), [2, 0, 2, 0])


def test_bad_input_errors_in_torch_words():
    layer = nn.Linear(3, 2)
    with pytest.raises(ValueError, match=r"amount=1.5 should either be a float in the range "
                                         r"\[0, 1\] or a non-negative integer"):
        prune.l1_unstructured(layer, "weight", amount=1.5)
    with pytest.raises(ValueError, match="amount=-1 should either be a float"):
        prune.random_unstructured(layer, "weight", amount=-1)
    with pytest.raises(TypeError, match="Invalid type for amount: 0.5. Must be int or float."):
        prune.l1_unstructured(layer, "weight", amount="0.5")
    with pytest.raises(ValueError, match="amount=7 should be smaller than the number of "
                                         "parameters to prune=6"):
        prune.l1_unstructured(layer, "weight", amount=7)
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'wieght'"):
        prune.l1_unstructured(layer, "wieght", amount=0.5)
    with pytest.raises(ValueError, match="Parameter 'weight' of module .* has to be pruned "
                                         "before pruning can be removed"):
        prune.remove(layer, "weight")
    prune.l1_unstructured(layer, "weight", amount=0.5)
    prune.remove(layer, "weight")
    with pytest.raises(ValueError, match="has to be pruned before pruning can be removed"):
        prune.remove(layer, "weight")                  # an already removed parametrisation
    with pytest.raises(ValueError, match=r"custom_from_mask: mask of shape \(3, 2\) does not "
                                         r"match the parameter's shape \(2, 3\)"):
        prune.custom_from_mask(layer, "weight", mask=np.ones((3, 2)))
    with pytest.raises(ValueError, match="Structured pruning can only be applied to "
                                         "multidimensional tensors"):
        prune.ln_structured(layer, "bias", amount=1, n=2, dim=0)
    with pytest.raises(TypeError, match='Only "unstructured" PRUNING_TYPE supported'):
        prune.global_unstructured([(layer, "weight")], pruning_method=prune.LnStructured,
                                  amount=1, n=2, dim=0)
    with pytest.raises(TypeError, match="parameters is not an Iterable"):
        prune.global_unstructured(layer, pruning_method=prune.L1Unstructured, amount=1)
    with pytest.raises(ValueError, match="importance_scores should have the same shape"):
        prune.l1_unstructured(nn.Linear(3, 2), "weight", amount=1,
                              importance_scores=gg.ones(3, 3))
