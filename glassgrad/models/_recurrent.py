"""What the sequence models share: the recurrent layer by name, and states shaped for it."""
from .. import nn

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def recurrent_layer(owner, cell, input_size, hidden_size, **options):
    """nn.RNN, nn.LSTM or nn.GRU by name ("rnn", "lstm", "gru"), batch_first; `owner` names the
    model in the error for an unknown cell."""
    if cell not in CELLS:
        raise ValueError(f"{owner}: cell must be one of {', '.join(CELLS)}, got {cell!r}")
    return CELLS[cell](input_size, hidden_size, batch_first=True, **options)
