"""LAMB: Adam's step rescaled per layer by the trust ratio ‖w‖ / ‖update‖."""
import numpy as np

from .adam_family import AdamFamily


class LAMB(AdamFamily):
    """Layer-wise Adaptive Moments for Batch training: Adam direction, LARS-style step length.

    For each parameter tensor x (a layer) with gradient g, learning rate γ, weight decay λ
    (You et al., Algorithm 2, with φ the identity):

        m_t = β₁ m_{t-1} + (1 - β₁) g_t,    v_t = β₂ v_{t-1} + (1 - β₂) g_t²
        m̂_t = m_t / (1 - β₁ᵗ),              v̂_t = v_t / (1 - β₂ᵗ)
        r_t = m̂_t / (√v̂_t + ε)
        u_t = r_t + λ x_{t-1}                (weight decay inside the update)
        x_t = x_{t-1} - γ (‖x_{t-1}‖ / ‖u_t‖) u_t

    The trust ratio ‖x‖ / ‖u‖ is 1 where either norm is 0. Every layer thus moves by about
    γ‖x‖ per step, whatever the scale of its gradient: large batches can use large γ.

    - Paper: You et al., "Large Batch Optimization for Deep Learning: Training BERT in 76
      minutes" (ICLR 2020; arXiv:1904.00962, 2019).

    Args:
        params: tensors or parameter groups. lr: γ. betas: (β₁, β₂). eps: ε. weight_decay: λ.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.01):
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay)
        super().__init__(params, defaults)

    def update_step(self, param, grad, state, group):
        (beta1, beta2), weight_decay = group["betas"], group["weight_decay"]
        state["step"] += 1
        t = state["step"]
        m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * grad * grad
        r = (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + group["eps"])
        update = r + weight_decay * param if weight_decay != 0 else r
        w_norm = float(np.linalg.norm(param))
        u_norm = float(np.linalg.norm(update))
        trust = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
        param -= (group["lr"] * trust) * update
