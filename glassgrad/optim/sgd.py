"""Stochastic gradient descent, with momentum, dampening, Nesterov momentum and weight decay."""
from ..tensor import Tensor
from .optimizer import Optimizer, check_hyperparameter


class SGD(Optimizer):
    """θ ← θ - γ g, with optional (Nesterov) momentum.

    For each parameter θ with gradient ∇f(θ), learning rate γ, weight decay λ, momentum μ and
    dampening τ (torch's formulation; t counts the steps):

        g_t = ∇f(θ_{t-1}) + λ θ_{t-1}
        b_t = g_t                              if t = 1
        b_t = μ b_{t-1} + (1 - τ) g_t          otherwise          (state "momentum_buffer")
        g_t = g_t + μ b_t  (Nesterov)    or    g_t = b_t  (classical momentum, μ > 0)
        θ_t = θ_{t-1} - γ g_t

    - Paper: Robbins & Monro, "A Stochastic Approximation Method" (1951); momentum: Polyak,
      "Some methods of speeding up the convergence of iteration methods" (1964); Nesterov
      momentum in this form: Sutskever et al., "On the importance of initialization and
      momentum in deep learning" (ICML 2013).

    Args:
        params: tensors or parameter groups to optimise.
        lr: γ. momentum: μ. dampening: τ. weight_decay: λ (an L2 penalty added to the gradient).
        nesterov: use Nesterov momentum (needs μ > 0 and τ = 0).
        maximize: maximise f instead of minimising it.

    Example::

        opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
        opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        super().__init__(params, defaults)

    def validate(self, options):
        check_hyperparameter("SGD", "learning rate", options["lr"], options["lr"] >= 0.0,
                             "lr >= 0")
        check_hyperparameter("SGD", "momentum value", options["momentum"],
                             options["momentum"] >= 0.0, "momentum >= 0")
        check_hyperparameter("SGD", "weight_decay value", options["weight_decay"],
                             options["weight_decay"] >= 0.0, "weight_decay >= 0")
        if options["nesterov"] and (options["momentum"] <= 0 or options["dampening"] != 0):
            raise ValueError(f"Nesterov momentum requires a momentum and zero dampening "
                             f"(SGD got momentum={options['momentum']}, "
                             f"dampening={options['dampening']})")

    def update_step(self, param, grad, state, group):
        lr, mu, weight_decay = group["lr"], group["momentum"], group["weight_decay"]
        if weight_decay != 0:
            grad = grad + weight_decay * param
        if mu != 0:
            if "momentum_buffer" not in state:
                buf = grad.copy()                       # b_1 = g_1
                state["momentum_buffer"] = Tensor(buf)
            else:
                buf = state["momentum_buffer"]._data
                buf *= mu
                buf += (1 - group["dampening"]) * grad
            grad = grad + mu * buf if group["nesterov"] else buf
        param -= lr * grad
