"""QAT wrappers, prepare/convert, int8 inference against the fake-quant simulation, the
fixed-point requantisation, BatchNorm folding and the errors."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn, quant


def _calibrated(model, x, qconfig=None):
    prepared = quant.prepare(model, qconfig or quant.default_qconfig())
    with gg.no_grad():
        prepared(x)
    return quant.freeze_observers(prepared)


def test_prepare_swaps_layers_and_keeps_the_float_model():
    model = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))
    prepared = quant.prepare(model, quant.default_qconfig())
    assert isinstance(prepared[0], quant.QuantLinear) and isinstance(model[0], nn.Linear)
    assert prepared[0].weight is not model[0].weight          # a copy unless inplace=True


@pytest.mark.parametrize("make,shape", [
    (lambda: nn.Linear(7, 4), (20, 7)),
    (lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1), (5, 3, 11)),
    (lambda: nn.Conv2d(2, 3, (3, 2), stride=(1, 2), padding=1, dilation=(2, 1)), (4, 2, 7, 6))])
def test_int8_layer_agrees_with_fake_quant_within_one_step(make, shape):
    gg.manual_seed(0)
    layer = make()
    x = gg.randn(*shape)
    prepared = _calibrated(layer, x)
    with gg.no_grad():
        simulated = prepared(x)._data
    integer = quant.convert(prepared)
    out = integer(x)._data
    assert integer.weight_int8._data.dtype == np.int8
    assert integer.bias_int32._data.dtype == np.int32
    steps = np.abs(out - simulated) / integer.out_scale
    assert steps.max() <= 1.0 + 1e-4
    assert (steps > 0.5).mean() < 0.01                        # almost all bit-identical


def test_int8_model_predictions_match_simulation_and_size_shrinks():
    gg.manual_seed(1)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 10))
    x = gg.randn(400, 20)
    prepared = _calibrated(model, x)
    with gg.no_grad():
        simulated = prepared(x)._data.argmax(1)
    integer = quant.convert(prepared)
    assert (integer(x)._data.argmax(1) == simulated).mean() >= 0.98
    ratio = quant.model_nbytes(model) / quant.model_nbytes(integer)
    assert 3.0 < ratio < 4.0                                  # int8 weights, int32 bias


def test_fixed_point_multiplier_and_requantize():
    real = np.array([0.75, 1e-3, 0.123456, 0.9999999])
    m, n = quant.fixed_point_multiplier(real)
    assert np.all((m >= 2 ** 30) & (m < 2 ** 31))
    np.testing.assert_allclose(m * 2.0 ** -n.astype(float), real, rtol=1e-9)
    acc = np.array([1000, -1000, 0, 7])
    q = quant.requantize(acc, *quant.fixed_point_multiplier(0.01), 3, 0, 255)
    np.testing.assert_array_equal(q, [13, 0, 3, 3])


def test_qat_trains_through_the_ste():
    gg.manual_seed(2)
    model = quant.prepare(nn.Linear(4, 2), quant.default_qconfig(4, 8))
    x, target = gg.randn(32, 4), gg.randn(32, 2)
    loss = ((model(x) - target) ** 2).mean()
    loss.backward()
    assert model.module.weight.grad is not None and np.abs(model.module.weight.grad._data).sum() > 0


def test_lsq_scale_is_a_parameter_that_learns():
    gg.manual_seed(3)
    model = quant.prepare(nn.Linear(4, 2), quant.default_qconfig(4, None, learnable=True))
    x = gg.randn(16, 4)
    model(x).sum().backward()
    names = dict(model.named_parameters())
    assert "weight_quant.scale" in names and names["weight_quant.scale"].grad is not None


def test_batchnorm_folding_leaves_eval_output_unchanged():
    gg.manual_seed(4)
    model = nn.Sequential(nn.Conv1d(2, 3, 3, padding=1), nn.BatchNorm1d(3), nn.ReLU(),
                          nn.Linear(5, 4), nn.BatchNorm1d(3))     # features 3 != 4: no pair
    model.train()
    for _ in range(3):
        model(gg.randn(8, 2, 5) * 2 + 1)
    model.eval()
    x = gg.randn(6, 2, 5)
    with gg.no_grad():
        before = model(x)._data
        assert quant.fold_batchnorms(model) == 1        # Linear(5, 4) + BN(3) is not a pair
        after = model(x)._data
    np.testing.assert_allclose(after, before, rtol=1e-5, atol=1e-5)
    assert isinstance(model[1], nn.Identity)


def test_errors():
    with pytest.raises(ValueError, match="convert: Sequential was never prepared"):
        quant.convert(nn.Sequential(nn.Linear(2, 2)))
    with pytest.raises(TypeError, match="prepare: qconfig must be a quant.QConfig"):
        quant.prepare(nn.Linear(2, 2), {"bits": 8})
    weights_only = _calibrated(nn.Linear(3, 2), gg.randn(4, 3), quant.default_qconfig(8, None))
    with pytest.raises(ValueError, match="QuantLinear has no input_quant"):
        quant.convert(weights_only)
    with pytest.raises(RuntimeError, match="no data has been observed"):
        quant.convert(quant.prepare(nn.Linear(3, 2), quant.default_qconfig()))
    with pytest.raises(ValueError, match=r"BatchNorm1d\(4\) cannot follow Linear with 3"):
        quant.fold_batchnorm(nn.Linear(2, 3), nn.BatchNorm1d(4))


def test_qat_qconfig_ranges_follow_training_instead_of_widening():
    config = quant.qat_qconfig(4, 4, averaging_constant=0.5)
    act, weight = config.activation(), config.weight()
    assert isinstance(act.observer, quant.MovingAverageMinMaxObserver)
    act(gg.tensor([0.0, 1.0]))
    act(gg.tensor([0.0, 9.0]))                    # one extreme batch ...
    act(gg.tensor([0.0, 1.0]))
    act(gg.tensor([0.0, 1.0]))                    # ... is forgotten: 1 + 8·0.5³ = 2
    assert abs(float(act.observer.max_val.numpy()) - 2.0) < 1e-6
    weight(gg.tensor([[1.0, -2.0], [0.5, 0.25]]))
    weight(gg.tensor([[0.1, -0.2], [0.5, 0.25]]))  # the current weights' range, per channel
    np.testing.assert_allclose(weight.observer.max_val.numpy(), [0.1, 0.5], rtol=1e-6)
    np.testing.assert_allclose(weight.observer.min_val.numpy(), [-0.2, 0.25], rtol=1e-6)
    learnt = quant.qat_qconfig(4, None, learnable=True)
    assert learnt.activation is None and learnt.weight().learnable
