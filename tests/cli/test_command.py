"""The `glassgrad` command itself: --help everywhere, a missing sub-command, Ctrl-C and
--traceback."""
import pytest

from glassgrad import cli
from glassgrad.cli import run_folder

from cli_harness import one_error_line


@pytest.mark.parametrize("argv", [[], ["train"], ["evaluate"], ["experiments"],
                                  ["experiments", "run"], ["demo"]])
def test_help_everywhere(argv, capsys):
    assert cli.main([*argv, "--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: glassgrad")


def test_no_command_is_a_usage_error(capsys):
    assert cli.main([]) == 2
    assert "required" in one_error_line(capsys.readouterr().err, "glassgrad")


def test_interrupt_and_traceback(monkeypatch, capsys):
    def interrupted(**kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(run_folder, "train_run", interrupted)
    assert cli.main(["train"]) == 130
    assert "interrupted" in one_error_line(capsys.readouterr().err, "glassgrad train")

    def broken(**kwargs):
        raise ZeroDivisionError("division by zero")
    monkeypatch.setattr(run_folder, "train_run", broken)
    assert cli.main(["train"]) == 1
    line = one_error_line(capsys.readouterr().err, "glassgrad train")
    assert "ZeroDivisionError: division by zero" in line and "--traceback" in line
    with pytest.raises(ZeroDivisionError):
        cli.main(["train", "--traceback"])
