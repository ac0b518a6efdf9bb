"""AdamW: Adam with weight decay decoupled from the gradient."""
from .adam import Adam


class AdamW(Adam):
    """Adam whose weight decay shrinks θ directly instead of entering m and v.

    With learning rate γ and weight decay λ (torch's form of Loshchilov & Hutter, Alg. 2, whose
    schedule multiplier η_t is folded into γ):

        θ_t' = θ_{t-1} - γ λ θ_{t-1}             (decay: not rescaled by 1/√v̂)
        m_t, v_t, m̂_t, v̂_t as in Adam, from g_t = ∇f(θ_{t-1}) alone
        θ_t = θ_t' - γ m̂_t / (√v̂_t + ε)

    With coupled L2 (Adam's weight_decay) the penalty's gradient is divided by √v̂, so
    coordinates with large gradients are barely regularised; decoupling restores the same
    relative decay for every weight.

    - Paper: Loshchilov & Hutter, "Decoupled Weight Decay Regularization" (ICLR 2019).

    Args: as Adam, with weight_decay λ = 1e-2 by default.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for group in self.param_groups:       # AdamW always decouples, whatever was saved
            group["decoupled_weight_decay"] = True
