"""Lookahead: k steps of any optimiser, then pull back part way towards slow weights."""
import numpy as np

from ..autograd import grad_mode
from ..tensor import Tensor
from .optimizer import Optimizer, check_hyperparameter


class Lookahead(Optimizer):
    """Wrap an optimiser A: its "fast" weights θ explore k steps ahead, the "slow" weights φ
    follow a fraction α of the way (Zhang et al., Algorithm 1):

        φ_0 = θ_0                                        (state "slow_buffer")
        every step:       θ ← θ + A(θ)                   (the inner optimiser's step)
        every k-th step:  φ ← φ + α (θ - φ);   θ ← φ     (θ_{t,0} = φ_t for the next k steps)

    The inner optimiser's own state (momentum, Adam's moments) is kept across the pull-back,
    as the paper's default. Lookahead shares the inner optimiser's `param_groups` (each gains
    the options `k` and `alpha`), so a scheduler or `zero_grad` on either acts on both.

    - Paper: Zhang, Lucas, Hinton & Ba, "Lookahead Optimizer: k steps forward, 1 step back"
      (NeurIPS 2019).

    Args:
        optimizer: the inner optimiser A (any glassgrad Optimizer).
        k: fast steps between synchronisations (k ≥ 1).
        alpha: the slow weights' step size α in [0, 1].
    Example::

        opt = Lookahead(Adam(model.parameters(), lr=1e-3), k=5, alpha=0.5)
    """

    def __init__(self, optimizer, k=5, alpha=0.5):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"Lookahead wraps an Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.validate({"k": k, "alpha": alpha})
        self.defaults = dict(optimizer.defaults, k=k, alpha=alpha)
        self.param_groups = optimizer.param_groups      # shared, not copied
        self.state = {}
        self.lookahead_step = 0
        for group in self.param_groups:
            group.setdefault("k", k)
            group.setdefault("alpha", alpha)
            self._init_slow(group)

    def validate(self, options):
        k = options["k"]
        check_hyperparameter("Lookahead", "k", k,
                             isinstance(k, int) and not isinstance(k, bool) and k >= 1,
                             "an integer k >= 1")
        check_hyperparameter("Lookahead", "alpha", options["alpha"],
                             0.0 <= options["alpha"] <= 1.0, "0 <= alpha <= 1")

    def _init_slow(self, group):
        for p in group["params"]:
            self.state.setdefault(p, {})["slow_buffer"] = Tensor(p._data.copy())   # φ_0 = θ_0

    def step(self, closure=None):
        """One step of the inner optimiser; every k-th, the slow weights' update."""
        loss = self.optimizer.step(closure)
        self.lookahead_step += 1
        with grad_mode.no_grad():
            for group in self.param_groups:
                if self.lookahead_step % group["k"] != 0:
                    continue
                for p in group["params"]:
                    slow = self.state[p]["slow_buffer"]._data
                    slow += group["alpha"] * (p._data - slow)      # φ ← φ + α(θ - φ)
                    np.copyto(p._data, slow)                       # θ ← φ
        return loss

    def add_param_group(self, param_group):
        """Add a group to the inner optimiser (and give it slow weights)."""
        self.optimizer.add_param_group(param_group)
        group = self.param_groups[-1]
        group.setdefault("k", self.defaults["k"])
        group.setdefault("alpha", self.defaults["alpha"])
        self.validate(group)
        self._init_slow(group)

    def state_dict(self):
        """Torch's format for the slow weights, plus the inner optimiser's whole state dict
        under "inner_state_dict" and the step counter under "lookahead_step"."""
        own = super().state_dict()
        own["inner_state_dict"] = self.optimizer.state_dict()
        own["lookahead_step"] = self.lookahead_step
        return own

    def load_state_dict(self, state_dict):
        for key in ("inner_state_dict", "lookahead_step"):
            if key not in state_dict:
                raise ValueError(f"Lookahead.load_state_dict: the state dict has no {key!r}; "
                                 "was it saved from a Lookahead?")
        self.optimizer.load_state_dict(state_dict["inner_state_dict"])  # loads k, alpha too
        id_map = {}
        for group, saved in zip(self.param_groups, state_dict["param_groups"]):
            id_map.update(zip((int(k) for k in saved["params"]), group["params"]))
        self.state = dict(self._load_state(state_dict["state"], id_map))
        self.lookahead_step = int(state_dict["lookahead_step"])

    def __repr__(self):
        return f"Lookahead(k={self.defaults['k']}, alpha={self.defaults['alpha']}, " \
               f"optimizer={self.optimizer!r})"
