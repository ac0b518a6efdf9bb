"""Debugging aids: find where a NaN came from, catch silent broadcasts, draw the graph.

- `detect_anomaly()`: the first op whose output or gradient is NaN/Inf raises, naming the op and
  the line of user code that created it.
- `strict_broadcasting()`: an op that broadcasts its operands into a shape neither had raises.
- `to_dot(tensor)` / `render(tensor, path)`: the computation graph as Graphviz DOT / a picture.
"""
from .anomaly import AnomalyError, detect_anomaly
from .graphviz import render, to_dot
from .strict import BroadcastError, strict_broadcasting

__all__ = ["AnomalyError", "BroadcastError", "detect_anomaly", "render", "strict_broadcasting",
           "to_dot"]
