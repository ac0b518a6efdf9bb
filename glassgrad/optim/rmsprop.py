"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""
import numpy as np

from .optimizer import Optimizer, check_common, check_hyperparameter, zeros_state


class RMSprop(Optimizer):
    """θ ← θ - γ g / √(E[g²]): steps normalised by the recent size of the gradient.

    With learning rate γ, smoothing constant α, weight decay λ, momentum μ (torch's form):

        g_t = ∇f(θ_{t-1}) + λ θ_{t-1}
        v_t = α v_{t-1} + (1 - α) g_t²                    (state "square_avg")
        centered:  ḡ_t = α ḡ_{t-1} + (1 - α) g_t           (state "grad_avg")
                   d_t = √(v_t - ḡ_t²) + ε                  (a variance, not a second moment)
        otherwise: d_t = √v_t + ε
        μ > 0:     b_t = μ b_{t-1} + g_t / d_t,  θ_t = θ_{t-1} - γ b_t   (state "momentum_buffer")
        otherwise: θ_t = θ_{t-1} - γ g_t / d_t

    - Paper: Tieleman & Hinton, "Lecture 6.5 - RMSProp", COURSERA: Neural Networks for Machine
      Learning (2012); the centred form: Graves, "Generating Sequences With Recurrent Neural
      Networks" (arXiv:1308.0850, 2013), eq. 38-45.

    Args:
        params: tensors or parameter groups. lr: γ. alpha: α. eps: ε. weight_decay: λ.
        momentum: μ. centered: normalise by the gradient's estimated variance.
        maximize: maximise f instead.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, *, maximize=False):
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def validate(self, options):
        check_common("RMSprop", options)
        check_hyperparameter("RMSprop", "momentum value", options["momentum"],
                             options["momentum"] >= 0.0, "momentum >= 0")
        check_hyperparameter("RMSprop", "alpha value", options["alpha"],
                             options["alpha"] >= 0.0, "alpha >= 0")

    def init_state(self, state, param, group):
        state["step"] = 0
        state["square_avg"] = zeros_state(param)
        if group["momentum"] > 0:
            state["momentum_buffer"] = zeros_state(param)
        if group["centered"]:
            state["grad_avg"] = zeros_state(param)

    def update_step(self, param, grad, state, group):
        state["step"] += 1
        alpha = group["alpha"]
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        v = state["square_avg"]._data
        v *= alpha
        v += (1 - alpha) * grad * grad
        if group["centered"]:
            g_avg = state["grad_avg"]._data
            g_avg += (1 - alpha) * (grad - g_avg)         # torch's lerp towards g_t
            d = np.sqrt(v - g_avg * g_avg)
        else:
            d = np.sqrt(v)
        d += group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]._data
            buf *= group["momentum"]
            buf += grad / d
            param -= group["lr"] * buf
        else:
            param -= group["lr"] * grad / d
