"""The course's attention steps: permutation equivariance, causality, and agreement with the
library's SDPA / MultiheadAttention."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.nn import attention_steps as steps
from glassgrad.nn.functional import scaled_dot_product_attention


def _x(*shape, seed=0):
    return gg.tensor(np.random.default_rng(seed).standard_normal(shape))


def _weights(k, n, seed=1):
    rng = np.random.default_rng(seed)
    return [gg.tensor(rng.standard_normal((k, k)) / np.sqrt(k)) for _ in range(n)]


@pytest.mark.parametrize("layer", ["basic", "scaled", "projected", "multi_head"])
def test_self_attention_is_permutation_equivariant(layer):
    x = _x(2, 6, 8)
    perm = np.random.default_rng(2).permutation(6)
    w = _weights(8, 4)
    f = {"basic": steps.basic_self_attention, "scaled": steps.scaled_self_attention,
         "projected": lambda x: steps.projected_self_attention(x, *w[:3]),
         "multi_head": lambda x: steps.multi_head_self_attention(x, *w, heads=2)}[layer]
    # Permuting the inputs permutes the outputs the same way: attention has no notion of order.
    np.testing.assert_allclose(f(x[:, perm]).numpy(), f(x).numpy()[:, perm], atol=1e-12)
    assert not np.allclose(f(x).numpy(), f(x).numpy()[:, perm])


@pytest.mark.parametrize("layer", ["causal", "multi_head"])
def test_causal_output_at_t_ignores_later_inputs(layer):
    w = _weights(8, 4)
    f = (lambda x: steps.causal_self_attention(x, *w[:3])) if layer == "causal" else \
        (lambda x: steps.multi_head_self_attention(x, *w, heads=2, causal=True))
    x = _x(2, 6, 8).numpy()
    later = x.copy()
    later[:, 4:] += 10.0                                     # change steps 4 and 5 only
    before, after = f(gg.tensor(x)).numpy(), f(gg.tensor(later)).numpy()
    np.testing.assert_allclose(after[:, :4], before[:, :4], atol=1e-12)
    assert not np.allclose(after[:, 4:], before[:, 4:])


def test_steps_agree_with_scaled_dot_product_attention():
    x = _x(3, 5, 4)
    np.testing.assert_allclose(steps.scaled_self_attention(x).numpy(),
                               scaled_dot_product_attention(x, x, x).numpy(), atol=1e-12)
    w = _weights(4, 3)
    q, k, v = (x @ m for m in w)
    np.testing.assert_allclose(steps.causal_self_attention(x, *w).numpy(),
                               scaled_dot_product_attention(q, k, v, is_causal=True).numpy(),
                               atol=1e-12)


def test_multi_head_steps_agree_with_multihead_attention():
    mha = gg.nn.MultiheadAttention(8, 2, bias=False, batch_first=True, dtype=gg.float64)
    w_q, w_k, w_v = (m.T for m in mha.in_proj_weight.detach().chunk(3, 0))
    x = _x(2, 5, 8)
    with gg.no_grad():
        expected = mha(x, x, x, need_weights=False)[0].numpy()
        ours = steps.multi_head_self_attention(x, w_q, w_k, w_v, mha.out_proj.weight.T, heads=2)
    np.testing.assert_allclose(ours.numpy(), expected, atol=1e-12)


def test_multi_head_error():
    with pytest.raises(ValueError, match="k = 6 is not divisible by heads = 4"):
        steps.multi_head_self_attention(_x(1, 3, 6), *_weights(6, 4), heads=4)
