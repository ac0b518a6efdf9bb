"""scaled_dot_product_attention and MultiheadAttention against torch (float32 and float64,
outputs and gradients), second derivatives of SDPA, and the errors."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.autograd.gradcheck import gradcheck, gradgradcheck
from glassgrad.nn.functional import scaled_dot_product_attention as sdpa

from attention_harness import close, compare

torch = pytest.importorskip("torch")
TF = torch.nn.functional
DTYPES = [np.float32, np.float64]


class _SDPA:
    """SDPA as a module, so the harness can drive it."""

    def __init__(self, lib, **kwargs):
        self.f = (sdpa if lib == "gg" else TF.scaled_dot_product_attention)
        self.kwargs = kwargs

    def __call__(self, q, k, v, **kwargs):
        return self.f(q, k, v, **self.kwargs, **kwargs)


def _run_sdpa(dtype, shapes, seed=0, **kwargs):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    g = [gg.tensor(a, requires_grad=True) for a in arrays]
    t = [torch.tensor(a, requires_grad=True) for a in arrays]
    g_kwargs = {k: gg.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    t_kwargs = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    g_out, t_out = sdpa(*g, **g_kwargs), TF.scaled_dot_product_attention(*t, **t_kwargs)
    close(g_out.detach().numpy(), t_out.detach().numpy(), "output", dtype)
    seed_grad = rng.standard_normal(g_out.shape).astype(dtype)
    (g_out * gg.tensor(seed_grad)).sum().backward()
    (t_out * torch.tensor(seed_grad)).sum().backward()
    for name, a, b in zip("qkv", g, t):
        close(a.grad.numpy(), b.grad.numpy(), f"gradient of {name}", dtype)
    return g_out


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", [
    [(5, 4), (7, 4), (7, 3)],                               # no batch dims
    [(2, 3, 5, 4), (2, 3, 7, 4), (2, 3, 7, 6)],             # (N, H, L, E)
    [(2, 3, 5, 4), (1, 3, 7, 4), (2, 1, 7, 6)],             # broadcast batch dims
    [(2, 2, 2, 5, 4), (2, 2, 2, 6, 4), (2, 2, 2, 6, 4)],    # three leading dims
])
def test_sdpa_matches_torch(dtype, shapes):
    _run_sdpa(dtype, shapes)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sdpa_masks_causal_and_scale_match_torch(dtype):
    shapes = [(2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 4)]
    rng = np.random.default_rng(3)
    bool_mask = rng.random((2, 1, 5, 6)) > 0.4
    bool_mask[..., 0] = True                                # every row attends somewhere
    _run_sdpa(dtype, shapes, attn_mask=bool_mask)
    _run_sdpa(dtype, shapes, attn_mask=rng.standard_normal((5, 6)).astype(dtype))
    _run_sdpa(dtype, shapes, is_causal=True)
    _run_sdpa(dtype, shapes, scale=0.3)


def test_sdpa_fully_masked_row_gives_zeros_like_torch():
    mask = np.ones((4, 6), dtype=bool)
    mask[1] = False
    out = _run_sdpa(np.float64, [(2, 4, 3), (2, 6, 3), (2, 6, 3)], attn_mask=mask)
    assert np.all(out.detach().numpy()[:, 1] == 0)


def test_sdpa_dropout_is_reproducible_and_scaled():
    q = gg.ones(1, 4, 8)
    out = sdpa(q, q, gg.ones(1, 4, 8), dropout_p=0.5, generator=gg.Generator(0))
    again = sdpa(q, q, gg.ones(1, 4, 8), dropout_p=0.5, generator=gg.Generator(0))
    np.testing.assert_array_equal(out.numpy(), again.numpy())
    # Uniform weights 1/4, survivors scaled by 2: each output is (kept of 4) / 2.
    assert set(np.unique(out.numpy() * 2)) <= {0.0, 1.0, 2.0, 3.0, 4.0}


@pytest.mark.parametrize("kwargs", [{}, {"is_causal": True}, {"attn_mask": "bool"},
                                    {"attn_mask": "float"}])
def test_sdpa_first_and_second_derivatives_by_finite_differences(kwargs):
    rng = np.random.default_rng(1)
    if kwargs.get("attn_mask") == "bool":
        mask = rng.random((3, 4)) > 0.3
        mask[:, 0] = True
        kwargs = {"attn_mask": gg.tensor(mask)}
    elif kwargs.get("attn_mask") == "float":
        kwargs = {"attn_mask": gg.tensor(rng.standard_normal((3, 4)))}
    q, k, v = (gg.tensor(rng.standard_normal(s), requires_grad=True)
               for s in [(2, 3, 5), (2, 4, 5), (2, 4, 2)])

    def f(q, k, v):
        return sdpa(q, k, v, **kwargs)
    assert gradcheck(f, (q, k, v))
    assert gradgradcheck(f, (q, k, v))


def test_sdpa_second_derivative_matches_torch():
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal(s) for s in [(2, 3, 4), (2, 5, 4), (2, 5, 4)]]
    g = [gg.tensor(a, requires_grad=True) for a in arrays]
    t = [torch.tensor(a, requires_grad=True) for a in arrays]
    g_first = gg.autograd.grad(sdpa(*g, is_causal=True).pow(2).sum(), g, create_graph=True)
    t_first = torch.autograd.grad(TF.scaled_dot_product_attention(*t, is_causal=True).pow(2)
                                  .sum(), t, create_graph=True)
    g_second = gg.autograd.grad(sum(x.sum() for x in g_first), g)
    t_second = torch.autograd.grad(sum(x.sum() for x in t_first), t)
    for a, b in zip(g_second, t_second):
        close(a.numpy(), b.numpy(), "second derivative", np.float64)


def test_sdpa_errors_name_the_op_and_shapes():
    q = gg.randn(2, 5, 4)
    with pytest.raises(RuntimeError, match=r"scaled_dot_product_attention: query of shape "
                                           r"\(2, 5, 4\) and key of shape \(2, 6, 3\)"):
        sdpa(q, gg.randn(2, 6, 3), gg.randn(2, 6, 3))
    with pytest.raises(RuntimeError, match=r"key of shape \(2, 6, 4\) and value of shape "
                                           r"\(2, 7, 4\) must have the same sequence length"):
        sdpa(q, gg.randn(2, 6, 4), gg.randn(2, 7, 4))
    with pytest.raises(RuntimeError, match=r"attn_mask of shape \(4, 6\) does not broadcast "
                                           r"to the attention scores' shape \(2, 5, 6\)"):
        sdpa(q, gg.randn(2, 6, 4), gg.randn(2, 6, 4), attn_mask=gg.ones(4, 6))
    with pytest.raises(TypeError, match="attn_mask must be a bool or floating-point tensor, "
                                        "got dtype int64"):
        sdpa(q, q, q, attn_mask=gg.tensor(np.ones((5, 5), dtype=np.int64)))
    with pytest.raises(RuntimeError, match="not both"):
        sdpa(q, q, q, attn_mask=gg.ones(5, 5), is_causal=True)


# --- MultiheadAttention ----------------------------------------------------------------------
def _pair(dtype, *args, **kwargs):
    gg.manual_seed(0)
    g = nn.MultiheadAttention(*args, **kwargs, dtype=dtype)
    return g, torch.nn.MultiheadAttention(*args, **kwargs)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights, average", [(True, True), (True, False), (False, True)])
def test_mha_self_attention_with_masks_matches_torch(dtype, batch_first, need_weights, average):
    g, t = _pair(dtype, 16, 4, batch_first=batch_first)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5, 16) if batch_first else (5, 3, 16))
    padding = np.zeros((3, 5), dtype=bool)
    padding[1, 3:] = True                                   # sequence 1 has 3 real steps
    attn = rng.random((5, 5)) > 0.7
    np.fill_diagonal(attn, False)                            # each step sees itself

    def run(m):             # self-attention: one input used as query, key and value
        return lambda x, **kw: m(x, x, x, **kw)
    wrapped_g, wrapped_t = _Wrap(g, run(g)), _Wrap(t, run(t))
    compare(wrapped_g, wrapped_t, [x], dtype, kwargs={
        "key_padding_mask": padding, "attn_mask": attn, "need_weights": need_weights,
        "average_attn_weights": average})


class _Wrap:
    """A module's parameters with a different call (self-attention: one input used thrice)."""

    def __init__(self, module, call):
        self.module, self.call = module, call

    def __call__(self, *args, **kwargs):
        return self.call(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.module, name)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", [
    {},
    {"kdim": 6, "vdim": 10},
    {"add_bias_kv": True},
    {"add_zero_attn": True},
    {"bias": False},
    {"add_bias_kv": True, "add_zero_attn": True, "kdim": 6, "vdim": 6},
])
def test_mha_cross_attention_matches_torch(dtype, options):
    g, t = _pair(dtype, 16, 2, **options)
    rng = np.random.default_rng(1)
    q = rng.standard_normal((4, 2, 16))
    k = rng.standard_normal((7, 2, options.get("kdim", 16)))
    v = rng.standard_normal((7, 2, options.get("vdim", 16)))
    padding = np.zeros((2, 7), dtype=bool)
    padding[0, 5:] = True
    compare(g, t, [q, k, v], dtype, kwargs={"key_padding_mask": padding})


@pytest.mark.parametrize("dtype", DTYPES)
def test_mha_float_masks_3d_mask_and_unbatched_match_torch(dtype):
    g, t = _pair(dtype, 8, 2, batch_first=True)
    rng = np.random.default_rng(2)
    q, kv = rng.standard_normal((3, 4, 8)), rng.standard_normal((3, 6, 8))
    compare(g, t, [q, kv, kv], dtype, kwargs={
        "attn_mask": rng.standard_normal((6, 4, 6)),                    # (N·h, L, S), float
        "key_padding_mask": np.where(rng.random((3, 6)) > 0.8, -1e4, 0.0)})
    g, t = _pair(dtype, 8, 2)
    compare(g, t, [q[0], kv[0], kv[0]], dtype, kwargs={"attn_mask": rng.random((4, 6)) > 0.8,
                                                       "average_attn_weights": False})


def test_mha_is_causal_hint_with_its_mask_matches_torch():
    g, t = _pair(np.float64, 8, 2, batch_first=True)
    x = np.random.default_rng(3).standard_normal((2, 5, 8))
    mask = np.triu(np.ones((5, 5), dtype=bool), 1)
    compare(_Wrap(g, lambda x, **kw: g(x, x, x, **kw)), _Wrap(t, lambda x, **kw: t(x, x, x, **kw)),
            [x], np.float64, kwargs={"attn_mask": mask, "is_causal": True, "need_weights": False})


def test_mha_dropout_only_in_training():
    gg.manual_seed(0)
    m = nn.MultiheadAttention(8, 2, dropout=0.5, batch_first=True)
    x = gg.randn(2, 5, 8)
    m.eval()
    first, second = m(x, x, x)[0].detach(), m(x, x, x)[0].detach()
    np.testing.assert_array_equal(first.numpy(), second.numpy())
    m.train()
    assert not np.allclose(m(x, x, x)[0].detach().numpy(), first.numpy())


def test_mha_loads_torch_state_dict():
    t = torch.nn.MultiheadAttention(8, 2, add_bias_kv=True, kdim=4, vdim=4)
    g = nn.MultiheadAttention(8, 2, add_bias_kv=True, kdim=4, vdim=4)
    result = g.load_state_dict({k: gg.tensor(v.numpy()) for k, v in t.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    q = np.random.default_rng(4).standard_normal((3, 2, 8)).astype(np.float32)
    kv = np.random.default_rng(5).standard_normal((6, 2, 4)).astype(np.float32)
    out, w = g(gg.tensor(q), gg.tensor(kv), gg.tensor(kv))
    t_out, t_w = t(torch.tensor(q), torch.tensor(kv), torch.tensor(kv))
    close(out.detach().numpy(), t_out.detach().numpy(), "output", np.float32)
    close(w.detach().numpy(), t_w.detach().numpy(), "weights", np.float32)


def test_mha_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match="MultiheadAttention: embed_dim 10 must be divisible by "
                                         "num_heads 3"):
        nn.MultiheadAttention(10, 3)
    m = nn.MultiheadAttention(8, 2)
    x = gg.randn(5, 2, 8)
    with pytest.raises(RuntimeError, match=r"expected query of shape \(L, N, 8\).*got \(5, 2, 6\)"):
        m(gg.randn(5, 2, 6), x, x)
    with pytest.raises(RuntimeError, match=r"key of shape \(5, 2, 8\) and value of shape "
                                           r"\(4, 2, 8\) must have the same length"):
        m(x, x, gg.randn(4, 2, 8))
    with pytest.raises(RuntimeError, match=r"attn_mask of shape \(4, 5\); expected \(5, 5\) or "
                                           r"\(4, 5, 5\)"):
        m(x, x, x, attn_mask=gg.ones(4, 5))
    with pytest.raises(RuntimeError, match=r"key_padding_mask of shape \(2, 4\); expected "
                                           r"\(2, 5\)"):
        m(x, x, x, key_padding_mask=gg.tensor(np.zeros((2, 4), dtype=bool)))
    with pytest.raises(TypeError, match="key_padding_mask must be a bool or floating-point"):
        m(x, x, x, key_padding_mask=gg.tensor(np.zeros((2, 5), dtype=np.int64)))
    with pytest.raises(RuntimeError, match="need attn_mask if specifying the is_causal hint"):
        m(x, x, x, is_causal=True)
