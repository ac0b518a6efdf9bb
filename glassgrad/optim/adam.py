"""Adam: momentum on the gradient, steps scaled per coordinate by its running second moment."""
import math

import numpy as np

from .adam_family import AdamFamily


class Adam(AdamFamily):
    """θ ← θ - γ m̂ / (√v̂ + ε): bias-corrected first and second moments of the gradient.

    With learning rate γ, moment decay rates β₁, β₂ and weight decay λ (Kingma & Ba, Alg. 1):

        g_t = ∇f(θ_{t-1}) + λ θ_{t-1}          (coupled L2; AdamW decouples it)
        m_t = β₁ m_{t-1} + (1 - β₁) g_t          (state "exp_avg")
        v_t = β₂ v_{t-1} + (1 - β₂) g_t²         (state "exp_avg_sq")
        m̂_t = m_t / (1 - β₁ᵗ),   v̂_t = v_t / (1 - β₂ᵗ)
        amsgrad: v̂_t uses v_max,t = max(v_max,t-1, v_t)   (state "max_exp_avg_sq")
        θ_t = θ_{t-1} - γ m̂_t / (√v̂_t + ε)

    - Paper: Kingma & Ba, "Adam: A Method for Stochastic Optimization" (ICLR 2015);
      AMSGrad: Reddi, Kale & Kumar, "On the Convergence of Adam and Beyond" (ICLR 2018).

    Args:
        params: tensors or parameter groups. lr: γ. betas: (β₁, β₂). eps: ε.
        weight_decay: λ. amsgrad: use the running maximum of v_t.
        maximize: maximise f instead.
        decoupled_weight_decay: decay θ directly (θ ← θ(1 - γλ)) as AdamW does.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, maximize=False, decoupled_weight_decay=False):
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def update_step(self, param, grad, state, group):
        lr, (beta1, beta2) = group["lr"], group["betas"]
        state["step"] += 1
        t = state["step"]
        grad = self.decayed_gradient(param, grad, group)
        m, v = self.update_moments(state, grad, beta1, beta2)
        if group["amsgrad"]:
            v_max = state["max_exp_avg_sq"]._data
            np.maximum(v_max, v, out=v_max)
            v = v_max
        bias_correction1 = 1 - beta1 ** t
        bias_correction2 = 1 - beta2 ** t
        # γ m̂ / (√v̂ + ε) = (γ / (1-β₁ᵗ)) m / (√v / √(1-β₂ᵗ) + ε), in torch's order
        denom = np.sqrt(v) / math.sqrt(bias_correction2) + group["eps"]
        param -= (lr / bias_correction1) * m / denom
