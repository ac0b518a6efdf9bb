"""The run folder of `glassgrad train`: its default name never reuses a folder."""
import os

from glassgrad.cli import run_folder


def test_default_out_never_reuses_a_folder(tmp_path):
    import datetime
    now = datetime.datetime(2025, 1, 2, 3, 4, 5)
    first = run_folder.default_out("digits", "cnn", root=str(tmp_path), now=now)
    assert first.endswith("digits-cnn-20250102-030405")
    os.makedirs(first)
    assert run_folder.default_out("digits", "cnn", root=str(tmp_path), now=now) == first + "-2"
