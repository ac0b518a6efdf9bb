"""Progress while training: one bar and one epoch line, shared by `fit` and `glassgrad train`.

    bar = ProgressBar(40, "epoch 3/20")       # drawn only when stderr is a terminal
    for batch in loader:
        ...
        bar.update(postfix="loss 0.4812")
    bar.close()                               # always: in a `finally`, so Ctrl-C ends the line

`fit`'s `verbose` follows Keras: 0 silent, 1 a bar over each epoch's batches and then the
epoch's line, 2 the epoch's line alone, "auto" 1 on a terminal and 2 otherwise (a log file or a
pipe gets whole lines, never carriage returns).

The bar is a dozen lines of plain Python rather than tqdm, so that it needs nothing installed
and behaves the same everywhere: it redraws one line with a carriage return at most ten times a
second, and `close()` ends that line with a newline (also when training is interrupted), so
the next thing printed starts on a fresh line.
"""
import math
import sys
import time

VERBOSE = (0, 1, 2, "auto")
WIDTH = 24                   # characters of the bar itself
REDRAW_SECONDS = 0.1         # at most ten redraws a second, so drawing never costs time


def resolve_verbose(verbose, stream=None):
    """0, 1 or 2 from a `verbose` argument ("auto": 1 on a terminal, else 2)."""
    if isinstance(verbose, bool):          # True/False, as older code passed
        verbose = int(verbose)
    if verbose not in VERBOSE:
        raise ValueError(f"verbose must be 0 (silent), 1 (a progress bar), 2 (one line per "
                         f"epoch) or 'auto', got {verbose!r}")
    if verbose == "auto":
        return 1 if is_terminal(stream) else 2
    return verbose


def is_terminal(stream=None):
    """Whether `stream` (default stderr) is an interactive terminal."""
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:                      # a closed file
        return False


class ProgressBar:
    """A one-line bar `desc [######------] 12/40 postfix` on a terminal, nothing elsewhere.

    Args:
        total: the number of steps (batches, or epochs).
        desc: the text in front of the bar.
        stream: where it is drawn (default sys.stderr).
        enabled: None draws only when `stream` is a terminal; False never; True always.
    """

    def __init__(self, total, desc="", stream=None, enabled=None):
        self.total, self.desc = int(total), desc
        self.stream = sys.stderr if stream is None else stream
        self.enabled = is_terminal(self.stream) if enabled is None else bool(enabled)
        self.count, self.postfix = 0, ""
        self.drawn = False           # whether a line is on the screen that close() must end
        self._last = 0.0

    def update(self, n=1, postfix=None):
        self.count += n
        if postfix is not None:
            self.postfix = postfix
        now = time.perf_counter()
        if self.enabled and (now - self._last >= REDRAW_SECONDS or self.count >= self.total):
            self._last = now
            self._draw()

    def line(self):
        done = min(self.count, self.total)
        filled = WIDTH * done // self.total if self.total else WIDTH
        bar = "#" * filled + "-" * (WIDTH - filled)
        text = f"{self.desc} [{bar}] {done}/{self.total}"
        return f"{text} {self.postfix}" if self.postfix else text

    def _draw(self):
        # "\r" returns to the line's start; "\x1b[K" erases what a longer line left behind.
        self.stream.write("\r" + self.line() + "\x1b[K")
        self.stream.flush()
        self.drawn = True

    def write(self, text, stream=None, log=None):
        """Print a whole line above the bar, to `stream` (default stdout) or through
        `log(text)`; the bar is redrawn below it."""
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
        if log is not None:
            log(text)
        else:
            stream = sys.stdout if stream is None else stream
            stream.write(text + "\n")
            stream.flush()
        if self.drawn:
            self._draw()

    def close(self, keep=False):
        """End the bar's line: erase it, or with `keep` leave its last state on screen."""
        if self.drawn:
            self.stream.write(("\r" + self.line() + "\x1b[K\n") if keep else "\r\x1b[K")
            self.stream.flush()
            self.drawn = False


class EpochProgress:
    """A fit callback for long runs (what `glassgrad train` shows): a bar over the epochs (on
    a terminal, with `bar`) and the epoch's line about every tenth of the run through `log`.
    A resumed run's bar starts at the epoch it resumes from."""

    def __init__(self, epochs, log=print, bar=True):
        self.every = max(1, math.ceil(epochs / 10))
        self.log, self.want_bar, self.bar = log, bar, None

    def on_train_begin(self, state):
        if self.want_bar:
            self.bar = ProgressBar(state.epochs, "train")
            self.bar.count = state.epoch              # 0, or the epoch a resumed run is at

    def on_epoch_end(self, state):
        # the time so far, not the epoch's: a long run's lines say how far along it is
        line = epoch_line(state.history, state.epoch, state.epochs, skip=("epoch", "lr", "time"),
                          seconds=sum(state.history["time"]))
        if self.bar is not None:
            values = line.split("/", 1)[1].split("  ", 1)[1]        # after "epoch  3/20"
            self.bar.update(postfix=values.rsplit("  (", 1)[0])
        if state.epoch % self.every == 0 or state.epoch == state.epochs or state.stop:
            if self.bar is not None:
                self.bar.write(line, log=self.log)
            else:
                self.log(line)

    def on_train_end(self, state):
        self.close()

    def close(self):
        """End the bar's line; call it in a `finally` too (fit calls on_train_end only when
        training ends normally, not on Ctrl-C)."""
        if self.bar is not None:
            self.bar.close()


def epoch_line(history, epoch, epochs, skip=("epoch", "time"), seconds=None):
    """`epoch  3/20  loss 0.4812  accuracy 0.8590  lr 0.01  (1.2 s)`: the last entry of each
    history key but those in `skip`, as fit (verbose 1 and 2) and `glassgrad train` print it;
    the seconds are the epoch's, or `seconds`."""
    parts = [f"epoch {epoch:>{len(str(epochs))}}/{epochs}"]
    for key, values in history.items():
        if key in skip or not values or values[-1] is None:
            continue
        value = values[-1]
        parts.append(f"{key} {value:.3g}" if key == "lr" else f"{key} {value:.4f}")
    if seconds is None and history.get("time"):
        seconds = history["time"][-1]
    if seconds is not None:
        parts.append(f"({seconds:.1f} s)")
    return "  ".join(parts)


__all__ = ["EpochProgress", "ProgressBar", "VERBOSE", "epoch_line", "is_terminal",
           "resolve_verbose"]
