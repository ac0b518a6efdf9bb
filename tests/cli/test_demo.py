"""`glassgrad demo`: the small MLP's loss falls on the generated spirals."""
import re

from glassgrad import cli


def test_demo_loss_falls(capsys):
    assert cli.main(["demo", "--epochs", "30", "--seed", "0"]) == 0
    out = capsys.readouterr().out
    losses = [float(v) for v in re.findall(r"^epoch\s+\d+/\d+\s+loss ([0-9.]+)", out, re.MULTILINE)]
    assert len(losses) == 30 and losses[-1] < 0.5 * losses[0]
    assert re.search(r"test accuracy [0-9.]+% on 120 held-out points", out)
