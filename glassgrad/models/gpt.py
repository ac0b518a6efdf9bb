"""A GPT-style decoder-only transformer for character-level language modelling, laid out as
nanoGPT's model.py: token + position embeddings, pre-norm blocks of causal self-attention and a
GELU MLP, a final LayerNorm and a linear head (optionally tied to the token embedding).

    x_0 = wte[idx] + wpe[0..T-1]
    x_l = x_{l-1} + Attn(LN(x_{l-1}));  x_l = x_l + MLP(LN(x_l))        (l = 1..n_layer)
    p(c_{t+1} | c_1..c_t) = softmax(LN(x_L) W_headᵀ)

Training as nanoGPT's train.py: random windows (`random_windows`), AdamW with weight decay on
the matrices only, linear warm-up then cosine decay to min_lr, gradient clipping at 1.0.

    model = GPT(GPTConfig(vocab_size=65))
    history = train_gpt(model, train_ids, GPT_CPU_TRAINING)
    scores = evaluate_gpt(model, val_ids)           # {"loss": Score, "bpc": Score}
    print(generate(model, vocab, "ROMEO:", 200, temperature=0.8, top_k=40))

- Papers: Radford et al., "Improving Language Understanding by Generative Pre-Training" (GPT,
  2018) and "Language Models are Unsupervised Multitask Learners" (GPT-2, 2019: pre-norm, the
  scaled init of residual projections); Vaswani et al. 2017 (attention); Loshchilov & Hutter
  2019 (AdamW, SGDR's cosine schedule); Karpathy's nanoGPT (model.py, train.py and
  config/train_shakespeare_char.py: the CPU configuration of its README).
"""
import math
import time
from dataclasses import asdict, dataclass

import numpy as np

from .. import creation
from ..autograd import no_grad
from ..nn import init
from ..nn.functional.activation import gelu
from ..nn.functional.attention import scaled_dot_product_attention
from ..nn.functional.dropout import dropout
from ..nn.modules.container import ModuleDict, ModuleList
from ..nn.modules.dropout import Dropout
from ..nn.modules.linear import Linear
from ..nn.modules.module import Module
from ..nn.modules.normalization import LayerNorm
from ..nn.modules.sparse import Embedding
from ..nn.utils import clip_grad_norm_
from ..optim import AdamW
from ..random import Generator, _generator
from ..tensor import as_array
from ..train.metrics import Score, bootstrap_mean_interval
from .char_lm import lm_loss, random_windows


@dataclass
class GPTConfig:
    """nanoGPT's GPTConfig, with its README's CPU sizes as defaults (0.80M parameters)."""
    vocab_size: int = 65
    block_size: int = 64
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    bias: bool = False          # biases in Linear and LayerNorm layers (nanoGPT: False)
    tie_weights: bool = True    # lm_head.weight is wte.weight (Press & Wolf, 2017)


class CausalSelfAttention(Module):
    """One packed projection to q, k, v (c_attn), causal attention over all heads in one
    batched product, the output projection c_proj."""

    def __init__(self, config):
        super().__init__()
        if config.n_embd % config.n_head:
            raise ValueError(f"CausalSelfAttention: n_embd {config.n_embd} must be divisible "
                             f"by n_head {config.n_head}")
        self.c_attn = Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = Dropout(config.dropout)
        self.n_head, self.n_embd, self.dropout = config.n_head, config.n_embd, config.dropout

    def forward(self, x):
        batch, steps, width = x.shape
        # (B, T, 3C) → (3, B, nh, T, hs): q, k and v of every head, without a copy per head.
        qkv = self.c_attn(x).reshape(batch, steps, 3, self.n_head, width // self.n_head)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        y = scaled_dot_product_attention(q, k, v, is_causal=True,
                                         dropout_p=self.dropout if self.training else 0.0)
        y = y.permute(0, 2, 1, 3).reshape(batch, steps, width)      # concatenate the heads
        return self.resid_dropout(self.c_proj(y))


class MLP(Module):
    """Linear to 4·n_embd, exact GELU (nn.GELU()'s default, as nanoGPT), Linear back."""

    def __init__(self, config):
        super().__init__()
        self.c_fc = Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.c_proj = Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.p = config.dropout

    def forward(self, x):
        return dropout(self.c_proj(gelu(self.c_fc(x))), self.p, self.training)


class Block(Module):
    """Pre-norm residual block: x + attn(ln_1(x)), then + mlp(ln_2(x))."""

    def __init__(self, config):
        super().__init__()
        self.ln_1 = LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(Module):
    """The decoder-only transformer; parameter names are nanoGPT's (transformer.wte, ...,
    lm_head), so its state_dict keys match.

    forward(idx, targets=None) → (logits (B, T, vocab_size), loss or None); idx (B, T) int64
    with T ≤ block_size. Initialisation as nanoGPT: N(0, 0.02) weights, zero biases, and the
    residual projections (c_proj) N(0, 0.02/√(2·n_layer)) (GPT-2's scaled init).
    """

    def __init__(self, config=None, **kwargs):
        super().__init__()
        config = config if config is not None else GPTConfig(**kwargs)
        self.config = config
        self.transformer = ModuleDict({
            "wte": Embedding(config.vocab_size, config.n_embd),
            "wpe": Embedding(config.block_size, config.n_embd),
            "drop": Dropout(config.dropout),
            "h": ModuleList([Block(config) for _ in range(config.n_layer)]),
            "ln_f": LayerNorm(config.n_embd, bias=config.bias),
        })
        self.lm_head = Linear(config.n_embd, config.vocab_size, bias=False)
        if config.tie_weights:
            self.transformer.wte.weight = self.lm_head.weight
        self.reset_parameters()

    def reset_parameters(self):
        for module in self.modules():
            if isinstance(module, (Linear, Embedding)):
                init.normal_(module.weight, 0.0, 0.02)
            if isinstance(module, Linear) and module.bias is not None:
                init.zeros_(module.bias)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                init.normal_(p, 0.0, 0.02 / math.sqrt(2 * self.config.n_layer))

    def num_parameters(self, non_embedding=True):
        """Parameter count; nanoGPT's convention leaves out the position embeddings."""
        total = sum(p.numel() for p in self.parameters())
        return total - self.transformer.wpe.weight.numel() if non_embedding else total

    def forward(self, idx, targets=None):
        if idx.ndim != 2:
            raise ValueError(f"GPT: expected token ids of shape (B, T), got {tuple(idx.shape)}")
        steps = idx.shape[1]
        if steps > self.config.block_size:
            raise ValueError(f"GPT: cannot forward a sequence of length {steps}, the block size "
                             f"is only {self.config.block_size} (ids of shape "
                             f"{tuple(idx.shape)})")
        positions = np.arange(steps)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(positions))
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        return logits, (lm_loss(logits, targets) if targets is not None else None)


# --- training, as nanoGPT's train.py ----------------------------------------------------------
# The README's CPU run: --block_size=64 --batch_size=12 --n_layer=4 --n_head=4 --n_embd=128
# --max_iters=2000 --lr_decay_iters=2000 --dropout=0.0, over config/train_shakespeare_char.py
# (learning_rate 1e-3, min_lr 1e-4, beta2 0.99, warmup_iters 100) and train.py's defaults
# (weight_decay 0.1, beta1 0.9, grad_clip 1.0).
GPT_CPU_TRAINING = {"max_iters": 2000, "batch_size": 12, "learning_rate": 1e-3, "min_lr": 1e-4,
                    "warmup_iters": 100, "lr_decay_iters": 2000, "weight_decay": 0.1,
                    "betas": (0.9, 0.99), "grad_clip": 1.0}


def get_lr(it, learning_rate, warmup_iters, lr_decay_iters, min_lr):
    """nanoGPT's schedule: linear warm-up, then cosine from learning_rate to min_lr."""
    if it < warmup_iters:
        return learning_rate * (it + 1) / (warmup_iters + 1)
    if it > lr_decay_iters:
        return min_lr
    ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (learning_rate - min_lr)


def configure_optimizer(model, learning_rate, weight_decay, betas):
    """AdamW with weight decay on the matrices (weights, embeddings) only, as nanoGPT's
    configure_optimizers: biases and LayerNorm gains are not decayed."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [{"params": [p for p in params if p.ndim >= 2], "weight_decay": weight_decay},
              {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0}]
    return AdamW([g for g in groups if g["params"]], lr=learning_rate, betas=tuple(betas))


def train_gpt(model, train_ids, settings=None, generator=None, log=None, log_every=100,
              **overrides):
    """nanoGPT's loop on random windows of the model's block size; returns
    {"step", "loss", "lr", "seconds"} lists (the loss averaged over each `log_every` steps)."""
    s = {**GPT_CPU_TRAINING, **(settings or {}), **overrides}
    generator = generator if generator is not None else Generator(0)
    optimizer = configure_optimizer(model, s["learning_rate"], s["weight_decay"], s["betas"])
    block = model.config.block_size
    history = {"step": [], "loss": [], "lr": [], "seconds": []}
    model.train()
    start, running = time.perf_counter(), []
    for it in range(s["max_iters"]):
        lr = get_lr(it, s["learning_rate"], s["warmup_iters"], s["lr_decay_iters"], s["min_lr"])
        for group in optimizer.param_groups:
            group["lr"] = lr
        x, y = random_windows(train_ids, block, s["batch_size"], generator)
        optimizer.zero_grad()
        _, loss = model(creation.tensor(x), creation.tensor(y))
        loss.backward()
        if s["grad_clip"]:
            clip_grad_norm_(model.parameters(), s["grad_clip"])
        optimizer.step()
        running.append(float(loss.item()))
        if (it + 1) % log_every == 0 or it + 1 == s["max_iters"]:
            history["step"].append(it + 1)
            history["loss"].append(float(np.mean(running)))
            history["lr"].append(lr)
            history["seconds"].append(time.perf_counter() - start)
            if log is not None:
                log(f"step {it + 1}/{s['max_iters']}  train loss {history['loss'][-1]:.4f}  "
                    f"lr {lr:.2e}  ({history['seconds'][-1]:.0f} s)")
            running = []
    return history


def evaluate_gpt(model, ids, batch_size=64, confidence=0.95):
    """Loss on `ids` in nats and bits per character, each a Score with a CI.

    The text is cut into consecutive windows of block_size characters and every position of
    every window is scored (the deterministic version of nanoGPT's estimate_loss, which
    averages random windows the same way: a character sees 0 to block_size - 1 predecessors).
    The interval is a bootstrap over windows (the losses inside a window are correlated).
    """
    ids = np.asarray(ids)
    block = model.config.block_size
    count = (len(ids) - 1) // block
    if count < 2:
        raise ValueError(f"evaluate_gpt: {len(ids)} characters make fewer than two windows of "
                         f"{block} + 1")
    inputs = ids[:count * block].reshape(count, block)
    targets = ids[1:count * block + 1].reshape(count, block)
    per_window = np.empty(count)
    was_training = model.training
    model.eval()
    with no_grad():
        for start in range(0, count, batch_size):
            stop = min(start + batch_size, count)
            logits, _ = model(creation.tensor(inputs[start:stop]))
            log_probs = logits.log_softmax(-1)._data
            chosen = np.take_along_axis(log_probs, targets[start:stop, :, None], -1)[..., 0]
            per_window[start:stop] = -chosen.mean(1)
    model.train(was_training)
    low, high = bootstrap_mean_interval(per_window, confidence)
    nats = Score("loss", float(per_window.mean()), low, high, count * block, confidence)
    bpc = Score("bpc", nats.value / math.log(2), low / math.log(2), high / math.log(2),
                count * block, confidence)
    return {"loss": nats, "bpc": bpc}


def generate(model, vocab, prompt, length=200, temperature=1.0, top_k=None, generator=None):
    """`prompt` and `length` characters drawn one at a time, each from the model's prediction
    given the last block_size characters (nanoGPT's generate, with top-k as Fan et al. 2018)."""
    if not prompt:
        raise ValueError("generate: the prompt must hold at least one character")
    if not temperature > 0:
        raise ValueError(f"generate: temperature must be > 0, got {temperature}")
    if top_k is not None and not (isinstance(top_k, int) and top_k >= 1):
        raise ValueError(f"generate: top_k must be a positive integer or None, got {top_k!r}")
    unknown = sorted(set(prompt) - set(vocab.stoi))
    if unknown:
        raise ValueError(f"generate: the prompt holds characters the model never saw: "
                         f"{''.join(unknown)!r}")
    rng = _generator(generator)
    ids = list(vocab.encode(list(prompt)))
    was_training = model.training
    model.eval()
    with no_grad():
        for _ in range(length):
            context = np.array([ids[-model.config.block_size:]], dtype=np.int64)
            logits, _ = model(creation.tensor(context))
            scores = as_array(logits)[0, -1].astype(np.float64) / temperature
            if top_k is not None and top_k < scores.size:
                kth = np.partition(scores, -top_k)[-top_k]
                scores = np.where(scores < kth, -np.inf, scores)
            probs = np.exp(scores - scores.max())
            probs /= probs.sum()
            ids.append(int(rng.choice(probs.size, p=probs)))
    model.train(was_training)
    return prompt + "".join(vocab.itos[i] for i in ids[len(prompt):])


def config_dict(model):
    """The model's GPTConfig as a plain dict (what a checkpoint stores)."""
    return asdict(model.config)


__all__ = ["GPT", "GPTConfig", "GPT_CPU_TRAINING", "Block", "CausalSelfAttention", "MLP",
           "config_dict", "configure_optimizer", "evaluate_gpt", "generate", "get_lr",
           "train_gpt"]
