"""`MultiheadAttention`: torch.nn.MultiheadAttention's parameters, arguments and results.

    MultiHead(Q, K, V) = Concat(head_1, ..., head_h) W^O,  head_i = Attention(Q W_i^Q, K W_i^K,
    V W_i^V),  Attention(Q, K, V) = softmax(Q Kᵀ / √d_head) V

- Paper: Vaswani et al., "Attention Is All You Need", NeurIPS 2017, §3.2.2,
  https://arxiv.org/abs/1706.03762
"""
from ... import creation
from .. import init
from ..functional.attention import multi_head_attention_forward
from ..parameter import Parameter
from .linear import Linear
from .module import Module


class MultiheadAttention(Module):
    """Multi-head attention with torch's parameter layout, so torch's state_dict loads.

    Args:
        embed_dim: E, the model's width (of the query and of the output).
        num_heads: h; E must be divisible by it (each head has E / h dims).
        dropout: dropout on the attention weights in training.
        bias: biases of the in- and out-projections.
        add_bias_kv: learn one extra key and value (bias_k, bias_v) appended to the sequence.
        add_zero_attn: append a key and value of zeros.
        kdim, vdim: key and value widths (default E); when either differs the projections are
            separate q/k/v_proj_weight, else one packed in_proj_weight (3E, E).
        batch_first: inputs and output are (N, L, E) rather than (L, N, E).

    Parameters: in_proj_weight (3E, E) or q_proj_weight (E, E), k_proj_weight (E, kdim),
    v_proj_weight (E, vdim); in_proj_bias (3E,); bias_k, bias_v (1, 1, E); out_proj (Linear).

    forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) → (output, weights): output of query's shape,
    weights (N, L, S) averaged over heads, (N, h, L, S) if not average_attn_weights, or None if
    not need_weights. Masks: bool True = NOT allowed to attend (as torch), float = added;
    key_padding_mask (N, S), attn_mask (L, S) or (N·h, L, S). Unbatched input (L, E) works too.

    Example::

        mha = nn.MultiheadAttention(16, 4, batch_first=True)
        x = glassgrad.randn(2, 5, 16)
        out, weights = mha(x, x, x)          # (2, 5, 16), (2, 5, 5)
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"MultiheadAttention: embed_dim and num_heads must be > 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads}")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim {embed_dim} must be divisible by "
                             f"num_heads {num_heads}")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"MultiheadAttention: dropout must be in [0, 1], got {dropout}")
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.head_dim = embed_dim // num_heads
        self.batch_first, self.add_zero_attn = batch_first, add_zero_attn
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(creation.empty(3 * embed_dim, embed_dim, dtype=dtype))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(creation.empty(embed_dim, embed_dim, dtype=dtype))
            self.k_proj_weight = Parameter(creation.empty(embed_dim, self.kdim, dtype=dtype))
            self.v_proj_weight = Parameter(creation.empty(embed_dim, self.vdim, dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(creation.empty(3 * embed_dim, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        if add_bias_kv:
            self.bias_k = Parameter(creation.empty(1, 1, embed_dim, dtype=dtype))
            self.bias_v = Parameter(creation.empty(1, 1, embed_dim, dtype=dtype))
        else:
            self.register_parameter("bias_k", None)
            self.register_parameter("bias_v", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        self.reset_parameters()

    def reset_parameters(self):
        """torch's: Glorot-uniform projections, zero biases, Glorot-normal bias_k/bias_v
        (the out-projection's weight keeps Linear's default).

        - Paper: Glorot & Bengio, "Understanding the difficulty of training deep feedforward
          neural networks", AISTATS 2010.
        """
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        if query.ndim not in (2, 3) or query.shape[-1] != self.embed_dim:
            raise RuntimeError(f"{self._name()}: expected query of shape (L, N, "
                               f"{self.embed_dim}), (N, L, {self.embed_dim}) or (L, "
                               f"{self.embed_dim}), got {tuple(query.shape)}")
        for name, t, dim in (("key", key, self.kdim), ("value", value, self.vdim)):
            if t.shape[-1] != dim:
                raise RuntimeError(f"{self._name()}: expected {name} with last dimension {dim}, "
                                   f"got shape {tuple(t.shape)}")
        return multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight, average_attn_weights=average_attn_weights,
            is_causal=is_causal, batch_first=self.batch_first)

    def _name(self):
        return f"MultiheadAttention(embed_dim={self.embed_dim}, num_heads={self.num_heads})"

    def extra_repr(self):
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}"
                f", batch_first={self.batch_first}")


__all__ = ["MultiheadAttention"]
