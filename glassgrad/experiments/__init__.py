"""Experiments: each re-creates one published finding or comparison with glassgrad, at a size
for CI ("small", seconds) and a size for the record ("full").

An experiment is a function `run(size="small", out_dir=None, seed=0) -> dict` that returns its
results (numbers a test can check) and writes its figures (PNG) into `out_dir`. It joins the
registry with `@register("name")`:

    >>> from glassgrad import experiments
    >>> "optimizer_comparison" in experiments.list_experiments()
    True
    >>> results = experiments.run("optimizer_comparison", size="small", out_dir="runs/opt")

From the shell: `glassgrad experiments list` and
`glassgrad experiments run optimizer_comparison --size small --out runs/opt` (glassgrad/cli/
experiments.py; `python -m glassgrad.experiments ...` is the same command).
"""
import os

SIZES = ("small", "full")
DEFAULT_OUT = os.path.join("runs", "experiments")

_REGISTRY = {}          # name -> (function, one-line description)


def register(name, description=None):
    """Decorator: add an experiment function to the registry under `name`."""
    def decorate(func):
        if name in _REGISTRY and _REGISTRY[name][0] is not func:
            raise ValueError(f"register: an experiment named {name!r} is already registered "
                             f"({_REGISTRY[name][0].__module__})")
        doc = (func.__doc__ or "").strip().splitlines()
        _REGISTRY[name] = (func, description or (doc[0] if doc else ""))
        return func
    return decorate


def list_experiments():
    """The registered experiments' names, sorted."""
    return sorted(_REGISTRY)


def describe(name):
    """The one-line description of an experiment."""
    get(name)
    return _REGISTRY[name][1]


def get(name):
    """The experiment function registered as `name`."""
    if name not in _REGISTRY:
        raise KeyError(f"unknown experiment {name!r}; registered: "
                       f"{', '.join(list_experiments()) or 'none'}")
    return _REGISTRY[name][0]


def run(name, size="small", out_dir=None, seed=0):
    """Run an experiment; figures go to out_dir (default runs/experiments/NAME)."""
    if size not in SIZES:
        raise ValueError(f"experiment {name!r}: size must be one of {SIZES}, got {size!r}")
    func = get(name)
    out_dir = out_dir if out_dir is not None else os.path.join(DEFAULT_OUT, name)
    made = _missing_folders(out_dir)
    os.makedirs(out_dir, exist_ok=True)
    try:
        return func(size=size, out_dir=out_dir, seed=seed)
    finally:
        # A run that wrote nothing (no matplotlib, Ctrl-C, an error) leaves no empty folder
        # behind: remove the folders made here, deepest first, as long as nothing is in them.
        for folder in made:
            if os.path.isdir(folder) and not os.listdir(folder):
                os.rmdir(folder)


def _missing_folders(path):
    """The folders os.makedirs(path) would create, deepest first."""
    missing = []
    path = os.path.abspath(path)
    while not os.path.exists(path):
        missing.append(path)
        path = os.path.dirname(path)
    return missing


def require_matplotlib():
    """matplotlib's Figure class, or a clear error: plotting is an optional extra.

    Figures are made as `Figure()` objects and saved with `fig.savefig`, without pyplot, so
    running an experiment never changes the caller's matplotlib backend or opens a window.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError("this experiment draws its figures with matplotlib, an optional "
                          "extra: pip install matplotlib (or pip install 'glassgrad[cli]' for "
                          "all that the glassgrad command uses)") from error
    return Figure


MATPLOTLIB_NOTE = ('note: figures skipped: matplotlib is not installed (pip install '
                   '"glassgrad[cli]" installs it); the results are complete without them')
_noted = []


def can_draw(log=None):
    """Whether matplotlib is there to draw an experiment's figures. Without it the results
    are computed all the same and the figures skipped, with one note (once per process) on
    stderr, or through `log`."""
    try:
        import matplotlib.figure  # noqa: F401
    except ImportError:
        if not _noted:
            _noted.append(True)
            (log or _stderr)(MATPLOTLIB_NOTE)
        return False
    return True


def _stderr(line):
    import sys
    print(line, file=sys.stderr)


# Importing an experiment's module registers it (they import matplotlib only when run).
from . import optimizer_comparison  # noqa: E402,F401
from . import initialisation, mnist1d_baselines, vanishing_gradients  # noqa: E402,F401
from . import adaround, bits, equalisation  # noqa: E402,F401  (glassgrad.quant, issue 16)
from . import int8, taylor_rounding  # noqa: E402,F401  (glassgrad.quant, issue 16)
from . import double_descent, lottery_ticket, pruning, random_labels  # noqa: E402,F401
from . import char_lm, text_classification  # noqa: E402,F401
from . import co2_forecast, seq2seq  # noqa: E402,F401
from . import graphs  # noqa: E402,F401  (glassgrad.graph, issue 14)

__all__ = ["register", "get", "list_experiments", "describe", "run", "SIZES", "can_draw",
           "require_matplotlib"]
