"""Walk-forward forecasting of a real series: next week's Mauna Loa CO2 from the past year, by
an LSTM and by the naive last-value forecast, MAE with 95% intervals on every fold.

    glassgrad experiments run co2_forecast --size small     # seconds
    glassgrad experiments run co2_forecast --size full      # a minute or two

Data: glassgrad.data.datasets.load_co2 (weekly CO2 1958-2001, shipped inside statsmodels):
windows of 52 weeks -> the value one week later, in time order, the last 20% held out as the
test stretch. Validation is walk-forward (glassgrad.data.walk_forward, expanding window): each
fold trains on every window before its validation stretch and is scored on that stretch only,
so no fold ever sees its future. After the folds, one model trained on all the training
windows is scored once on the test stretch.

The naive forecast ŷ = x_T (the last value seen) is the baseline every forecaster must beat
(Hyndman & Athanasopoulos, "Forecasting: Principles and Practice", 3rd ed., 2021, §5.2 and
§5.10 on time-series cross-validation). The LSTM predicts the *change* from that last value:
its input is the window minus its last value, divided by the spread of week-to-week changes in
the fold's training data (fitted on the training part only), so the rising trend, which no
training window covers at test time's level, does not have to be extrapolated. A model that
adds nothing learns a change of 0 and equals the naive forecast.

- Paper: Hochreiter & Schmidhuber, "Long Short-Term Memory", Neural Computation 1997. Data:
  Keeling & Whorf (2004), CDIAC (see glassgrad/data/datasets/co2.py).
MAE intervals: bootstrap over the stretch's weeks (glassgrad.train.metrics.mean_absolute_error),
which treats the weeks as independent: with autocorrelated errors the intervals are too narrow,
so read them as a lower bound on the uncertainty.
"""
import os
import time

import numpy as np

from .. import creation, nn
from ..data import walk_forward
from ..data.datasets import load_co2
from ..nn.functional import mse_loss
from ..optim import Adam
from ..random import manual_seed
from ..train.metrics import mean_absolute_error
from . import register, require_matplotlib

SETTINGS = {
    "small": dict(n_splits=3, steps=150, hidden_size=16, batch_size=64),
    "full": dict(n_splits=5, steps=600, hidden_size=32, batch_size=64),
}
WINDOW = 52                      # weeks of history per forecast


class ChangeForecaster(nn.Module):
    """LSTM over the (scaled, level-removed) window, read at its last step -> the change."""

    def __init__(self, hidden_size=32):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, windows):                       # (N, T) -> (N,)
        output, _ = self.lstm(windows.unsqueeze(-1))
        return self.head(output[:, -1]).squeeze(-1)


def _inputs(x, scale):
    return ((x - x[:, -1:]) / scale).astype(np.float32)


def fit_forecaster(x, y, steps, hidden_size=32, batch_size=64, lr=1e-2, seed=0):
    """Train a ChangeForecaster on windows x (N, T) -> y (N,); returns predict(x) -> ŷ."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    scale = float(np.std(np.diff(x, axis=1)))         # from the training windows only
    inputs, targets = _inputs(x, scale), ((y - x[:, -1]) / scale).astype(np.float32)
    manual_seed(seed)
    model = ChangeForecaster(hidden_size)
    optimizer = Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        rows = rng.integers(0, len(x), batch_size)
        loss = mse_loss(model(creation.tensor(inputs[rows])), creation.tensor(targets[rows]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()

    def predict(windows):
        windows = np.asarray(windows, dtype=np.float64)
        change = model(creation.tensor(_inputs(windows, scale))).detach().numpy()
        return windows[:, -1] + scale * change.astype(np.float64)
    return predict


def _row(name, y, naive, lstm, weeks):
    mae_naive, mae_lstm = mean_absolute_error(naive, y), mean_absolute_error(lstm, y)
    scores = {k: {"value": s.value, "low": s.low, "high": s.high, "n": s.n}
              for k, s in (("naive", mae_naive), ("lstm", mae_lstm))}
    return {"name": name, "weeks": weeks, **scores,
            "ratio": mae_lstm.value / mae_naive.value}


def forecast(size="small", seed=0):
    """The walk-forward folds and the test stretch: a list of rows {"name", "weeks" (first
    and last target index), "naive", "lstm" (MAE in ppmv with its 95% CI), "ratio"}."""
    settings = dict(SETTINGS[size])
    n_splits = settings.pop("n_splits")
    x_train, y_train, x_test, y_test = (np.asarray(a, dtype=np.float64)
                                        for a in load_co2(window=WINDOW))
    splits = walk_forward(len(x_train), n_splits=n_splits, test_size=0)
    rows = []
    for k, (train, val) in enumerate(splits.folds, 1):
        predict = fit_forecaster(x_train[train], y_train[train], seed=seed, **settings)
        rows.append(_row(f"fold {k}", y_train[val], x_train[val, -1], predict(x_train[val]),
                         (int(val[0]), int(val[-1]))))
    predict = fit_forecaster(x_train, y_train, seed=seed, **settings)
    rows.append(_row("test", y_test, x_test[:, -1], predict(x_test),
                     (len(x_train), len(x_train) + len(x_test) - 1)))
    return rows


def table(rows):
    """The rows as a Markdown table: naive and LSTM MAE (95% CI), their ratio."""
    lines = ["| stretch | weeks | naive MAE, ppmv (95% CI) | LSTM MAE, ppmv (95% CI) | "
             "LSTM / naive |", "|---|---|---|---|---|"]
    for row in rows:
        cell = lambda s: f"{s['value']:.3f} ({s['low']:.3f}–{s['high']:.3f})"  # noqa: E731
        lines.append(f"| {row['name']} | {row['naive']['n']} | {cell(row['naive'])} | "
                     f"{cell(row['lstm'])} | {row['ratio']:.2f} |")
    return "\n".join(lines)


@register("co2_forecast")
def run(size="small", out_dir=None, seed=0):
    """CO2 next-week forecast, walk-forward: LSTM vs the naive last value, MAE with CIs."""
    start = time.perf_counter()
    rows = forecast(size, seed)
    results = {"size": size, "seed": seed, "window": WINDOW, "settings": SETTINGS[size],
               "rows": rows, "table": table(rows), "seconds": time.perf_counter() - start,
               "figures": []}
    if out_dir is not None:
        results["figures"].append(_plot(results, os.path.join(out_dir, "co2_forecast.png")))
    return results


def _plot(results, path):
    """Each stretch's MAE with its interval, naive beside LSTM."""
    require_matplotlib()
    from ..train.plots import new_figure, save_figure
    figure, (ax,) = new_figure(1, width=6.0, height=3.4)
    rows = results["rows"]
    positions = np.arange(len(rows))
    for offset, key, color in ((-0.2, "naive", "tab:gray"), (0.2, "lstm", "tab:blue")):
        values = [r[key]["value"] for r in rows]
        errors = [[r[key]["value"] - r[key]["low"] for r in rows],
                  [r[key]["high"] - r[key]["value"] for r in rows]]
        ax.bar(positions + offset, values, 0.4, yerr=errors, capsize=3, color=color,
               label="naive (last value)" if key == "naive" else "LSTM")
    ax.set_xticks(positions, [r["name"] for r in rows])
    ax.set_ylabel("MAE, ppmv (95% CI)")
    ax.grid(axis="y", alpha=0.3)
    ax.legend()
    ax.set_title("CO2 next week, walk-forward")
    return save_figure(figure, path)


__all__ = ["ChangeForecaster", "SETTINGS", "WINDOW", "fit_forecaster", "forecast", "run",
           "table"]
