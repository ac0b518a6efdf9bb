"""Transformer layers, stacks and nn.Transformer against torch with copied weights (eval mode,
float32 and float64: outputs, input and parameter gradients), positional encodings, errors."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn

from attention_harness import close, compare

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
DTYPES = [np.float32, np.float64]


def _layers(cls, dtype, **kwargs):
    gg.manual_seed(0)
    return getattr(nn, cls)(**kwargs, dtype=dtype), getattr(torch.nn, cls)(**kwargs)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", [
    {},
    {"norm_first": True, "activation": "gelu", "batch_first": True},
    {"bias": False, "layer_norm_eps": 1e-6},
])
def test_encoder_layer_matches_torch(dtype, options):
    g, t = _layers("TransformerEncoderLayer", dtype, d_model=16, nhead=4, dim_feedforward=32,
                   **options)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 5, 16) if options.get("batch_first") else (5, 2, 16))
    padding = np.zeros((2, 5), dtype=bool)
    padding[0, 4:] = True
    compare(g, t, [x], dtype, kwargs={"src_key_padding_mask": padding,
                                      "src_mask": np.triu(np.ones((5, 5), dtype=bool), 1)})


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_matches_torch(dtype, norm_first):
    g, t = _layers("TransformerDecoderLayer", dtype, d_model=8, nhead=2, dim_feedforward=16,
                   norm_first=norm_first)
    rng = np.random.default_rng(1)
    tgt, memory = rng.standard_normal((4, 3, 8)), rng.standard_normal((6, 3, 8))
    padding = np.zeros((3, 6), dtype=bool)
    padding[2, 5:] = True
    compare(g, t, [tgt, memory], dtype, kwargs={
        "tgt_mask": nn.Transformer.generate_square_subsequent_mask(4, dtype=dtype).numpy(),
        "memory_key_padding_mask": padding})


def test_callable_activation_matches_torch():
    g, t = _layers("TransformerEncoderLayer", np.float64, d_model=8, nhead=2,
                   dim_feedforward=16, activation="relu")
    g.activation = gg.nn.functional.silu
    t.activation = torch.nn.functional.silu
    compare(g, t, [np.random.default_rng(2).standard_normal((3, 2, 8))], np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
def test_encoder_and_decoder_stacks_match_torch(dtype):
    gg.manual_seed(0)
    g = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dtype=dtype), 2,
                              nn.LayerNorm(8, dtype=dtype))
    t = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 16), 2,
                                    torch.nn.LayerNorm(8), enable_nested_tensor=False)
    # Copies, as torch's clones: equal at the start, but separate parameters.
    assert not np.shares_memory(g.layers[0].linear1.weight._data, g.layers[1].linear1.weight._data)
    rng = np.random.default_rng(3)
    compare(g, t, [rng.standard_normal((5, 2, 8))], dtype,
            kwargs={"mask": np.triu(np.ones((5, 5), dtype=bool), 1)})
    gg.manual_seed(0)
    g = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, dtype=dtype), 2)
    t = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(8, 2, 16), 2)
    compare(g, t, [rng.standard_normal((4, 2, 8)), rng.standard_normal((5, 2, 8))], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_torch(dtype, batch_first):
    kwargs = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1,
                  dim_feedforward=16, batch_first=batch_first)
    gg.manual_seed(0)
    g, t = nn.Transformer(**kwargs, dtype=dtype), torch.nn.Transformer(**kwargs)
    rng = np.random.default_rng(4)
    src = rng.standard_normal((2, 6, 8) if batch_first else (6, 2, 8))
    tgt = rng.standard_normal((2, 4, 8) if batch_first else (4, 2, 8))
    padding = np.zeros((2, 6), dtype=bool)
    padding[1, 4:] = True
    compare(g, t, [src, tgt], dtype, kwargs={
        "tgt_mask": nn.Transformer.generate_square_subsequent_mask(4).numpy(),
        "src_key_padding_mask": padding, "memory_key_padding_mask": padding})


def test_transformer_loads_torch_state_dict_and_masks_agree():
    t = torch.nn.Transformer(8, 2, 1, 1, 16)
    g = nn.Transformer(8, 2, 1, 1, 16)
    result = g.load_state_dict({k: gg.tensor(v.numpy()) for k, v in t.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(nn.Transformer.generate_square_subsequent_mask(5).numpy(),
                                  torch.nn.Transformer.generate_square_subsequent_mask(5).numpy())
    assert nn.Transformer.generate_square_subsequent_mask(3, dtype=gg.float64).dtype == np.float64


def test_transformer_errors_name_the_layer_and_shapes():
    m = nn.Transformer(8, 2, 1, 1, 16)
    with pytest.raises(RuntimeError, match=r"Transformer: the batch number of src and tgt must "
                                           r"be equal, got shapes \(5, 2, 8\) and \(4, 3, 8\)"):
        m(gg.randn(5, 2, 8), gg.randn(4, 3, 8))
    with pytest.raises(RuntimeError, match="equal to d_model 8"):
        m(gg.randn(5, 2, 6), gg.randn(4, 2, 6))
    with pytest.raises(RuntimeError, match=r"TransformerEncoderLayer: expected src of shape "
                                           r"\(S, N, 8\).*got \(5, 2, 4\)"):
        nn.TransformerEncoderLayer(8, 2)(gg.randn(5, 2, 4))
    with pytest.raises(ValueError, match="activation should be 'relu', 'gelu' or a callable, "
                                         "got 'tanh'"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
    with pytest.raises(ValueError, match="embed_dim 8 must be divisible by num_heads 3"):
        nn.TransformerDecoderLayer(8, 3)


# --- positional encodings --------------------------------------------------------------------
def test_sinusoidal_encoding_is_vaswanis_table():
    pe = nn.PositionalEncoding(6, dropout=0.0, max_len=10)
    table = pe.pe.numpy()
    p, i = 7, 2                                              # dims 4 and 5 of position 7
    np.testing.assert_allclose(table[p, 2 * i], np.sin(p / 10000 ** (2 * i / 6)), rtol=1e-6)
    np.testing.assert_allclose(table[p, 2 * i + 1], np.cos(p / 10000 ** (2 * i / 6)), rtol=1e-6)
    x = gg.zeros(4, 3, 6)                                    # (L, N, d)
    np.testing.assert_allclose(pe(x).numpy()[:, 1], table[:4], rtol=1e-6)
    pe.batch_first = True
    np.testing.assert_allclose(pe(gg.zeros(3, 4, 6)).numpy()[1], table[:4], rtol=1e-6)
    assert [name for name, _ in pe.named_parameters()] == []


def test_learned_encoding_is_trained():
    pe = nn.LearnedPositionalEncoding(4, dropout=0.0, max_len=8, batch_first=True)
    pe(gg.randn(2, 5, 4)).sum().backward()
    grad = pe.weight.grad.numpy()
    np.testing.assert_array_equal(grad[:5], np.full((5, 4), 2.0))   # two sequences per row
    np.testing.assert_array_equal(grad[5:], 0.0)


@pytest.mark.parametrize("cls", ["PositionalEncoding", "LearnedPositionalEncoding"])
def test_positional_encoding_errors(cls):
    pe = getattr(nn, cls)(4, max_len=6, batch_first=True)
    with pytest.raises(ValueError, match=rf"{cls}: a sequence of length 7 is longer than the "
                                         rf"table of max_len 6 positions"):
        pe(gg.randn(2, 7, 4))
    with pytest.raises(RuntimeError, match=rf"{cls}: expected input of shape"):
        pe(gg.randn(2, 5, 3))
