"""The fixture the tests of `glassgrad train` and `glassgrad evaluate` share."""
import pytest

from cli_harness import train


@pytest.fixture(scope="module")
def existing_run(tmp_path_factory):
    """A finished run folder, for the checks that a failure leaves it intact."""
    out = tmp_path_factory.mktemp("runs") / "kept"
    assert train(out) == 0
    return out
