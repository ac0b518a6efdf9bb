"""Every ```python block of every docs/*.md page (and of README.md) runs, so the docs stay true.
(The ```pycon blocks, `>>>` lines with the output Python prints, are doctests: pytest's doctest
runs them, as pyproject.toml's --doctest-glob=*.md asks, and fails on a line that differs.)

A page's blocks run in order in one namespace, as a reader pasting them into one session would,
in a temporary working directory, after `glassgrad.manual_seed(0)`. A block right after a `<!-- no-run -->` line is skipped; that
is only for code that needs something the tests cannot have (a program, a download).
Relative links in the pages must point at files that exist.
"""
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs")

FENCE = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
NO_RUN = "<!-- no-run -->"


def python_blocks(text):
    """[(line number, source, runs)] for each ```python block of a markdown text."""
    blocks = []
    for match in FENCE.finditer(text):
        before = text[:match.start()].rstrip("\n").splitlines()
        runs = not (before and before[-1].strip() == NO_RUN)
        line = text.count("\n", 0, match.start()) + 2      # first line of the code itself
        blocks.append((line, match.group(1), runs))
    return blocks


def pages():
    names = sorted(f for f in os.listdir(DOCS) if f.endswith(".md")) if os.path.isdir(DOCS) \
        else []
    return [os.path.join("docs", name) for name in names] + ["README.md"]


def run_page(path, workdir):
    """Run the page's blocks in one namespace; an error names the page and the block's line."""
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        blocks = python_blocks(f.read())
    namespace = {"__name__": "__docs__"}
    ran = 0
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        for line, source, runs in blocks:
            if not runs:
                continue
            # Blank lines in front keep the traceback's line numbers equal to the page's.
            code = compile("\n" * (line - 1) + source, path, "exec")
            try:
                exec(code, namespace)
            except Exception as error:
                raise AssertionError(f"{path}: the python block at line {line} failed: "
                                     f"{type(error).__name__}: {error}") from error
            ran += 1
    finally:
        os.chdir(cwd)
    return ran


@pytest.mark.parametrize("path", pages())
def test_page_code_runs(path, tmp_path, capsys, monkeypatch):
    import glassgrad
    monkeypatch.setenv("MPLBACKEND", "Agg")     # a page that plots must not open a window
    glassgrad.manual_seed(0)                    # each page starts from the same random state
    run_page(path, tmp_path)


@pytest.mark.parametrize("path", pages())
def test_page_links_exist(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        text = FENCE.sub("", f.read())
    base = os.path.dirname(os.path.join(ROOT, path))
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue                                       # a web address or an anchor
        file = os.path.normpath(os.path.join(base, target.split("#")[0]))
        assert os.path.exists(file), f"{path}: the link ({target}) points at nothing"


def test_block_extraction_and_no_run():
    text = ("# Page\n\n```python\na = 1\n```\n\n<!-- no-run -->\n```python\nimport missing\n```\n"
            "\n```text\nnot python\n```\n```python\nb = a + 1\n```\n")
    blocks = python_blocks(text)
    assert [(source, runs) for _, source, runs in blocks] == [
        ("a = 1\n", True), ("import missing\n", False), ("b = a + 1\n", True)]
    assert blocks[0][0] == 4


def test_failing_block_names_page_and_line(tmp_path):
    page = tmp_path / "broken.md"
    page.write_text("Intro\n\n```python\nx = 1\n```\n\n```python\nx = undefined_name\n```\n")
    with pytest.raises(AssertionError, match=r"broken.md: the python block at line 8 failed: "
                                             r"NameError"):
        run_page(str(page), tmp_path)


def test_docs_have_pages_with_code():
    assert "docs/autograd.md" in [p.replace(os.sep, "/") for p in pages()]
    with open(os.path.join(DOCS, "autograd.md"), encoding="utf-8") as f:
        assert sum(runs for _, _, runs in python_blocks(f.read())) >= 8
