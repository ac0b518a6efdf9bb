"""One sweep helper: run a list of trials (plain dicts), cache each result as JSON, resume.

Every experiment that is a sweep (a width sweep, a label-noise sweep, pruning rounds, seeds)
describes its trials as JSON-able dicts and hands them, with a function `trial -> result dict`,
to `run_trials`. Each finished trial's result is written to `OUT/trials/KEY.json` (a temporary
file, then renamed, so an interrupted write never leaves half a file); running the sweep again
reads the finished trials back and runs only the rest. That is what makes an experiment
resumable, and it is the seam where a cluster scheduler (Ray, `glassgrad.distributed`) can
later take the same trials: the trials are data, the function is importable, the results are
files.

    >>> results = run_trials([{"x": 1}, {"x": 2}], lambda t: {"y": t["x"] ** 2}, "runs/sq")
    >>> [r["y"] for r in results]
    [1, 4]

`write_table` puts an experiment's table in the run folder as JSON and Markdown.
"""
import hashlib
import json
import os
import time

from ..train.progress import ProgressBar

TRIALS = "trials"          # the sub-folder of the run folder holding one JSON file per trial


def trial_key(trial):
    """A file name for a trial: its items in order, readable, plus a short hash of them all.

    {"width": 16, "seed": 0} -> "width=16,seed=0-1a2b3c4d"."""
    if not isinstance(trial, dict) or not trial:
        raise TypeError(f"run_trials: a trial must be a non-empty dict, got {trial!r}")
    text = json.dumps(trial, sort_keys=True)
    digest = hashlib.sha1(text.encode()).hexdigest()[:8]
    readable = ",".join(f"{k}={v}" for k, v in trial.items()
                        if isinstance(v, (int, float, str, bool)))
    readable = "".join(c if c.isalnum() or c in "=,.-_" else "_" for c in readable)[:80]
    return f"{readable}-{digest}" if readable else digest


def _write_json(path, value):
    """Write JSON to a temporary file, then rename it into place (never half a file)."""
    temporary = f"{path}.tmp{os.getpid()}"
    with open(temporary, "w") as file:
        json.dump(value, file, indent=1, default=_plain)
    os.replace(temporary, path)


def _plain(value):
    """numpy numbers and arrays as plain JSON."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"run_trials: a result must be JSON-able, got {type(value).__name__}")


def run_trials(trials, function, out_dir, desc="trials", progress=None, log=None):
    """Run `function(trial)` for each trial not already finished in `out_dir`; return the
    results in the order of `trials`.

    Args:
        trials: a list of JSON-able dicts, each the whole description of one trial.
        function: trial -> JSON-able dict (numpy arrays and numbers are converted).
        out_dir: the run folder; results go to out_dir/trials/KEY.json. None: nothing is
            cached (a plain loop).
        desc: the progress bar's label.
        progress: True always draws the bar, False never, None only on a terminal.
        log: called with one line per trial as it finishes (or is read back), if given.
    Each result gets "trial" (the trial itself), "seconds" (its wall time) and "cached"
    (whether it was read back rather than run now).
    """
    trials = list(trials)
    keys = [trial_key(trial) for trial in trials]
    if len(set(keys)) != len(keys):
        raise ValueError("run_trials: two trials are the same dict; each trial must differ")
    folder = None if out_dir is None else os.path.join(out_dir, TRIALS)
    if folder is not None:
        os.makedirs(folder, exist_ok=True)
    bar = ProgressBar(len(trials), desc=desc, enabled=progress)
    results = []
    try:
        for trial, key in zip(trials, keys):
            path = None if folder is None else os.path.join(folder, key + ".json")
            if path is not None and os.path.exists(path):
                with open(path) as file:
                    result = json.load(file)
                result["cached"] = True
            else:
                start = time.perf_counter()
                result = dict(function(dict(trial)))
                result.update(trial=trial, seconds=time.perf_counter() - start)
                if path is not None:
                    _write_json(path, result)
                result = json.loads(json.dumps(result, default=_plain))
                result["cached"] = False
            results.append(result)
            done = "cached" if result["cached"] else f"{result['seconds']:.1f} s"
            bar.update(1, postfix=key.rsplit("-", 1)[0])
            if log is not None:
                bar.write(f"{desc} {len(results)}/{len(trials)} {key} ({done})", log=log)
    finally:
        bar.close()
    return results


def markdown_table(columns, rows):
    """A Markdown table: `columns` a list of (header, key, format), rows a list of dicts."""
    lines = ["| " + " | ".join(header for header, _, _ in columns) + " |",
             "|" + "---|" * len(columns)]
    for row in rows:
        cells = []
        for _, key, form in columns:
            value = row.get(key)
            cells.append("" if value is None else (form.format(value) if form else str(value)))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_table(out_dir, name, columns, rows, note=""):
    """Write NAME.json (the rows) and NAME.md (a Markdown table, then `note`) in out_dir;
    returns the Markdown text."""
    text = markdown_table(columns, rows)
    if note:
        text = f"{text}\n\n{note}"
    if out_dir is not None:
        os.makedirs(out_dir, exist_ok=True)
        _write_json(os.path.join(out_dir, f"{name}.json"), rows)
        with open(os.path.join(out_dir, f"{name}.md"), "w") as file:
            file.write(text + "\n")
    return text


__all__ = ["TRIALS", "markdown_table", "run_trials", "trial_key", "write_table"]
