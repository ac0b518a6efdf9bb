"""`glassgrad evaluate`: a missing, truncated, foreign or plain checkpoint, and data of another
shape, are each one line on stderr with the right exit status."""
import numpy as np

from glassgrad import cli
from glassgrad.train import checkpoint

from cli_harness import one_error_line


def test_evaluate_bad_checkpoints(existing_run, tmp_path, capsys):
    from glassgrad import nn
    assert cli.main(["evaluate", str(tmp_path / "none.npz")]) == 2
    assert "no checkpoint at" in one_error_line(capsys.readouterr().err, "glassgrad evaluate")

    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes((existing_run / "checkpoint.npz").read_bytes()[:500])
    assert cli.main(["evaluate", str(truncated)]) == 1
    line = one_error_line(capsys.readouterr().err, "glassgrad evaluate")
    assert "truncated or corrupt" in line and "glassgrad train" in line

    np.savez(tmp_path / "foreign.npz", a=np.zeros(3))
    assert cli.main(["evaluate", str(tmp_path / "foreign.npz")]) == 1
    assert "not a glassgrad checkpoint" in one_error_line(capsys.readouterr().err,
                                                          "glassgrad evaluate")

    checkpoint.save(tmp_path / "plain.npz", nn.Linear(40, 10))
    assert cli.main(["evaluate", str(tmp_path / "plain.npz")]) == 1
    assert "not one written by `glassgrad train`" in one_error_line(
        capsys.readouterr().err, "glassgrad evaluate")

    assert cli.main(["evaluate", str(existing_run), "--data", "cifar10"]) == 2
    assert "unknown data set 'cifar10'" in one_error_line(capsys.readouterr().err,
                                                          "glassgrad evaluate")

    assert cli.main(["evaluate", str(existing_run), "--data", "digits"]) == 1
    line = one_error_line(capsys.readouterr().err, "glassgrad evaluate")
    assert "takes samples of shape (40,)" in line and "(1, 8, 8)" in line
