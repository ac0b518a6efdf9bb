"""The MNIST-1D figures in README.md and docs/cli.md are the ones the current code prints.

Both pages hold the same table (the models trained by `glassgrad train --model M` with its
defaults, seed 0, at two and at one BLAS thread); this test trains all six and compares every
figure, and docs/cli.md's sample output of `glassgrad train`. float32 training amplifies the
last bits of the matrix products, which depend on the BLAS kernels the CPU gets, so the figures
hold on the machine kind they were measured on (the pages name it); elsewhere the test skips
with the reason. To refresh the figures after a change: run it, and copy what it prints.
"""
import os
import re

import numpy as np
import pytest

from glassgrad.cli import run_folder

from cli_harness import ROOT

ROW = re.compile(r"^\| [^|]*\(`--model (\w+)`[^|]*\| \d+% \| ([\d.]+)% \(([\d.]+)–([\d.]+)%\) "
                 r"\| ([\d.]+)% \(([\d.]+)–([\d.]+)%\) \|$", re.MULTILINE)
MEASURED_ON = {"cpu": "AMD EPYC", "numpy": "2.4.6", "blas": "0.3.31"}   # as the pages say


def page(name):
    with open(os.path.join(ROOT, name), encoding="utf-8") as f:
        return f.read()


def table(name):
    """{(model, threads): (value, low, high) in %} from a page's table."""
    rows = ROW.findall(page(name))
    assert len(rows) == 3, f"{name}: expected the three models' rows, found {rows}"
    figures = {}
    for model, *numbers in rows:
        figures[(model, 2)] = tuple(float(v) for v in numbers[:3])
        figures[(model, 1)] = tuple(float(v) for v in numbers[3:])
    return figures


def test_the_pages_agree_and_name_the_machine():
    assert table("README.md") == table(os.path.join("docs", "cli.md"))
    for name in ("README.md", os.path.join("docs", "cli.md")):
        text = " ".join(page(name).split())           # the words, whatever the line breaks
        assert "AMD EPYC (Zen 4)" in text and "numpy 2.4.6" in text and "OpenBLAS 0.3.31" in text


def this_machine():
    from glassgrad import threads
    blas = threads.blas_info()
    return {"cpu": threads.cpu_name() or "", "numpy": np.__version__,
            "blas": " ".join(str(b.get("version")) for b in blas)}


@pytest.mark.slow
def test_the_figures_are_what_the_code_prints(tmp_path):
    pytest.importorskip("threadpoolctl")
    here = this_machine()
    if not (here["cpu"].startswith(MEASURED_ON["cpu"]) and here["numpy"] == MEASURED_ON["numpy"]
            and MEASURED_ON["blas"] in here["blas"]):
        pytest.skip(f"the figures were measured on {MEASURED_ON}; this is {here}")
    import glassgrad
    before = glassgrad.get_num_threads()
    printed, lines, digits = {}, {}, {}
    try:
        for threads in (2, 1):
            for model in ("logreg", "mlp", "cnn"):
                log = []
                result = run_folder.train_run(model=model, threads=threads, progress=False,
                                              out=str(tmp_path / f"{model}-{threads}"),
                                              log=log.append)
                score = result["test"]["accuracy"]
                printed[(model, threads)] = (round(100 * score.value, 1),
                                             round(100 * score.low, 1),
                                             round(100 * score.high, 1))
                lines[(model, threads)] = [line for line in log if line.startswith("test ")]
        for model in ("logreg", "mlp", "cnn"):
            result = run_folder.train_run(data="digits", model=model, threads=2, progress=False,
                                          out=str(tmp_path / f"digits-{model}"),
                                          log=lambda line: None)
            digits[model] = round(100 * result["test"]["accuracy"].value, 1)
    finally:
        glassgrad.set_num_threads(before)
    for key, figures in sorted(printed.items()):
        print(f"{key}: {figures[0]}% ({figures[1]}–{figures[2]}%)")
    print(f"digits: {digits}")
    assert table("README.md") == printed
    sample = re.search(r"```text\n(test loss .*?)\nwrote ", page(os.path.join("docs", "cli.md")),
                       re.S).group(1).splitlines()
    assert sample == lines[("cnn", 2)]
    readme = re.search(r"\(`(test accuracy [^`]*)` on two cores\)", page("README.md")).group(1)
    assert readme == lines[("cnn", 2)][1]
    text = " ".join(page(os.path.join("docs", "cli.md")).split())
    assert f"digits, logreg {digits['logreg']}%, mlp {digits['mlp']}%, cnn {digits['cnn']}%" \
        in text


GRU_ROW = re.compile(r"^\| GRU \(`gru`\) \| [^|]* \| ([\d.]+)% \(([\d.]+)–([\d.]+)%\) \|",
                     re.MULTILINE)


@pytest.mark.slow
def test_the_gru_figure_is_what_the_code_prints(tmp_path):
    """README's GRU row (`glassgrad train --data mnist1d --model gru`, default threads)."""
    pytest.importorskip("threadpoolctl")
    here = this_machine()
    if not (here["cpu"].startswith(MEASURED_ON["cpu"]) and here["numpy"] == MEASURED_ON["numpy"]
            and MEASURED_ON["blas"] in here["blas"]):
        pytest.skip(f"the figures were measured on {MEASURED_ON}; this is {here}")
    (row,) = GRU_ROW.findall(page("README.md"))
    result = run_folder.train_run(model="gru", threads=2, progress=False,
                                  out=str(tmp_path / "gru"), log=lambda line: None)
    score = result["test"]["accuracy"]
    printed = tuple(f"{100 * v:.1f}" for v in (score.value, score.low, score.high))
    print(f"gru: {printed}")
    assert printed == row
