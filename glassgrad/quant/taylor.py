"""Rounding as a second-order Taylor problem, solved exactly for a layer small enough to try
every rounding: the motivation of AdaRound, shown with glassgrad's exact Hessian.

Rounding a weight vector w to its grid changes it by Δw; the loss changes by

    ΔL = L(w + Δw) - L(w)  ≈  gᵀΔw + ½ ΔwᵀHΔw,     g = ∇L(w),  H = ∇²L(w)

At a trained w the gradient is small, so the second term decides: the rounding errors interact
through the off-diagonal entries of H, and rounding each weight to its nearest grid point
(which minimises every |Δw_i| alone) is not the best choice for the loss. AdaRound replaces H
by the layer-local approximation H ≈ E[x xᵀ] ⊗ c·I (its eq. 14-16), i.e. the objective
E‖Δw x‖², which needs only the layer's inputs. For n ≤ 16 weights, each of which can round
down or up, the 2ⁿ roundings can all be scored: by the first-order term, by the Taylor
objective with the exact H, by AdaRound's local objective, and by the true ΔL.

    study = rounding_study(loss, weight, bits=3, layer_inputs=x)
    study["true"][study["best"]["taylor"]]     # the true ΔL of the rounding Taylor picks

- Paper: Nagel, Amjad, van Baalen, Louizos & Blankevoort, "Up or down? Adaptive rounding for
  post-training quantization", ICML 2020, section 2 (eqs. 1-13: the Taylor expansion, the
  quadratic unconstrained binary optimisation, Table 1: nearest is not the best rounding).
"""
import numpy as np

from ..autograd import functional, grad_mode
from ..tensor import Tensor
from .qparams import calculate_qparams, qrange

MAX_WEIGHTS = 16           # 2^16 roundings is the most an exhaustive search here will try


def grid(weight, bits, per_channel=False):
    """(floor codes, scale broadcast to weight's shape, q_min, q_max) of the symmetric signed
    b-bit grid of a weight (per output channel, i.e. row, when per_channel)."""
    w = np.asarray(weight, dtype=np.float64)
    if per_channel:
        rows = w.reshape(w.shape[0], -1)
        scale, _ = calculate_qparams(rows.min(1), rows.max(1), bits, symmetric=True)
        scale = scale.astype(np.float64).reshape((-1,) + (1,) * (w.ndim - 1))
    else:
        scale, _ = calculate_qparams(w.min(), w.max(), bits, symmetric=True)
        scale = np.float64(scale)
    quant_min, quant_max = qrange(bits)
    return np.floor(w / scale), np.broadcast_to(scale, w.shape), quant_min, quant_max


def all_roundings(n):
    """Every up/down choice of n weights: an (2ⁿ, n) array of 0 (down) and 1 (up)."""
    if not 1 <= n <= MAX_WEIGHTS:
        raise ValueError(f"all_roundings: an exhaustive search takes 1 to {MAX_WEIGHTS} "
                         f"weights (2^n roundings), got n = {n}")
    codes = np.arange(2 ** n)[:, None]
    return ((codes >> np.arange(n)[None, :]) & 1).astype(np.float64)


def rounding_deltas(weight, up, bits, per_channel=False):
    """Δw for each row of `up` (0/1 per weight, shape (k, n)): s·clamp(⌊w/s⌋ + up) - w."""
    w = np.asarray(weight, dtype=np.float64)
    floor, scale, quant_min, quant_max = grid(w, bits, per_channel)
    codes = np.clip(floor.ravel()[None, :] + up, quant_min, quant_max)
    return codes * scale.ravel()[None, :] - w.ravel()[None, :]


def nearest_up(weight, bits, per_channel=False):
    """The 0/1 choice that rounding to nearest makes (np.rint: ties to even, as round_nearest;
    the extreme weight of a symmetric grid sits exactly on such a tie)."""
    w = np.asarray(weight, dtype=np.float64)
    floor, scale, _, _ = grid(w, bits, per_channel)
    return (np.rint(w / scale) > floor).astype(np.float64).ravel()


def up_from_rounded(weight, rounded, bits, per_channel=False):
    """The 0/1 choice (per weight) that produced `rounded`, a weight on the grid."""
    w = np.asarray(weight, dtype=np.float64)
    floor, scale, _, _ = grid(w, bits, per_channel)
    codes = np.rint(np.asarray(rounded, np.float64) / scale)
    return (codes > floor).astype(np.float64).ravel()


def gradient_and_hessian(loss, weight):
    """(g, H) of the scalar `loss(weight_tensor)` at `weight`, exactly: a backward pass and the
    Hessian by double backward (glassgrad.autograd.functional.hessian), in float64."""
    w = Tensor(np.asarray(weight, dtype=np.float64), requires_grad=True)
    n = w._data.size
    hessian = functional.hessian(loss, w)._data.reshape(n, n)
    w = Tensor(np.asarray(weight, dtype=np.float64), requires_grad=True)
    out = loss(w)
    out.backward()
    return w.grad._data.reshape(n).copy(), 0.5 * (hessian + hessian.T)


def true_changes(loss, weight, deltas):
    """L(w + Δw) - L(w) for each row of deltas, evaluated without a graph."""
    w = np.asarray(weight, dtype=np.float64)
    with grad_mode.no_grad():
        base = float(loss(Tensor(w))._data)
        return np.array([float(loss(Tensor(w + d.reshape(w.shape)))._data) - base
                         for d in deltas])


def local_objective(deltas, layer_inputs, out_features):
    """AdaRound's layer-local proxy E_x ‖Δw x‖² for a Linear weight (out, in) and its inputs
    x (N, in), one value per row of deltas."""
    x = np.asarray(layer_inputs, dtype=np.float64)
    change = deltas.reshape(len(deltas), out_features, -1)            # (k, out, in)
    outputs = np.einsum("koi,ni->kno", change, x)                     # (k, N, out)
    return (outputs ** 2).sum(axis=2).mean(axis=1)


def rank_correlation(a, b):
    """Spearman's rank correlation (the Pearson correlation of the ranks; ties are rare)."""
    ra = np.argsort(np.argsort(a)).astype(float)
    rb = np.argsort(np.argsort(b)).astype(float)
    return float(np.corrcoef(ra, rb)[0, 1])


def rounding_study(loss, weight, bits=3, per_channel=False, layer_inputs=None):
    """Score every rounding of a small weight by each objective and by the true loss change.

    Args:
        loss: weight Tensor -> scalar loss Tensor (the model with this weight swapped in, on a
            fixed batch); differentiated twice, so it must be built from glassgrad ops.
        weight: the float weight (numpy, at most 16 entries).
        bits: the symmetric signed grid; per_channel: one scale per row.
        layer_inputs: the layer's inputs (N, in) for AdaRound's local objective (Linear).

    Returns a dict of arrays over the 2ⁿ roundings ("up", "first" = gᵀΔw, "second" =
    ½ΔwᵀHΔw, "taylor", "local" (with layer_inputs), "true"), "g", "H", the index of the
    nearest rounding, "best": the index each objective ranks first, and "spearman" /
    "pearson": how well each objective predicts the true ΔL.
    """
    w = np.asarray(weight, dtype=np.float64)
    up = all_roundings(w.size)
    deltas = rounding_deltas(w, up, bits, per_channel)
    g, h = gradient_and_hessian(loss, w)
    study = {"up": up, "g": g, "H": h,
             "first": deltas @ g,
             "second": 0.5 * np.einsum("ki,ij,kj->k", deltas, h, deltas)}
    study["taylor"] = study["first"] + study["second"]
    if layer_inputs is not None:
        study["local"] = local_objective(deltas, layer_inputs, w.shape[0])
    study["true"] = true_changes(loss, w, deltas)
    study["nearest"] = index_of(up, nearest_up(w, bits, per_channel))
    objectives = [k for k in ("first", "second", "taylor", "local", "true") if k in study]
    study["best"] = {k: int(np.argmin(study[k])) for k in objectives}
    study["spearman"] = {k: rank_correlation(study[k], study["true"]) for k in objectives}
    study["pearson"] = {k: float(np.corrcoef(study[k], study["true"])[0, 1])
                        for k in objectives}
    return study


def index_of(up, choice):
    """The row of `up` equal to the 0/1 vector `choice`."""
    return int(np.dot(np.asarray(choice, np.int64), 2 ** np.arange(up.shape[1])))


__all__ = ["MAX_WEIGHTS", "grid", "all_roundings", "rounding_deltas", "nearest_up",
           "up_from_rounded", "gradient_and_hessian", "true_changes", "local_objective",
           "rank_correlation", "rounding_study", "index_of"]
