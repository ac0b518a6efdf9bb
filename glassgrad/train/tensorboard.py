"""TensorBoard event files while `fit` trains: a callback with Keras's name and layout.

    fit(model, loader, loss_fn, optimizer, epochs=20, val_loader=val_loader,
        callbacks=[TensorBoard("runs/cnn/tensorboard")])    # or fit(..., tensorboard=DIR)
    # then: tensorboard --logdir runs/cnn/tensorboard

After each epoch every number of the history is written as a scalar at step = epoch, as
Keras's `keras.callbacks.TensorBoard` does: the training values (loss, metrics, lr, grad_norm,
time) under `log_dir/train`, the validation ones under `log_dir/validation` with the `val_`
taken off, each tagged `epoch_<name>`. Two runs with one tag each, so TensorBoard draws the
training and validation loss in one chart. tensorboardX writes from a thread of its own; it is
asked to put events on disk within a second (flush_secs=1), so TensorBoard shows a run as it
goes, and `fit` closes the files at the end.

The event files are written by tensorboardX (an optional extra: pip install
'glassgrad[tensorboard]'), a writer that needs neither TensorFlow nor PyTorch; reading them
needs TensorBoard itself (pip install tensorboard).
"""
import os

INSTALL = "pip install 'glassgrad[tensorboard]'"
SKIPPED = ("epoch",)                 # the step itself
FLUSH_SECONDS = 1                    # tensorboardX's default, 120 s, would hide a short run


def summary_writer_class():
    """tensorboardX's SummaryWriter, or an ImportError that says how to install it."""
    try:
        from tensorboardX import SummaryWriter
    except ImportError as error:
        raise ImportError(f"TensorBoard event files are written with tensorboardX, an optional "
                          f"extra: {INSTALL} (or pip install tensorboardX)") from error
    return SummaryWriter


class TensorBoard:
    """A `fit` callback writing the history's numbers to TensorBoard event files each epoch.

    Args:
        log_dir: the folder of the event files (its train/ and validation/ sub-folders are
            made at the first epoch's end).
    """

    def __init__(self, log_dir):
        self.log_dir = os.fspath(log_dir)
        self._writer_class = summary_writer_class()       # fail now, not after an epoch
        self._writers = {}

    def _writer(self, run):
        if run not in self._writers:
            self._writers[run] = self._writer_class(os.path.join(self.log_dir, run),
                                                    flush_secs=FLUSH_SECONDS)
        return self._writers[run]

    def on_epoch_end(self, state):
        history, epoch = state.history, state.epoch
        for key, values in history.items():
            if key in SKIPPED or not values or values[-1] is None:
                continue
            run, name = ("validation", key[4:]) if key.startswith("val_") else ("train", key)
            self._writer(run).add_scalar(f"epoch_{name}", float(values[-1]), global_step=epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, state):
        self.close()

    def close(self):
        """Flush and close the event files (fit does this at the end of training)."""
        for writer in self._writers.values():
            writer.close()
        self._writers = {}


__all__ = ["TensorBoard", "summary_writer_class"]
