"""nanoGPT's CPU run (tinyshakespeare, 4 layers, 4 heads, n_embd 128, block 64, batch 12, 2,000
iterations, AdamW 1e-3 → 1e-4 cosine, warm-up 100) in glassgrad or in torch, the same windows
for both, timed; the validation loss by glassgrad.models.gpt.evaluate_gpt's rule (every
position of consecutive 64-character windows of the 10% split).

    OPENBLAS_NUM_THREADS=1 nice python -m benchmarks.gpt_train --framework glassgrad
    OPENBLAS_NUM_THREADS=1 nice python -m benchmarks.gpt_train --framework torch
"""
import argparse
import json
import math
import time

import numpy as np


def _data():
    from glassgrad.data.datasets import load_shakespeare
    from glassgrad.data.text import Vocabulary
    train_text, val_text = load_shakespeare()
    vocab = Vocabulary.of_characters(train_text + val_text)
    return vocab, vocab.encode(list(train_text)), vocab.encode(list(val_text))


def run_torch(train_ids, val_ids, iters, seed, log):
    import torch
    from glassgrad.models.char_lm import random_windows
    from glassgrad.models.gpt import GPT_CPU_TRAINING as S, get_lr
    from glassgrad.random import Generator
    from .transformer_workloads import torch_gpt, torch_optimizer
    torch.manual_seed(seed)
    model = torch_gpt()
    optimizer = torch_optimizer(model, S["learning_rate"], S["weight_decay"], S["betas"])
    generator = Generator(seed)
    start = time.perf_counter()
    for it in range(iters):
        for group in optimizer.param_groups:
            group["lr"] = get_lr(it, S["learning_rate"], S["warmup_iters"], S["lr_decay_iters"],
                                 S["min_lr"])
        x, y = random_windows(train_ids, 64, S["batch_size"], generator)
        optimizer.zero_grad()
        _, loss = model(torch.tensor(x), torch.tensor(y))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), S["grad_clip"])
        optimizer.step()
        if (it + 1) % 200 == 0:
            log(f"torch step {it + 1}  loss {loss.item():.4f}  "
                f"({time.perf_counter() - start:.0f} s)")
    seconds = time.perf_counter() - start
    count = (len(val_ids) - 1) // 64
    inputs = torch.tensor(np.asarray(val_ids[:count * 64]).reshape(count, 64))
    targets = torch.tensor(np.asarray(val_ids[1:count * 64 + 1]).reshape(count, 64))
    model.eval()
    with torch.no_grad():
        losses = [model(inputs[i:i + 64], targets[i:i + 64])[1].item() * len(inputs[i:i + 64])
                  for i in range(0, count, 64)]
    return seconds, sum(losses) / count


def run_glassgrad(train_ids, val_ids, iters, seed, log):
    import glassgrad as gg
    from glassgrad.models.gpt import GPT, GPTConfig, evaluate_gpt, train_gpt
    gg.manual_seed(seed)
    model = GPT(GPTConfig())
    start = time.perf_counter()
    train_gpt(model, train_ids, max_iters=iters, generator=gg.Generator(seed), log=log,
              log_every=200)
    seconds = time.perf_counter() - start
    return seconds, evaluate_gpt(model, val_ids)["loss"].value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", choices=["glassgrad", "torch"], required=True)
    parser.add_argument("--iters", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    vocab, train_ids, val_ids = _data()
    run = run_torch if args.framework == "torch" else run_glassgrad
    if args.framework == "torch":
        import torch
        torch.set_num_threads(int(__import__("os").environ.get("OPENBLAS_NUM_THREADS", "1")))
    seconds, val_loss = run(train_ids, val_ids, args.iters, args.seed,
                            lambda line: print(line, flush=True))
    result = {"framework": args.framework, "iters": args.iters, "seconds": seconds,
              "steps_per_second": args.iters / seconds, "val_loss": val_loss,
              "val_bpc": val_loss / math.log(2)}
    print(json.dumps(result))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=1)
    return result


if __name__ == "__main__":
    main()
