"""Normalisation: batch_norm, instance_norm, layer_norm, group_norm against torch (outputs, input
and affine gradients, running statistics), second derivatives, and the errors. The norm modules'
tests are at the end."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd.gradcheck import gradcheck, gradgradcheck
from glassgrad.nn.functional import batch_norm, group_norm, instance_norm, layer_norm

from conv_harness import arrays, assert_close, compare_with_torch, double
from harness import check_module, check_state_dict_round_trip, copy_state_to_torch

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
     (r"batch_norm: expected more than 1 value per channel when training, got input of shape "
      r"\(1, 3\)")),
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


# --- the modules -------------------------------------------------------------------------------

NORM_MODULES = [
    ("BatchNorm1d", (3,), {}, (5, 3)),
    ("BatchNorm1d", (3,), {"momentum": None, "affine": False}, (4, 3, 6)),
    ("BatchNorm1d", (3,), {"track_running_stats": False, "bias": False}, (4, 3, 6)),
    ("BatchNorm2d", (4,), {"eps": 1e-3, "momentum": 0.3}, (3, 4, 5, 5)),
    ("BatchNorm2d", (4,), {"affine": False, "track_running_stats": False}, (3, 4, 5, 5)),
    ("InstanceNorm1d", (3,), {}, (4, 3, 6)),
    ("InstanceNorm1d", (3,), {"affine": True, "track_running_stats": True}, (3, 6)),
    ("InstanceNorm2d", (4,), {"affine": True, "momentum": 0.2, "track_running_stats": True},
     (3, 4, 5, 5)),
    ("InstanceNorm2d", (4,), {"affine": True, "bias": False}, (4, 5, 5)),
    ("LayerNorm", ((5, 4),), {}, (3, 2, 5, 4)),
    ("LayerNorm", (6,), {"eps": 1e-3, "bias": False}, (4, 6)),
    ("LayerNorm", (6,), {"elementwise_affine": False}, (4, 3, 6)),
    ("GroupNorm", (2, 6), {}, (3, 6, 4, 4)),
    ("GroupNorm", (3, 6), {"affine": False, "eps": 1e-3}, (3, 6, 5)),
]


def _randomised(name, args, kwargs, seed):
    """The layer with random affine parameters (the default ones/zeros would hide mix-ups)."""
    layer = getattr(gg.nn, name)(*args, **kwargs)
    for i, p in enumerate(layer.parameters()):
        p._data[...] = arrays(seed * 10 + i, p.shape)[0]
    return layer


@pytest.mark.parametrize("name, args, kwargs, shape", NORM_MODULES)
def test_norm_modules_match_torch_in_train_and_eval(name, args, kwargs, shape):
    layer = _randomised(name, args, kwargs, 1)
    twin = getattr(torch.nn, name)(*args, **kwargs)
    assert repr(layer) == repr(twin)
    # train (updates the running statistics), then eval (uses them): both compared, buffers too
    check_module(layer, twin, arrays(2, shape))


@pytest.mark.parametrize("name, args, kwargs, shape", [
    case for case in NORM_MODULES if case[2].get("track_running_stats", "Batch" in case[0])])
def test_running_statistics_equal_torchs_after_several_steps(name, args, kwargs, shape):
    layer = _randomised(name, args, kwargs, 3)
    twin = getattr(torch.nn, name)(*args, **kwargs)
    copy_state_to_torch(layer, twin)
    for step in range(5):
        (x,) = arrays(10 + step, shape)
        layer(gg.tensor(x * (step + 1) + step))       # shifting statistics, so the average moves
        twin(torch.tensor(x * (step + 1) + step))
    t_buffers = dict(twin.named_buffers())
    for key, value in layer.named_buffers():
        assert_close(value._data, t_buffers[key].numpy(), f"buffer {key}")
    assert layer.running_var.dtype == np.float32
    assert layer.num_batches_tracked.dtype == np.int64
    expected_batches = 5 if name.startswith("Batch") else 0     # torch's instance norm never counts
    assert int(layer.num_batches_tracked.item()) == expected_batches
    layer.eval()
    twin.eval()
    (x,) = arrays(20, shape)
    assert_close(layer(gg.tensor(x)).detach().numpy(), twin(torch.tensor(x)).detach().numpy(),
                 "eval output with the running statistics")


@pytest.mark.parametrize("name, args, kwargs, shape", NORM_MODULES[:1] + NORM_MODULES[3:4]
                         + NORM_MODULES[7:8] + NORM_MODULES[9:10] + NORM_MODULES[12:13])
def test_norm_modules_state_dict_round_trip(name, args, kwargs, shape):
    def make(seed):
        layer = _randomised(name, args, kwargs, seed)
        layer.train()
        with gg.no_grad():
            for step in range(seed + 1):                   # running statistics differ too
                layer(gg.tensor(arrays(30 + seed + step, shape)[0]))
        return layer
    check_state_dict_round_trip(make, arrays(40, shape))


def test_batch_norm_default_parameters_and_buffers():
    layer = gg.nn.BatchNorm2d(4)
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    assert [name for name, _ in layer.named_buffers()] == ["running_mean", "running_var",
                                                           "num_batches_tracked"]
    np.testing.assert_array_equal(layer.weight._data, np.ones(4, np.float32))
    np.testing.assert_array_equal(layer.bias._data, np.zeros(4, np.float32))
    np.testing.assert_array_equal(layer.running_var._data, np.ones(4, np.float32))
    assert not layer.running_mean.requires_grad
    layer(gg.randn(3, 4, 2, 2))
    layer.reset_running_stats()
    np.testing.assert_array_equal(layer.running_mean._data, np.zeros(4, np.float32))
    assert int(layer.num_batches_tracked.item()) == 0


def test_batch_norm_eval_without_running_stats_uses_the_batch():
    layer = gg.nn.BatchNorm1d(3, track_running_stats=False).eval()
    twin = torch.nn.BatchNorm1d(3, track_running_stats=False).eval()
    check_module(layer, twin, arrays(50, (6, 3)), modes=("eval",))


@pytest.mark.parametrize("layer, shape, message", [
    (gg.nn.BatchNorm2d(16), (8, 1, 28, 28),
     r"^BatchNorm2d\(16\): expected input of shape \(N, 16, H, W\), got \(8, 1, 28, 28\)$"),
    (gg.nn.BatchNorm2d(16), (8, 16, 28),
     r"BatchNorm2d\(16\): expected input of shape \(N, 16, H, W\), got \(8, 16, 28\)"),
    (gg.nn.BatchNorm1d(3), (8, 4),
     r"BatchNorm1d\(3\): expected input of shape \(N, 3\) or \(N, 3, L\), got \(8, 4\)"),
    (gg.nn.InstanceNorm2d(3), (2, 4, 5, 5),
     (r"InstanceNorm2d\(3\): expected input of shape \(N, 3, H, W\) or \(3, H, W\), got "
      r"\(2, 4, 5, 5\)")),
    (gg.nn.InstanceNorm1d(3), (2, 3, 4, 5),
     r"InstanceNorm1d\(3\): expected input of shape \(N, 3, L\) or \(3, L\)"),
    (gg.nn.LayerNorm(4), (2, 5),
     r"LayerNorm\(\(4,\)\): expected input of shape \(\*, 4\), got \(2, 5\)"),
    (gg.nn.GroupNorm(2, 4), (2, 6, 3),
     r"GroupNorm\(2, 4\): expected input of shape \(N, 4, \*\), got \(2, 6, 3\)"),
])
def test_norm_module_errors_name_the_layer(layer, shape, message):
    with pytest.raises(RuntimeError, match=message):
        layer(gg.randn(*shape))


def test_group_norm_groups_must_divide_channels():
    with pytest.raises(ValueError, match=r"GroupNorm: num_channels=6 must be divisible by "
                                         r"num_groups=4"):
        gg.nn.GroupNorm(4, 6)
