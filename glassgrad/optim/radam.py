"""RAdam: Adam whose adaptive step is switched on only once its variance is tractable."""
import math

import numpy as np

from .adam_family import AdamFamily


class RAdam(AdamFamily):
    """Adam with the variance of the adaptive learning rate rectified (no warm-up needed).

    With learning rate γ and moment decay rates β₁, β₂ (Liu et al., Alg. 2, in torch's form):

        g_t = ∇f(θ_{t-1}) + λ θ_{t-1}       (or decoupled: θ_{t-1} ← θ_{t-1}(1 - γλ))
        m_t = β₁ m_{t-1} + (1 - β₁) g_t,   v_t = β₂ v_{t-1} + (1 - β₂) g_t²
        m̂_t = m_t / (1 - β₁ᵗ)
        ρ_∞ = 2 / (1 - β₂) - 1              (the largest length of the approximated SMA)
        ρ_t = ρ_∞ - 2 t β₂ᵗ / (1 - β₂ᵗ)
        if ρ_t > 5:                         (the variance of 1/√v̂ exists and is tractable)
            l_t = √(1 - β₂ᵗ) / (√v_t + ε)
            r_t = √((ρ_t - 4)(ρ_t - 2) ρ_∞ / ((ρ_∞ - 4)(ρ_∞ - 2) ρ_t))
            θ_t = θ_{t-1} - γ m̂_t l_t r_t
        else:                               (early steps: SGD with momentum, un-adapted)
            θ_t = θ_{t-1} - γ m̂_t

    The paper switches at ρ_t > 4; torch (and this class, to match it exactly) at ρ_t > 5.

    - Paper: Liu et al., "On the Variance of the Adaptive Learning Rate and Beyond" (ICLR 2020).

    Args:
        params: tensors or parameter groups. lr: γ. betas: (β₁, β₂). eps: ε.
        weight_decay: λ. decoupled_weight_decay: AdamW-style decay. maximize: maximise f.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, maximize=False):
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def update_step(self, param, grad, state, group):
        lr, (beta1, beta2) = group["lr"], group["betas"]
        state["step"] += 1
        t = state["step"]
        grad = self.decayed_gradient(param, grad, group)
        m, v = self.update_moments(state, grad, beta1, beta2)
        bias_correction1 = 1 - beta1 ** t
        bias_correction2 = 1 - beta2 ** t
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2 ** t / bias_correction2
        m_hat = m / bias_correction1
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                             / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            adaptive = math.sqrt(bias_correction2) / (np.sqrt(v) + group["eps"])
            param -= m_hat * lr * adaptive * rect
        else:
            param -= m_hat * lr
