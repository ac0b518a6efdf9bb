"""The op table's records for glassgrad.nn's primitives (Function subclasses), in tests/op_db.py's
record format; op_db.py appends `NN_OPS` to its table, so tests/test_ops.py checks them like every
engine op (forward vs torch, float32 kept, first and second order vs finite differences and vs
torch).

nn is composite by default (conv = unfold + matmul, the norms = mean/rsqrt/...), so only the
primitives nn adds for a measured reason are here:
  - MaxPool (glassgrad/ops/pool.py): max_pool1d/max_pool2d, one pass per kernel tap.
  - LogSoftmax (glassgrad/nn/functional/activation.py): log_softmax, which cross_entropy uses.
  - MSELoss (glassgrad/nn/functional/loss.py): mse_loss with reduction 'mean' or 'sum'.
  - CrossEntropy (glassgrad/nn/functional/loss.py): cross_entropy on (N, C) logits and class
    indices, no weight, smoothing or ignored targets, reduction 'mean' or 'sum'.
A helper adding a primitive appends its records at the end of NN_OPS.
"""
from glassgrad.nn import functional as nnF

from op_db import DISTINCT, LARGE, OpInfo, _fixed, sample

NN_OPS = [
    OpInfo("max_pool2d", nnF.max_pool2d, "F.max_pool2d",
           [sample((2, 3, 4, 4), kernel_size=2),                                # tiles
            sample((1, 2, 5, 4), kernel_size=2),                                # ragged end
            sample((1, 2, 5, 5), kernel_size=3, stride=2, padding=1),           # -inf padding
            sample((1, 2, 5, 6), kernel_size=(2, 3), stride=(1, 2), padding=(1, 1),
                   dilation=(2, 1), ceil_mode=True),
            sample((2, 4, 4), kernel_size=2, stride=1)],                        # unbatched
           domain=DISTINCT, piecewise_linear=True,
           note="DISTINCT: no ties, so the first-maximum rule is not what is being tested"),
    OpInfo("max_pool1d", nnF.max_pool1d, "F.max_pool1d",
           [sample((2, 3, 8), kernel_size=2),
            sample((1, 2, 9), kernel_size=3, stride=2, padding=1, ceil_mode=True),
            sample((1, 2, 9), kernel_size=2, stride=3, dilation=2)],            # gaps
           domain=DISTINCT, piecewise_linear=True),
    # nn-core: the fused log-softmax primitive (glassgrad/nn/functional/activation.py), which
    # cross_entropy uses; measured ~30% faster cross_entropy forward + backward than the
    # composite x - logsumexp(x).
    OpInfo("log_softmax (nn.functional)", nnF.log_softmax, "F.log_softmax",
           [sample((3, 4), dim=1), sample((2, 3, 4), dim=0), sample((2, 3, 4), dim=-1),
            sample((5,), dim=0), sample((), dim=0)]),
    # nn-core: the fused mean-squared-error primitive (glassgrad/nn/functional/loss.py);
    # both arguments are differentiated (torch allows a target that requires grad).
    OpInfo("mse_loss (nn.functional)", nnF.mse_loss, "F.mse_loss",
           [sample((3, 4), (3, 4)), sample((5,), (5,), reduction="sum"),
            sample((2, 3, 2), (2, 3, 2), reduction="mean"), sample((), ())]),
    # nn-core: fused log-softmax + NLL (glassgrad/nn/functional/loss.py), cross_entropy's
    # common case; the class indices are constants (kwargs), the logits are differentiated.
    OpInfo("cross_entropy (fused)", nnF.cross_entropy, "F.cross_entropy",
           [sample((4, 3), target=_fixed(5, (4,), 3)),
            sample((6, 5), target=_fixed(6, (6,), 5), reduction="sum"),
            sample((1, 2), target=_fixed(7, (1,), 2))]),
    OpInfo("cross_entropy (fused, large logits)", nnF.cross_entropy, "F.cross_entropy",
           [sample((3, 4), target=_fixed(8, (3,), 4))], domain=LARGE,
           note="logits near 1000: the max is subtracted before exp"),
]
