"""Debugging aids: find where a NaN came from, catch silent broadcasts, draw the graph.

- `detect_anomaly()`: the first op whose output or gradient is NaN/Inf raises, naming the op and
  the line of user code that created it.
- `strict_broadcasting()`: an op that broadcasts its operands into a shape neither had raises.
- `to_dot(tensor)` / `render(tensor, path)`: the computation graph as Graphviz DOT / a picture.
- `gradient_flow(model)` / `plot_gradient_flow(model, path)`: which parameters got no gradient,
  all-zero gradients, or how large, per layer (after a backward).
- `overfit_one_batch(model, batch, loss_fn, optimizer)`: can the model memorise one batch?
"""
from .anomaly import AnomalyError, detect_anomaly
from .graphviz import render, to_dot
from .strict import BroadcastError, strict_broadcasting
from .grad_flow import GradientFlowReport, gradient_flow, plot_gradient_flow
from .sanity import OverfitResult, overfit_one_batch

__all__ = ["AnomalyError", "BroadcastError", "detect_anomaly", "render", "strict_broadcasting",
           "to_dot"]
__all__ += ["GradientFlowReport", "OverfitResult", "gradient_flow", "overfit_one_batch",
            "plot_gradient_flow"]
