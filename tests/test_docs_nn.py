"""docs/nn.md covers what glassgrad.nn offers: every public layer, loss, initialiser, utility and
classic model is named on the page, and the page has runnable examples for each section.
(tests/test_docs.py runs every python block of every page, this one included.)"""
import os
import re

import glassgrad.models as models
import glassgrad.nn as nn
import glassgrad.nn.init as init
import glassgrad.nn.utils as utils

from test_docs import ROOT, python_blocks

PAGE = os.path.join(ROOT, "docs", "nn.md")
CONV_PAGE_NAMES = {"Conv", "Pool", "Norm"}     # conv.md documents these
SEQUENCE_PAGE = os.path.join(ROOT, "docs", "sequences.md")
SEQUENCE_PAGE_NAMES = {"RNN", "LSTM", "GRU"}    # sequences.md documents these


def page():
    with open(PAGE, encoding="utf-8") as f:
        return f.read()


def public_classes(module):
    return [name for name, value in vars(module).items()
            if isinstance(value, type) and not name.startswith("_")]


def test_every_layer_and_loss_is_named():
    text = page()
    names = [n for n in public_classes(nn)
             if not any(k in n for k in CONV_PAGE_NAMES | SEQUENCE_PAGE_NAMES)]
    assert "Linear" in names and "CrossEntropyLoss" in names
    missing = [n for n in names if not re.search(rf"\b{n}\b", text)]
    assert not missing, f"docs/nn.md does not mention {missing}"


def test_every_recurrent_layer_is_named_on_the_sequences_page():
    with open(SEQUENCE_PAGE, encoding="utf-8") as f:
        text = f.read()
    names = [n for n in public_classes(nn) if any(k in n for k in SEQUENCE_PAGE_NAMES)]
    assert "LSTM" in names and "GRUCell" in names
    missing = [n for n in names if not re.search(rf"\b{n}\b", text)]
    assert not missing, f"docs/sequences.md does not mention {missing}"


def test_every_initialiser_utility_and_model_is_named():
    text = page()
    wanted = [n for n in dir(init) if n.endswith("_") and not n.startswith("_")]
    wanted += ["calculate_gain", "_calculate_fan_in_and_fan_out"]
    wanted += [n for n in dir(utils) if not n.startswith("_") and callable(getattr(utils, n))]
    wanted += public_classes(models)
    missing = [n for n in wanted if n not in text]
    assert not missing, f"docs/nn.md does not mention {missing}"


def test_each_section_has_a_runnable_example():
    text = page()
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    assert len(sections) >= 6
    for section in sections:
        title = section.splitlines()[0]
        runnable = [src for _, src, runs in python_blocks(section) if runs]
        assert runnable, f"docs/nn.md section {title!r} has no runnable python block"
        assert any("assert" in src for src in runnable), \
            f"docs/nn.md section {title!r}: its examples check nothing"
