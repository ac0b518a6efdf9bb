"""LARS: SGD with momentum whose step in each layer is scaled by a layer-wise trust ratio."""
import numpy as np

from .optimizer import Optimizer, check_common, check_hyperparameter, zeros_state


class LARS(Optimizer):
    """Layer-wise Adaptive Rate Scaling: each layer steps in proportion to its weights' norm.

    For each parameter tensor w (a "layer" l) with gradient g, global learning rate γ, momentum
    m, weight decay β and trust coefficient η (You, Gitman & Ginsburg, Algorithm 1):

        λ = η ‖w‖ / (‖g‖ + β ‖w‖ + ε)            (the local learning rate; the trust ratio)
        v_t = m v_{t-1} + γ λ (g + β w)          (state "momentum_buffer", v_0 = 0)
        w_t = w_{t-1} - v_t

    λ = 1 where ‖w‖ = 0 or ‖g‖ = 0 (a freshly zeroed layer still moves; no division by 0).
    With exclude_bias_and_norm=True, 1-D parameters (biases, normalisation scales and shifts)
    get neither weight decay nor the trust ratio: v_t = m v_{t-1} + γ g, as most LARS training
    recipes do. The paper's polynomial decay of γ is left to a scheduler.

    - Paper: You, Gitman & Ginsburg, "Large Batch Training of Convolutional Networks"
      (arXiv:1708.03888, 2017).

    Args:
        params: tensors or parameter groups. lr: γ. momentum: m. weight_decay: β.
        trust_coefficient: η. eps: ε. exclude_bias_and_norm: treat 1-D parameters as above.
    """

    def __init__(self, params, lr=0.1, momentum=0.9, weight_decay=0.0005, trust_coefficient=0.001,
                 eps=1e-8, exclude_bias_and_norm=True):
        defaults = dict(lr=lr, momentum=momentum, weight_decay=weight_decay,
                        trust_coefficient=trust_coefficient, eps=eps,
                        exclude_bias_and_norm=exclude_bias_and_norm)
        super().__init__(params, defaults)

    def validate(self, options):
        check_common("LARS", options)
        check_hyperparameter("LARS", "momentum value", options["momentum"],
                             options["momentum"] >= 0.0, "momentum >= 0")
        check_hyperparameter("LARS", "trust_coefficient value", options["trust_coefficient"],
                             options["trust_coefficient"] > 0.0, "trust_coefficient > 0")

    def init_state(self, state, param, group):
        state["momentum_buffer"] = zeros_state(param)

    def update_step(self, param, grad, state, group):
        beta = group["weight_decay"]
        if group["exclude_bias_and_norm"] and param.ndim <= 1:
            scaled = group["lr"] * grad
        else:
            w_norm = float(np.linalg.norm(param))
            g_norm = float(np.linalg.norm(grad))
            trust = 1.0
            if w_norm > 0 and g_norm > 0:
                trust = group["trust_coefficient"] * w_norm / (g_norm + beta * w_norm
                                                               + group["eps"])
            scaled = (group["lr"] * trust) * (grad + beta * param)
        v = state["momentum_buffer"]._data
        v *= group["momentum"]
        v += scaled
        param -= v
