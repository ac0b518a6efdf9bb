"""Optimisers and learning-rate schedules (torch.optim's names and contract).

Each optimiser writes only its paper's update; `Optimizer` (optimizer.py) owns the loop,
parameter groups, state and state dicts. Schedules live in `glassgrad.optim.lr_scheduler`.
"""
from . import lr_scheduler
from .optimizer import Optimizer, required
from .sgd import SGD
from .adagrad import Adagrad
from .rmsprop import RMSprop
from .adam import Adam
from .adamw import AdamW
from .radam import RAdam
from .lookahead import Lookahead
from .lars import LARS
from .lamb import LAMB
from .newton import Newton

__all__ = ["Optimizer", "required", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "RAdam",
           "Lookahead", "LARS", "LAMB", "Newton", "lr_scheduler"]
