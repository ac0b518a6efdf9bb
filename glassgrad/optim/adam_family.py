"""What Adam, AdamW, RAdam and LAMB share: their checks, their two moment buffers and weight decay.

Each of them keeps running averages of the gradient and of its square (Kingma & Ba's m and v,
torch's state keys "exp_avg" and "exp_avg_sq"); the subclasses write only how a step uses them.
"""
from .optimizer import Optimizer, check_betas, check_common, zeros_state


class AdamFamily(Optimizer):
    """Base of the optimisers built on Adam's moments; not an optimiser by itself."""

    def validate(self, options):
        name = type(self).__name__
        check_common(name, options, weight_decay=False)
        check_betas(name, options["betas"])
        check_common(name, options, lr=False, eps=False)

    def init_state(self, state, param, group):
        state["step"] = 0
        state["exp_avg"] = zeros_state(param)
        state["exp_avg_sq"] = zeros_state(param)
        if group.get("amsgrad"):
            state["max_exp_avg_sq"] = zeros_state(param)

    @staticmethod
    def decayed_gradient(param, grad, group):
        """Weight decay λ, coupled (g + λθ: L2 in the gradient, Adam's) or decoupled
        (θ ← θ(1 - γλ) before the step, AdamW's); returns the gradient to use."""
        weight_decay = group["weight_decay"]
        if weight_decay == 0:
            return grad
        if group["decoupled_weight_decay"]:
            param *= 1 - group["lr"] * weight_decay
            return grad
        return grad + weight_decay * param

    @staticmethod
    def update_moments(state, grad, beta1, beta2):
        """m ← β₁m + (1 - β₁)g and v ← β₂v + (1 - β₂)g², in place; returns (m, v)."""
        m, v = state["exp_avg"]._data, state["exp_avg_sq"]._data
        m += (1 - beta1) * (grad - m)                   # = β₁m + (1-β₁)g, as torch's lerp
        v *= beta2
        v += (1 - beta2) * grad * grad
        return m, v
