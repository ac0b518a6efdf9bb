"""Training in practice: `fit` and `evaluate`, metrics with confidence intervals, safe
checkpoints, callbacks (early stopping, best model), the progress bar, the run folder fit
writes as it trains (and resumes from), plots of the training curves, and truncated
backpropagation through time for long streams (tbptt.train_tbptt).

    from glassgrad.train import fit, evaluate, EarlyStopping
    history = fit(model, train_loader, nn.CrossEntropyLoss(), optimizer, epochs=20,
                  val_loader=val_loader, callbacks=[EarlyStopping(patience=3)])
    evaluate(model, test_loader, ["accuracy", "f1"])      # prints the scores, returns them
"""
from . import checkpoint, metrics, progress, run_dir, tbptt
from .callbacks import BestCheckpoint, EarlyStopping
from .checkpoint import CheckpointError
from .loop import Evaluation, TrainingState, evaluate, fit
from .metrics import Score
from .plots import plot_history
from .safetensors_io import load_safetensors, save_safetensors
from .tbptt import train_tbptt
from .tensorboard import TensorBoard

__all__ = ["BestCheckpoint", "CheckpointError", "EarlyStopping", "Evaluation", "Score",
           "TensorBoard", "TrainingState", "checkpoint", "evaluate", "fit", "load_safetensors",
           "metrics", "plot_history", "progress", "run_dir", "save_safetensors", "tbptt",
           "train_tbptt"]
