"""Normalisation: batch_norm, instance_norm, layer_norm, group_norm against torch (outputs, input
and affine gradients, running statistics), second derivatives, and the errors. The norm modules'
tests are at the end."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd.gradcheck import gradcheck, gradgradcheck
from glassgrad.nn.functional.normalization import (batch_norm, group_norm, instance_norm,
                                                   layer_norm)

from conv_harness import arrays, assert_close, compare_with_torch, double

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _running(seed, channels):
    mean, var = arrays(seed, (channels,), (channels,))
    return mean, np.abs(var) + 0.5


@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5), (2, 3, 4, 5)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_matches_torch_with_running_stats(shape, training):
    x, w, b = arrays(1, shape, (3,), (3,))
    mean, var = _running(2, 3)
    g_stats = [gg.tensor(mean.copy()), gg.tensor(var.copy())]
    t_stats = [torch.tensor(mean.copy()), torch.tensor(var.copy())]

    def g_fn(x, w, b):
        return batch_norm(x, *g_stats, w, b, training=training, momentum=0.3, eps=1e-3)

    def t_fn(x, w, b):
        return TF.batch_norm(x, *t_stats, w, b, training=training, momentum=0.3, eps=1e-3)
    compare_with_torch(g_fn, t_fn, [x, w, b])
    for g, t in zip(g_stats, t_stats):        # updated in place in training (unbiased var)
        assert_close(g.numpy(), t.numpy(), "running statistics")
        assert g.dtype == np.float32


def test_batch_norm_without_running_stats_or_affine():
    (x,) = arrays(3, (5, 4, 3))
    compare_with_torch(lambda x: batch_norm(x, None, None, training=True),
                       lambda x: TF.batch_norm(x, None, None, training=True), [x])


@pytest.mark.parametrize("shape", [(4, 3, 5), (2, 3, 4, 5)])
@pytest.mark.parametrize("use_input_stats", [True, False])
def test_instance_norm_matches_torch_with_running_stats(shape, use_input_stats):
    x, w, b = arrays(4, shape, (3,), (3,))
    mean, var = _running(5, 3)
    g_stats = [gg.tensor(mean.copy()), gg.tensor(var.copy())]
    t_stats = [torch.tensor(mean.copy()), torch.tensor(var.copy())]

    def g_fn(x, w, b):
        return instance_norm(x, *g_stats, w, b, use_input_stats, momentum=0.3, eps=1e-3)

    def t_fn(x, w, b):
        return TF.instance_norm(x, *t_stats, w, b, use_input_stats, momentum=0.3, eps=1e-3)
    compare_with_torch(g_fn, t_fn, [x, w, b])
    for g, t in zip(g_stats, t_stats):
        assert_close(g.numpy(), t.numpy(), "running statistics")


def test_instance_norm_plain():
    (x,) = arrays(6, (2, 3, 7))
    compare_with_torch(instance_norm, TF.instance_norm, [x])


@pytest.mark.parametrize("shape, normalized_shape", [((4, 6), (6,)), ((2, 3, 4, 5), (4, 5)),
                                                     ((2, 3, 4, 5), (3, 4, 5)), ((4, 6), 6)])
def test_layer_norm_matches_torch(shape, normalized_shape):
    dims = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
    x, w, b = arrays(7, shape, dims, dims)
    compare_with_torch(lambda x, w, b: layer_norm(x, normalized_shape, w, b),
                       lambda x, w, b: TF.layer_norm(x, dims, w, b), [x, w, b])


@pytest.mark.parametrize("shape, groups", [((4, 6), 3), ((2, 6, 5), 2), ((2, 6, 4, 5), 6),
                                           ((2, 6, 4, 5), 1)])
def test_group_norm_matches_torch(shape, groups):
    x, w, b = arrays(8, shape, (6,), (6,))
    compare_with_torch(lambda x, w, b: group_norm(x, groups, w, b, eps=1e-3),
                       lambda x, w, b: TF.group_norm(x, groups, w, b, eps=1e-3), [x, w, b])


@pytest.mark.parametrize("fn, affine_shape", [
    (lambda x, w, b: batch_norm(x, None, None, w, b, training=True), (4,)),
    (lambda x, w, b: instance_norm(x, None, None, w, b), (4,)),
    (lambda x, w, b: layer_norm(x, (4, 3), w, b), (4, 3)),
    (lambda x, w, b: group_norm(x, 2, w, b), (4,)),
])
def test_norm_first_and_second_derivatives(fn, affine_shape):
    x, w, b = double(*arrays(9, (2, 4, 3), affine_shape, affine_shape))
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


def test_batch_norm_eval_second_derivative():
    x, w, b = double(*arrays(10, (2, 3, 2), (3,), (3,)))
    mean, var = (gg.tensor(a.astype(np.float64)) for a in _running(11, 3))

    def f(x, w, b):
        return batch_norm(x, mean, var, w, b) ** 2
    assert gradgradcheck(f, (x, w, b))


@pytest.mark.parametrize("call, message", [
    (lambda: batch_norm(gg.randn(1, 3), None, None, training=True),
     r"batch_norm: expected more than 1 value per channel when training, got input of shape "
     r"\(1, 3\)"),
    (lambda: batch_norm(gg.randn(4), None, None, training=True),
     r"batch_norm: expected input with at least 2 dimensions \(N, C, ...\), got shape \(4,\)"),
    (lambda: batch_norm(gg.randn(4, 3), gg.zeros(4), gg.ones(4)),
     r"batch_norm: running_mean of shape \(4,\) does not match the input's 3 channels"),
    (lambda: batch_norm(gg.randn(4, 3), None, None),
     r"batch_norm: running_mean and running_var must be given in evaluation mode"),
    (lambda: instance_norm(gg.randn(2, 3, 1)),
     r"instance_norm: expected more than 1 spatial element"),
    (lambda: layer_norm(gg.randn(2, 5), (4,)),
     r"layer_norm: expected input of shape \(\*, 4\) for normalized_shape \(4,\), got \(2, 5\)"),
    (lambda: layer_norm(gg.randn(2, 4), (4,), gg.ones(3)),
     r"layer_norm: weight of shape \(3,\) does not match normalized_shape \(4,\)"),
    (lambda: group_norm(gg.randn(2, 6, 3), 4),
     r"group_norm: num_groups=4 must divide the number of channels 6"),
])
def test_norm_errors_name_the_op_and_shapes(call, message):
    with pytest.raises((RuntimeError, ValueError), match=message):
        call()
