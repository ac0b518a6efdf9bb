"""`glassgrad sample`: print text drawn from a character-level language model's checkpoint.

    glassgrad train --data shakespeare --model lstm --out runs/shakespeare
    glassgrad sample runs/shakespeare --prompt "ROMEO:" --temperature 0.8 --top-k 10 --length 300
    glassgrad train --data shakespeare --model gpt --out runs/gpt
    glassgrad sample runs/gpt --prompt "ROMEO:" --temperature 0.8 --top-k 40

The checkpoint is one that `glassgrad train --data shakespeare` or `glassgrad experiments run
char_lm` wrote (the weights, the model's sizes and the vocabulary); the drawing is
glassgrad.models.char_lm.sample (an LSTM) or glassgrad.models.gpt.generate (a GPT).
"""
import os

from ..random import Generator
from .arguments import UsageError, non_negative, positive

HELP = "print text sampled from a character-level language model checkpoint"


def add_arguments(parser):
    parser.add_argument("checkpoint", metavar="CHECKPOINT",
                        help="a char_lm checkpoint (.npz), or the run folder holding "
                             "checkpoint.npz")
    parser.add_argument("--prompt", default="\n",
                        help="the text the sample continues (default: a new line)")
    parser.add_argument("--length", type=non_negative("--length"), default=300,
                        help="characters to draw after the prompt (default: 300)")
    parser.add_argument("--temperature", type=positive(float, "--temperature"), default=0.8,
                        help="divide the logits by this: below 1 safer, above 1 wilder "
                             "(default: 0.8)")
    parser.add_argument("--top-k", type=positive(int, "--top-k"), default=None,
                        help="draw only among the K most likely characters (default: all)")
    parser.add_argument("--seed", type=non_negative("--seed"), default=0,
                        help="seed of the draws (default: 0)")


def run(args):
    from ..experiments.char_lm import load
    prog = "glassgrad sample"
    path = args.checkpoint
    if os.path.isdir(path):
        path = os.path.join(path, "checkpoint.npz")
    if not os.path.isfile(path):
        raise UsageError(prog, f"no checkpoint at {path!r}; give the .npz (or the run folder) "
                               f"that `glassgrad train --data shakespeare` wrote")
    model, vocab, _ = load(path)
    unknown = sorted(set(args.prompt) - set(vocab.stoi))
    if unknown:
        raise UsageError(prog, f"--prompt holds characters the model never saw: "
                               f"{''.join(unknown)!r}")
    from ..models.char_lm import sample
    from ..models.gpt import GPT, generate
    draw = generate if isinstance(model, GPT) else sample     # a GPT reads a window, not a state
    print(draw(model, vocab, args.prompt, args.length, args.temperature, args.top_k,
               Generator(args.seed)))
    return 0


__all__ = ["HELP", "add_arguments", "run"]
