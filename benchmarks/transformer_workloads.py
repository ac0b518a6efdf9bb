"""Issue 13's workloads, both sides written alike: `attention` (one pre-norm transformer
encoder block, d_model 128, 4 heads, ff 512, T 64, batch 32, mean-pooled head, cross-entropy,
SGD) and `gpt` (nanoGPT's CPU configuration: 4 layers, 4 heads, n_embd 128, block 64, batch
12; one AdamW training step). The torch GPT below is nanoGPT's model.py transcribed with the
same sizes, init and optimiser groups as glassgrad.models.gpt.
"""
import math

import numpy as np


# --- attention: nn.TransformerEncoderLayer(norm_first=True), both frameworks' own class -------
def _attention_model(lib):
    nn = lib.nn

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = nn.TransformerEncoderLayer(128, 4, 512, dropout=0.0, batch_first=True,
                                                    norm_first=True)
            self.head = nn.Linear(128, 10)

        def forward(self, x):
            return self.head(self.block(x).mean(1))
    return Classifier()


def attention_builder(framework, scale):
    def build(seed):
        import glassgrad
        lib = glassgrad
        if framework == "torch":
            import torch as lib
        lib.manual_seed(seed)
        rng = np.random.default_rng(seed)
        batch = max(2, int(32 * scale))
        x = lib.tensor(rng.standard_normal((batch, 64, 128)).astype(np.float32))
        y = lib.tensor(rng.integers(0, 10, batch).astype(np.int64))
        model = _attention_model(lib)
        optimizer = lib.optim.SGD(model.parameters(), lr=0.01)

        def step():
            optimizer.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            return loss
        return step
    return build


# --- gpt: nanoGPT's model in torch --------------------------------------------------------------
def torch_gpt(vocab_size=65, block_size=64, n_layer=4, n_head=4, n_embd=128):
    """nanoGPT's GPT (bias=False, dropout 0, tied head) in torch, for the side-by-side runs."""
    import torch
    import torch.nn as nn
    F = torch.nn.functional

    class CausalSelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn = nn.Linear(n_embd, 3 * n_embd, bias=False)
            self.c_proj = nn.Linear(n_embd, n_embd, bias=False)

        def forward(self, x):
            B, T, C = x.shape
            q, k, v = self.c_attn(x).split(n_embd, dim=2)
            q, k, v = (t.view(B, T, n_head, C // n_head).transpose(1, 2) for t in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(n_embd, bias=False)
            self.attn = CausalSelfAttention()
            self.ln_2 = nn.LayerNorm(n_embd, bias=False)
            self.c_fc = nn.Linear(n_embd, 4 * n_embd, bias=False)
            self.c_proj = nn.Linear(4 * n_embd, n_embd, bias=False)

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x))))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.block_size = block_size
            self.wte = nn.Embedding(vocab_size, n_embd)
            self.wpe = nn.Embedding(block_size, n_embd)
            self.h = nn.ModuleList([Block() for _ in range(n_layer)])
            self.ln_f = nn.LayerNorm(n_embd, bias=False)
            self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
            self.wte.weight = self.lm_head.weight
            for m in self.modules():
                if isinstance(m, (nn.Linear, nn.Embedding)):
                    nn.init.normal_(m.weight, 0.0, 0.02)
            for name, p in self.named_parameters():
                if name.endswith("c_proj.weight"):
                    nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * n_layer))

        def forward(self, idx, targets=None):
            x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
            for block in self.h:
                x = block(x)
            logits = self.lm_head(self.ln_f(x))
            loss = None if targets is None else F.cross_entropy(
                logits.view(-1, logits.size(-1)), targets.view(-1))
            return logits, loss
    return GPT()


def torch_optimizer(model, lr=1e-3, weight_decay=0.1, betas=(0.9, 0.99)):
    import torch
    params = list(model.parameters())
    return torch.optim.AdamW([{"params": [p for p in params if p.dim() >= 2],
                               "weight_decay": weight_decay},
                              {"params": [p for p in params if p.dim() < 2],
                               "weight_decay": 0.0}], lr=lr, betas=betas)


def gpt_builder(framework, scale):
    def build(seed):
        rng = np.random.default_rng(seed)
        batch = max(2, int(12 * scale))
        x = rng.integers(0, 65, (batch, 64)).astype(np.int64)
        y = rng.integers(0, 65, (batch, 64)).astype(np.int64)
        if framework == "torch":
            import torch
            torch.manual_seed(seed)
            model, clip = torch_gpt(), torch.nn.utils.clip_grad_norm_
            optimizer = torch_optimizer(model)
            x, y = torch.tensor(x), torch.tensor(y)
        else:
            import glassgrad as gg
            from glassgrad.models.gpt import GPT, GPTConfig, configure_optimizer
            gg.manual_seed(seed)
            model, clip = GPT(GPTConfig()), gg.nn.utils.clip_grad_norm_
            optimizer = configure_optimizer(model, 1e-3, 0.1, (0.9, 0.99))
            x, y = gg.tensor(x), gg.tensor(y)

        def step():
            optimizer.zero_grad()
            _, loss = model(x, y)
            loss.backward()
            clip(model.parameters(), 1.0)
            optimizer.step()
            return loss
        return step
    return build
