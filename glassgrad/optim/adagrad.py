"""Adagrad: per-coordinate step sizes from the running sum of squared gradients."""
import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_common, check_hyperparameter


class Adagrad(Optimizer):
    """θ ← θ - γ_t g / (√(Σ g²) + ε): coordinates with large past gradients take small steps.

    With learning rate γ, learning-rate decay η, weight decay λ and s_0 the initial accumulator
    value (torch's formulation):

        g_t = ∇f(θ_{t-1}) + λ θ_{t-1}
        γ_t = γ / (1 + (t - 1) η)
        s_t = s_{t-1} + g_t²                                   (state "sum")
        θ_t = θ_{t-1} - γ_t g_t / (√s_t + ε)

    - Paper: Duchi, Hazan & Singer, "Adaptive Subgradient Methods for Online Learning and
      Stochastic Optimization" (JMLR 2011).

    Args:
        params: tensors or parameter groups. lr: γ. lr_decay: η. weight_decay: λ.
        initial_accumulator_value: s_0. eps: ε. maximize: maximise f instead.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, *, maximize=False):
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, maximize=maximize)
        super().__init__(params, defaults)
        # torch fills the state when the optimiser is made, not at the first step.
        for group in self.param_groups:
            for p in group["params"]:
                self.init_state(self.state[p], p._data, group)

    def validate(self, options):
        check_common("Adagrad", options, eps=False, weight_decay=False)
        check_hyperparameter("Adagrad", "lr_decay value", options["lr_decay"],
                             options["lr_decay"] >= 0.0, "lr_decay >= 0")
        check_hyperparameter("Adagrad", "weight_decay value", options["weight_decay"],
                             options["weight_decay"] >= 0.0, "weight_decay >= 0")
        check_hyperparameter("Adagrad", "initial_accumulator_value value",
                             options["initial_accumulator_value"],
                             options["initial_accumulator_value"] >= 0.0,
                             "initial_accumulator_value >= 0")
        check_hyperparameter("Adagrad", "epsilon value", options["eps"], options["eps"] >= 0.0,
                             "eps >= 0")

    def init_state(self, state, param, group):
        state["step"] = 0
        state["sum"] = Tensor(np.full_like(param, group["initial_accumulator_value"]))

    def update_step(self, param, grad, state, group):
        state["step"] += 1
        t = state["step"]
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        clr = group["lr"] / (1 + (t - 1) * group["lr_decay"])
        s = state["sum"]._data
        s += grad * grad
        param -= clr * grad / (np.sqrt(s) + group["eps"])
