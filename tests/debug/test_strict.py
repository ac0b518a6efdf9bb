"""strict_broadcasting: flags broadcasts that grow every operand, allows the intended kinds."""
import pytest

import glassgrad as gg
from glassgrad.debug.strict import BroadcastError, strict_broadcasting


def test_column_against_row_vector_raises_with_both_shapes():
    pred, target = gg.randn(5), gg.randn(5, 1)
    with strict_broadcasting():
        with pytest.raises(BroadcastError, match=r"Sub: operands of shapes \(5,\) and \(5, 1\) "
                                                 r"broadcast to \(5, 5\)"):
            pred - target


def test_intended_broadcasts_pass():
    with strict_broadcasting():
        x = gg.randn(4, 3, requires_grad=True)
        y = (x + gg.randn(3)) * 2.0 - gg.randn(4, 1)
        (y / gg.tensor(3.0)).sum().backward()     # backward broadcasts are not judged
    assert x.grad.shape == (4, 3)


def test_outer_product_by_broadcast_is_flagged_and_mode_ends():
    with strict_broadcasting():
        with pytest.raises(BroadcastError):
            gg.randn(3, 1) * gg.randn(1, 4)
    assert (gg.randn(3, 1) * gg.randn(1, 4)).shape == (3, 4)
