"""Devices (glassgrad/devices.py, accelerator.py, cuda.py, backends/): torch's device
specifications are read as torch reads them, the CPU is the only device, and every other one is
an error naming it; every creation function and Tensor.to accept device= in torch's forms."""
import inspect

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import creation

torch = pytest.importorskip("torch")

NOT_CPU = r"device '{}' is not available: glassgrad runs on the CPU only \(numpy\); use 'cpu'"


# --- glassgrad.device ----------------------------------------------------------------------------
@pytest.mark.parametrize("args", [("cpu",), ("cpu:0",), ("cpu", 0), ("cpu", 3), ("cpu:12",)])
def test_device_reads_specifications_as_torch(args):
    ours, theirs = gg.device(*args), torch.device(*args)
    assert (ours.type, ours.index) == (theirs.type, theirs.index)
    assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
    assert gg.device(ours) == ours and repr(gg.device(ours)) == repr(theirs)


def test_device_equality_and_hashing_follow_torch():
    cpu, cpu0 = gg.device("cpu"), gg.device("cpu", 0)
    assert cpu == gg.device("cpu") and cpu0 == gg.device("cpu:0")
    assert (cpu == cpu0) == (torch.device("cpu") == torch.device("cpu", 0)) is False
    assert (cpu == "cpu") == (torch.device("cpu") == "cpu") is False   # not equal to its string
    assert cpu != "cpu" and {cpu: 1}[gg.device("cpu")] == 1 and len({cpu, cpu0}) == 2
    with pytest.raises(AttributeError):
        cpu.type = "cuda"                       # read-only, as torch's


@pytest.mark.parametrize("spec", ["cuda", "mps", "cuda:0", "cuda:1", "xpu", "meta"])
def test_any_other_device_is_an_error_naming_it(spec):
    with pytest.raises(RuntimeError, match="device: " + NOT_CPU.format(spec)):
        gg.device(spec)
    torch.device(spec)                          # a valid torch device: refused as unavailable


def test_device_errors_name_what_was_wrong():
    with pytest.raises(RuntimeError, match=r"device: device '0' is not available: glassgrad "
                                           r"runs on the CPU only"):
        gg.device(0)                            # an int is an accelerator's index in torch
    with pytest.raises(RuntimeError, match=r"device: invalid device string 'foo'; glassgrad "
                                           r"runs on the CPU only: use 'cpu'"):
        gg.device("foo")
    for bad in ("cpu:x", "cpu:-1", "cpu:"):
        with pytest.raises(RuntimeError, match=f"device: invalid device string '{bad}'"):
            gg.device(bad)
        with pytest.raises(RuntimeError):
            torch.device(bad)
    with pytest.raises(RuntimeError, match=r"type \(string\) must not include an index because "
                                           r"index was passed explicitly: cpu:0"):
        gg.device("cpu:0", 1)
    with pytest.raises(RuntimeError, match=r"device: the index must be a non-negative int, got "
                                           r"-1"):
        gg.device("cpu", -1)
    with pytest.raises(TypeError, match=r"device: expected a device \('cpu', 'cpu:0' or "
                                        r"glassgrad.device\), got float 1.5"):
        gg.device(1.5)


def test_a_tensor_lives_on_the_cpu():
    x = gg.ones(2)
    assert x.device == gg.device("cpu") and str(x.device) == str(torch.ones(2).device)
    assert x.is_cpu and not x.is_cuda and x.cpu() is x
    with pytest.raises(RuntimeError, match="Tensor.cuda: " + NOT_CPU.format("cuda")):
        x.cuda()
    with pytest.raises(RuntimeError, match="Tensor.cuda: " + NOT_CPU.format("cuda:1")):
        x.cuda("cuda:1")


# --- accelerator, cuda, backends -----------------------------------------------------------------
def test_there_is_no_accelerator_and_no_gpu():
    assert gg.accelerator.is_available() is False
    assert gg.accelerator.current_accelerator() is None and gg.accelerator.device_count() == 0
    assert gg.cuda.is_available() is False and gg.cuda.device_count() == 0
    assert gg.backends.mps.is_available() is False and gg.backends.mps.is_built() is False
    assert gg.backends.cudnn.is_available() is False


def test_the_course_idioms_pick_the_cpu():
    device = "cuda" if gg.cuda.is_available() else "cpu"
    device = gg.device(device)
    x = gg.randn(3, device=device).to(device)
    assert x.device == device
    agnostic = gg.accelerator.current_accelerator() or gg.device("cpu")
    assert gg.zeros(2, device=agnostic).to(agnostic).device.type == "cpu"
    mps = "mps" if gg.backends.mps.is_available() else "cpu"
    assert gg.ones(1).to(mps).device == gg.device("cpu")


def test_seeding_helpers_for_cuda_change_nothing():
    gg.manual_seed(5)
    state = gg.get_rng_state()
    gg.cuda.manual_seed(1)
    gg.cuda.manual_seed_all(1)
    gg.backends.cudnn.deterministic, gg.backends.cudnn.benchmark = True, False
    assert gg.get_rng_state() == state          # glassgrad's one generator is untouched
    gg.backends.cudnn.deterministic = False


# --- device= in every creation function ----------------------------------------------------------
CREATION = {
    "tensor": lambda d: gg.tensor([1.0, 2.0], device=d),
    "as_tensor": lambda d: gg.as_tensor([1.0], device=d),
    "zeros": lambda d: gg.zeros(2, 3, device=d),
    "ones": lambda d: gg.ones((2,), device=d),
    "empty": lambda d: gg.empty(2, device=d),
    "full": lambda d: gg.full((2,), 1.5, device=d),
    "zeros_like": lambda d: gg.zeros_like(gg.ones(2), device=d),
    "ones_like": lambda d: gg.ones_like(gg.ones(2), device=d),
    "full_like": lambda d: gg.full_like(gg.ones(2), 3.0, device=d),
    "empty_like": lambda d: gg.empty_like(gg.ones(2), device=d),
    "arange": lambda d: gg.arange(5, device=d),
    "linspace": lambda d: gg.linspace(0, 1, 5, device=d),
    "eye": lambda d: gg.eye(3, device=d),
    "rand": lambda d: gg.rand(2, device=d),
    "randn": lambda d: gg.randn(2, device=d),
    "randint": lambda d: gg.randint(0, 5, (3,), device=d),
    "randperm": lambda d: gg.randperm(4, device=d),
    "rand_like": lambda d: gg.rand_like(gg.ones(2), device=d),
    "randn_like": lambda d: gg.randn_like(gg.ones(2), device=d),
    "randint_like": lambda d: gg.randint_like(gg.ones(2), 5, device=d),
}


@pytest.mark.parametrize("name", sorted(CREATION))
def test_creation_functions_take_device(name):
    for device in (None, "cpu", "cpu:0", gg.device("cpu"), gg.device("cpu", 0)):
        t = CREATION[name](device)
        assert isinstance(t, gg.Tensor) and t.device == gg.device("cpu")
    for spec in ("cuda", "mps", "cuda:0"):
        with pytest.raises(RuntimeError, match=f"{name}: " + NOT_CPU.format(spec)):
            CREATION[name](spec)


def test_every_creation_function_takes_device():
    """A creation function added later without device= (or without a line above) fails here."""
    public = {name for name, f in vars(creation).items() if inspect.isfunction(f)
              and f.__module__ == creation.__name__ and not name.startswith("_")}
    no_device = {"from_numpy": "torch.from_numpy has none", "bernoulli": "nor torch.bernoulli",
                 "new": "Tensor.new_* pass theirs through"}
    assert public - set(no_device) == set(CREATION)
    for name in CREATION:
        assert "device" in inspect.signature(getattr(creation, name)).parameters, name


def test_new_methods_pass_device_and_dtype_through():
    x = gg.ones(2, dtype=gg.float64)
    assert x.new_zeros(3, device="cpu").dtype == np.float64
    assert x.new_full((2,), 1, dtype=gg.int64, device=gg.device("cpu")).dtype == np.int64
    with pytest.raises(RuntimeError, match="zeros: " + NOT_CPU.format("cuda")):
        x.new_zeros(3, device="cuda")


# --- Tensor.to in all of torch's forms -----------------------------------------------------------
def test_to_in_every_form_of_torch():
    x = gg.tensor([1.5, -2.0])
    xt = torch.tensor([1.5, -2.0])
    other, other_t = gg.zeros(1, dtype=gg.float64), torch.zeros(1, dtype=torch.float64)
    cpu = gg.device("cpu")
    same = [x.to("cpu"), x.to(cpu), x.to("cpu:0"), x.to(gg.float32), x.to(device="cpu"),
            x.to("cpu", non_blocking=True), x.to(cpu, gg.float32), x.to(gg.zeros(1))]
    assert all(y is x for y in same)            # nothing to change: the tensor itself, as torch
    forms = [
        (x.to(gg.float64), xt.to(torch.float64)),
        (x.to("cpu", gg.float64), xt.to("cpu", torch.float64)),
        (x.to(cpu, dtype=gg.int64), xt.to(torch.device("cpu"), dtype=torch.int64)),
        (x.to(other), xt.to(other_t)),
        (x.to(dtype=gg.float64, device="cpu"), xt.to(dtype=torch.float64, device="cpu")),
        (x.to(gg.float64, False, True), xt.to(torch.float64, False, True)),
        (x.to(float), xt.to(float)), (x.to(int), xt.to(int)),
    ]
    for ours, theirs in forms:
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        assert ours.tolist() == theirs.tolist()
    copied = x.to("cpu", copy=True)
    assert copied is not x and not np.shares_memory(copied._data, x._data)
    assert x.to(gg.float64, copy=True).dtype == np.float64


def test_to_is_differentiable():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    (x.to("cpu", gg.float64) * 3.0).sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [3.0, 3.0]
    y = x.to("cpu", copy=True)
    (y * y).sum().backward()                    # a copy stays in the graph
    assert x.grad.tolist() == [5.0, 7.0]


@pytest.mark.parametrize("spec", ["cuda", "mps", "cuda:0"])
def test_to_another_device_is_an_error(spec):
    x = gg.ones(2)
    for call in (lambda: x.to(spec), lambda: x.to(device=spec), lambda: x.to(spec, gg.float64)):
        with pytest.raises(RuntimeError, match="Tensor.to: " + NOT_CPU.format(spec)):
            call()


def test_to_errors_say_what_was_expected():
    x = gg.ones(2)
    with pytest.raises(RuntimeError, match=r"Tensor.to: device '0' is not available"):
        x.to(0)
    with pytest.raises(RuntimeError, match=r"Tensor.to: invalid device string 'float32'"):
        x.to("float32")                         # a string is a device, as in torch
    with pytest.raises(RuntimeError):
        torch.ones(2).to("float32")
    with pytest.raises(TypeError, match=r"Tensor.to: expected a dtype \(glassgrad.float32, "
                                        r"\.\.\.\), a device or a tensor, got float 1.5"):
        x.to(1.5)
    with pytest.raises(TypeError, match=r"Tensor.to: expected \(device, dtype, non_blocking, "
                                        r"copy\), \(dtype, \.\.\.\) or \(tensor, \.\.\.\), got "
                                        r"arguments \('cpu', dtype\('float64'\), 'x'\)"):
        x.to("cpu", gg.float64, "x")
