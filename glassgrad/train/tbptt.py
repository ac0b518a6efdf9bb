"""Truncated backpropagation through time (TBPTT): train a recurrent model on a long stream
in windows of k steps, carrying the hidden state from one window to the next but cutting the
graph between them.

Full BPTT over a stream of T steps keeps every step's activations until the one backward at
the end: memory grows linearly with T and the weights change once. TBPTT(k) runs k steps,
backpropagates the window's loss through those k steps only, updates the weights, and hands
the final state, *detached*, to the next window: memory is that of k steps whatever T is,
the weights change T / k times, and the gradient ignores dependencies longer than k steps.

    - Paper: Williams & Peng (1990), "An Efficient Gradient-Based Algorithm for On-Line
      Training of Recurrent Network Trajectories"; Sutskever (2013), PhD thesis, §2.8.6
      (TBPTT(k1, k2); here k1 = k2 = k).

Within one window the gradient is exactly full BPTT's gradient of that window's loss with the
incoming state held constant (tests/train/test_tbptt.py checks it), and the gradient with
respect to the window's own inputs is full BPTT's for that window's loss.

    from glassgrad.train.tbptt import train_tbptt
    losses, state = train_tbptt(model, stream_x, stream_y, loss_fn, optimizer, k=50)

`model(x_window, state)` must return `(output, new_state)`; `state` is None for the first
window (nn.LSTM / GRU / RNN called as `layer(x, hx)` already follow this contract).
"""
from ..autograd import grad_mode
from ..tensor import Tensor


def detach_state(state):
    """The same state (a Tensor, or nested tuples/lists of them, or None) cut from the graph:
    the values carry over, the gradient stops here."""
    if state is None:
        return None
    if isinstance(state, Tensor):
        return state.detach()
    if isinstance(state, (tuple, list)):
        return type(state)(detach_state(s) for s in state)
    raise TypeError(f"detach_state: expected a Tensor, a tuple/list of Tensors or None, got "
                    f"{type(state).__name__}")


def windows(sequence, k, dim=0):
    """Consecutive slices of `sequence` along `dim`, k steps each (the last may be shorter)."""
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"tbptt: the window length k must be a positive integer, got {k!r}")
    steps = sequence.shape[dim]
    index = [slice(None)] * sequence.ndim
    for start in range(0, steps, k):
        index[dim] = slice(start, min(start + k, steps))
        yield sequence[tuple(index)]


def train_tbptt(model, inputs, targets, loss_fn, optimizer, k, state=None, time_dim=0,
                max_grad_norm=None):
    """One pass of TBPTT(k) over a stream; returns (per-window losses, the final state).

    Args:
        model: `model(x_window, state) -> (output, new_state)`.
        inputs, targets: the stream, time along `time_dim` (0: (T, B, ...); 1 for batch_first).
        loss_fn: `loss_fn(output, y_window)` -> a scalar Tensor.
        optimizer: stepped after each window (gradients zeroed before it). None: no step and
            no zeroing, so the gradients of all windows add up in `.grad` (what a test of the
            gradient itself wants).
        k: window length in steps.
        state: the state to start from (None: the model's own zeros).
        max_grad_norm: clip the gradients' joint norm to this before each step.
    Returns:
        losses: a list of floats, one per window; state: the last window's state, detached,
        to continue on the next stream.
    """
    if inputs.shape[time_dim] != targets.shape[time_dim]:
        raise ValueError(f"train_tbptt: inputs of shape {tuple(inputs.shape)} and targets of "
                         f"shape {tuple(targets.shape)} differ in length along time_dim "
                         f"{time_dim}")
    if not grad_mode.is_grad_enabled():
        raise RuntimeError("train_tbptt: gradient recording is off (called under no_grad?)")
    parameters = [p for p in model.parameters() if p.requires_grad] if max_grad_norm else []
    losses = []
    for x, y in zip(windows(inputs, k, time_dim), windows(targets, k, time_dim)):
        if optimizer is not None:
            optimizer.zero_grad()
        output, state = model(x, state)
        loss = loss_fn(output, y)
        loss.backward()
        if max_grad_norm:
            from ..nn.utils import clip_grad_norm_
            clip_grad_norm_(parameters, max_grad_norm)
        if optimizer is not None:
            optimizer.step()
        losses.append(float(loss.item()))
        # The next window starts from this state's values, but its backward stops here.
        state = detach_state(state)
    return losses, state


__all__ = ["detach_state", "train_tbptt", "windows"]
