"""The GPT char model: against nanoGPT's model transcribed in torch (logits, loss, gradients),
causality, the block-size error, nanoGPT's schedule, and the small train → checkpoint → sample
path of `glassgrad train --data shakespeare --model gpt` and `glassgrad sample`."""
import math

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.models.gpt import GPT, GPTConfig, evaluate_gpt, generate, get_lr

SMALL = dict(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=16)


def _ids(shape, seed=0, vocab=11):
    return np.random.default_rng(seed).integers(0, vocab, shape).astype(np.int64)


def test_gpt_matches_nanogpt_in_torch():
    torch = pytest.importorskip("torch")
    from benchmarks.transformer_workloads import torch_gpt
    gg.manual_seed(0)
    g = GPT(GPTConfig(**SMALL))
    t = torch_gpt(**SMALL)
    rename = {".mlp.c_fc.": ".c_fc.", ".mlp.c_proj.": ".c_proj."}

    def torch_name(name):
        name = name.replace("transformer.", "")
        for a, b in rename.items():
            name = name.replace(a, b)
        return name
    state = {torch_name(k): torch.tensor(v.numpy()) for k, v in g.state_dict().items()}
    assert set(state) == set(t.state_dict())
    t.load_state_dict(state)
    x, y = _ids((3, 8)), _ids((3, 8), seed=1)
    g_logits, g_loss = g(gg.tensor(x), gg.tensor(y))
    t_logits, t_loss = t(torch.tensor(x), torch.tensor(y))
    np.testing.assert_allclose(g_logits.detach().numpy(), t_logits.detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(g_loss.item(), t_loss.item(), rtol=1e-6)
    g_loss.backward()
    t_loss.backward()
    t_params = dict(t.named_parameters())
    for name, p in g.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), t_params[torch_name(name)].grad.numpy(),
                                   atol=1e-6, err_msg=name)
    # Tied: the head and the token embedding are one parameter, as nanoGPT's.
    assert g.lm_head.weight is g.transformer.wte.weight


def test_gpt_is_causal_and_checks_its_block_size():
    gg.manual_seed(0)
    model = GPT(GPTConfig(**SMALL))
    x = _ids((2, 8))
    later = x.copy()
    later[:, 5:] = (later[:, 5:] + 1) % 11
    with gg.no_grad():
        a, b = model(gg.tensor(x))[0].numpy(), model(gg.tensor(later))[0].numpy()
    np.testing.assert_allclose(a[:, :5], b[:, :5], atol=1e-6)
    assert not np.allclose(a[:, 5:], b[:, 5:])
    with pytest.raises(ValueError, match=r"GPT: cannot forward a sequence of length 9, the "
                                         r"block size is only 8 \(ids of shape \(2, 9\)\)"):
        model(gg.tensor(_ids((2, 9))))
    with pytest.raises(ValueError, match="n_embd 16 must be divisible by n_head 3"):
        GPT(GPTConfig(**{**SMALL, "n_head": 3}))


def test_cpu_config_has_nanogpts_size_and_untied_head_adds_one_matrix():
    assert GPT(GPTConfig()).num_parameters() == 795_904          # nanoGPT prints "0.80M"
    untied = GPT(GPTConfig(tie_weights=False))
    assert untied.num_parameters() == 795_904 + 65 * 128


def test_schedule_is_nanogpts():
    args = dict(learning_rate=1e-3, warmup_iters=100, lr_decay_iters=2000, min_lr=1e-4)
    assert get_lr(0, **args) == pytest.approx(1e-3 / 101)
    assert get_lr(100, **args) == pytest.approx(1e-3)
    assert get_lr(1050, **args) == pytest.approx(1e-4 + 0.5 * 9e-4)
    assert get_lr(2000, **args) == pytest.approx(1e-4)


def test_small_train_checkpoint_sample_path(tmp_path, capsys):
    from glassgrad.cli import text_train
    from glassgrad.cli.command import main
    results = text_train._shakespeare_gpt(None, 3e-3, 8, 0, str(tmp_path), lambda line: None,
                                          config=dict(block_size=16, n_layer=1, n_head=2,
                                                      n_embd=16), steps=40, val_chars=4000)
    assert results["steps"] == 40
    # 40 steps from a uniform start (ln 65 = 4.17 nats) already learn the letter frequencies.
    assert results["val_loss"]["value"] < 3.6
    assert main(["sample", str(tmp_path), "--prompt", "ROMEO:", "--temperature", "0.8",
                 "--top-k", "40", "--length", "30"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("ROMEO:") and len(printed.rstrip("\n")) == 36


def test_evaluate_and_generate():
    gg.manual_seed(0)
    model = GPT(GPTConfig(**SMALL))
    scores = evaluate_gpt(model, _ids(200))
    # An untrained model of N(0, 0.02) weights is close to uniform over the 11 symbols.
    assert scores["loss"].value == pytest.approx(math.log(11), abs=0.05)
    assert scores["loss"].low <= scores["loss"].value <= scores["loss"].high

    class Vocab:
        stoi = {c: i for i, c in enumerate("abcdefghijk")}
        itos = list("abcdefghijk")

        def encode(self, chars):
            return np.array([self.stoi[c] for c in chars])
    text = generate(model, Vocab(), "abc", 20, temperature=0.8, top_k=3,
                    generator=gg.Generator(0))
    assert text.startswith("abc") and len(text) == 23 and set(text) <= set(Vocab.itos)
    with pytest.raises(ValueError, match="generate: the prompt holds characters the model never "
                                         "saw: 'z'"):
        generate(model, Vocab(), "z")
