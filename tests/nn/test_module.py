"""Module system: registration, traversal, modes, state dicts, hooks, containers, repr."""
import collections
import copy

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.scale = nn.Parameter(gg.ones(4))
        self.register_buffer("count", gg.zeros(1))
        self.register_buffer("scratch", gg.zeros(2), persistent=False)

    def forward(self, x):
        return self.fc(x) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(4, 2))

    def forward(self, x):
        return self.head(self.block(x))


# --- registration ------------------------------------------------------------------------------
def test_setattr_registers_parameters_buffers_and_children():
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "block.scale", "block.fc.weight", "block.fc.bias", "head.1.weight", "head.1.bias"]
    assert [n for n, _ in net.named_buffers()] == ["block.count", "block.scratch"]
    assert [n for n, _ in net.named_children()] == ["block", "head"]
    assert [n for n, _ in net.named_modules()] == [
        "", "block", "block.fc", "head", "head.0", "head.1"]
    assert len(list(net.parameters())) == 5 and len(list(net.buffers())) == 2
    assert len(list(net.children())) == 2 and len(list(net.modules())) == 6
    assert list(net.block.parameters(recurse=False)) == [net.block.scale]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())


def test_parameter_is_a_leaf_tensor():
    p = nn.Parameter(gg.randn(2, 3))
    assert isinstance(p, gg.Tensor) and p.is_leaf and p.requires_grad
    assert not nn.Parameter(gg.randn(2), requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:\ntensor(")
    x = gg.randn(2, 3, requires_grad=True) * 2            # the graph is left behind
    assert nn.Parameter(x).is_leaf


def test_misspelt_attribute_raises_attribute_error():
    net = Net()
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'blok'"):
        net.blok
    with pytest.raises(AttributeError, match="has no attribute 'wieght'"):
        net.block.fc.wieght


def test_reassign_and_delete():
    block = Block()
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'scale'"):
        block.scale = gg.ones(4)
    block.scale = None                                    # an optional parameter switched off
    assert "scale" not in dict(block.named_parameters())
    block.count = gg.ones(1)                              # a buffer stays a buffer
    assert "count" in dict(block.named_buffers())
    with pytest.raises(TypeError, match="as buffer 'count'"):
        block.count = 3.0
    block.fc = nn.Identity()                              # a child replaced
    assert isinstance(block.fc, nn.Identity) and "fc.weight" not in block.state_dict()
    del block.fc
    with pytest.raises(AttributeError):
        block.fc
    block.plain = 5                                       # ordinary attributes still work
    assert block.plain == 5 and "plain" in dir(block) and "count" in dir(block)


def test_assigning_before_init_and_bad_names():
    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(gg.ones(1))
            super().__init__()

    with pytest.raises(AttributeError, match=r"before Module.__init__\(\) call"):
        Early()
    m = nn.Module()
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("a.b", gg.zeros(1))
    with pytest.raises(KeyError, match="already exists"):
        m.register_parameter("training", nn.Parameter(gg.zeros(1)))
    with pytest.raises(TypeError, match="glassgrad.Tensor or None required"):
        m.register_buffer("x", np.zeros(1))
    with pytest.raises(TypeError, match="Parameter or None required"):
        m.register_parameter("x", gg.zeros(1))
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("x", 3)
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        m(gg.zeros(1))


def test_shared_parameters_listed_once():
    a = nn.Linear(3, 3)
    seq = nn.Sequential(a, nn.ReLU(), a)
    assert len(list(seq.parameters())) == 2
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4


def test_get_submodule():
    net = Net()
    assert net.get_submodule("head.1") is net.head[1]
    assert net.get_submodule("") is net
    with pytest.raises(AttributeError, match="no submodule 'x'"):
        net.get_submodule("head.x")


# --- modes, gradients, apply, dtype ------------------------------------------------------------
def test_train_eval_recursive():
    net = Net()
    assert net.training and net.head[0].training
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="bool"):
        net.train("no")


def test_requires_grad_freezes_and_zero_grad():
    net = Net()
    net.block.requires_grad_(False)                       # transfer learning: freeze a part
    net(gg.randn(5, 3)).sum().backward()
    assert all(p.grad is None for p in net.block.parameters())
    assert all(p.grad is not None for p in net.head.parameters())
    net.zero_grad(set_to_none=False)
    assert all(not p.grad._data.any() for p in net.head.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_apply_visits_children_first():
    net, seen = Net(), []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "Block", "ReLU", "Linear", "Sequential", "Net"]

    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)
    net.apply(init_weights)
    assert not net.block.fc.weight._data.any() and not net.head[1].weight._data.any()


def test_to_double_and_back():
    net = Net().double()
    assert all(t.dtype == np.float64 for t in net.state_dict().values())
    out = net(gg.randn(2, 3, dtype=gg.float64))
    assert out.dtype == np.float64
    net.float()
    assert all(t.dtype == np.float32 for t in net.state_dict().values())
    with pytest.raises(RuntimeError, match=r"Net.to: device 'cuda' is not available: glassgrad "
                                           r"runs on the CPU only \(numpy\); use 'cpu'"):
        net.to("cuda")


def _dtypes(net):
    return {str(t.dtype) for t in net.state_dict().values()}


def test_to_takes_torch_forms_read_as_tensor_to_reads_them():
    net = Net()
    assert net.to("cpu") is net and net.to(gg.device("cpu", 0)) is net and net.cpu() is net
    assert _dtypes(net.to("cpu", gg.float64)) == {"float64"}
    assert _dtypes(net.to(gg.zeros(1))) == {"float32"}            # to(tensor): its dtype
    assert _dtypes(net.to(device="cpu", dtype=gg.float64)) == {"float64"}
    assert _dtypes(net.to(gg.float32, non_blocking=True)) == {"float32"}
    assert _dtypes(net.half()) == {"float16"}
    net.float()
    for spec in ("mps", "cuda:0"):
        with pytest.raises(RuntimeError, match=f"Net.to: device '{spec}' is not available"):
            net.to(spec, gg.float64)
    with pytest.raises(RuntimeError, match=r"Net.cuda: device 'cuda' is not available"):
        net.cuda()
    with pytest.raises(TypeError, match=r"Net.to only accepts floating point dtypes, got int64"):
        net.to(gg.ones(1, dtype=gg.int64))
    with pytest.raises(TypeError, match=r"Net.to: expected a dtype"):
        net.to(1.5)
    assert _dtypes(net) == {"float32"}                           # refused calls changed nothing


def test_deepcopy_gives_independent_parameters():
    net = Net()
    twin = copy.deepcopy(net)
    assert isinstance(twin.block.fc.weight, nn.Parameter)
    twin.block.fc.weight._data[...] = 0
    assert net.block.fc.weight._data.any()


# --- state dicts -------------------------------------------------------------------------------
def test_state_dict_keys_values_and_round_trip():
    net = Net()
    state = net.state_dict()
    assert isinstance(state, collections.OrderedDict)
    assert list(state) == ["block.scale", "block.count", "block.fc.weight", "block.fc.bias",
                           "head.1.weight", "head.1.bias"]        # no non-persistent buffer
    assert all(type(v) is gg.Tensor and not v.requires_grad for v in state.values())
    other = Net()
    result = other.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    x = gg.randn(4, 3)
    np.testing.assert_array_equal(other(x)._data, net(x)._data)
    # loading copies: changing the source afterwards leaves the target alone
    net.block.fc.weight._data += 1
    assert not np.array_equal(other.block.fc.weight._data, net.block.fc.weight._data)


def test_load_state_dict_copies_in_place_and_keeps_dtype():
    net = Net()
    weight = net.block.fc.weight
    state = {k: gg.tensor(v._data.astype(np.float64)) for k, v in Net().state_dict().items()}
    net.load_state_dict(state)
    assert net.block.fc.weight is weight and weight.dtype == np.float32
    np.testing.assert_allclose(weight._data, state["block.fc.weight"]._data, rtol=1e-6)


def test_load_state_dict_errors_list_missing_unexpected_and_shapes():
    net = Net()
    state = net.state_dict()
    del state["head.1.bias"]
    state["head.2.weight"] = gg.zeros(1)
    state["block.fc.weight"] = gg.zeros(4, 5)
    before = net.block.scale._data.copy()
    state["block.scale"] = gg.full((4,), 7.0)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(state)
    message = str(info.value)
    assert "Error(s) in loading state_dict for Net" in message
    assert 'Missing key(s) in state_dict: "head.1.bias"' in message
    assert 'Unexpected key(s) in state_dict: "head.2.weight"' in message
    assert ("size mismatch for block.fc.weight: copying a param with shape (4, 5) from "
            "checkpoint, the shape in current model is (4, 3)") in message
    np.testing.assert_array_equal(net.block.scale._data, before)   # nothing copied on failure


def test_load_state_dict_non_strict_returns_named_tuple():
    net = Net()
    state = net.state_dict()
    del state["head.1.bias"]
    state["extra"] = gg.zeros(1)
    missing, unexpected = net.load_state_dict(state, strict=False)
    assert missing == ["head.1.bias"] and unexpected == ["extra"]
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["head.1.bias"] and result.unexpected_keys == ["extra"]
    state["block.fc.weight"] = gg.zeros(1, 1)
    with pytest.raises(RuntimeError, match="size mismatch for block.fc.weight"):
        net.load_state_dict(state, strict=False)       # shapes are checked even when not strict


def test_state_dict_keys_equal_torchs():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Embedding(5, 2),
                         nn.Sequential(nn.Linear(2, 2, bias=False)))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Embedding(5, 2),
                                 torch.nn.Sequential(torch.nn.Linear(2, 2, bias=False)))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    # torch's state dict loads into glassgrad (tensors converted to numpy arrays)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    np.testing.assert_array_equal(ours[0].weight._data, theirs[0].weight.detach().numpy())


# --- hooks -------------------------------------------------------------------------------------
def test_forward_hooks_collect_and_modify():
    net = Net()
    activations = []
    handle = net.block.register_forward_hook(
        lambda module, args, output: activations.append(output.detach()))
    x = gg.randn(2, 3)
    net(x)
    assert len(activations) == 1 and activations[0].shape == (2, 4)
    handle.remove()
    net(x)
    assert len(activations) == 1
    # a pre-hook may replace the input, a post-hook the output
    with net.register_forward_pre_hook(lambda module, args: (args[0] * 0,)):
        with net.register_forward_hook(lambda module, args, output: output + 1):
            out = net(x)
    np.testing.assert_allclose(out._data, net(gg.zeros(2, 3))._data + 1, rtol=1e-6)
    np.testing.assert_allclose(net(x)._data, Net.forward(net, x)._data)   # handles removed


def test_hook_order_prepend_and_kwargs():
    lin, calls = nn.Linear(2, 2), []
    lin.register_forward_hook(lambda m, a, o: calls.append("second"))
    lin.register_forward_hook(lambda m, a, o: calls.append("first"), prepend=True)
    lin.register_forward_pre_hook(
        lambda m, args, kwargs: (args, kwargs) if calls.append("pre") is None else None,
        with_kwargs=True)
    lin(gg.zeros(1, 2))
    assert calls == ["pre", "first", "second"]


# --- containers --------------------------------------------------------------------------------
def test_sequential_indexing_slicing_and_editing():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear) and seq[1] is list(seq)[1]
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is seq[0]
    assert head(gg.randn(4, 2)).shape == (4, 3)
    seq.append(nn.Sigmoid())
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert isinstance(seq.pop(), nn.Sigmoid) and len(seq) == 3
    seq.insert(1, nn.Tanh())
    assert [type(m).__name__ for m in seq] == ["Linear", "Tanh", "ReLU", "Linear"]
    del seq[1]
    assert list(seq._modules) == ["0", "1", "2"]
    seq[1] = nn.GELU()
    assert isinstance(seq[1], nn.GELU)
    with pytest.raises(IndexError, match="index 7 is out of range for 3 modules"):
        seq[7]
    named = nn.Sequential(collections.OrderedDict([("enc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert list(named.state_dict()) == ["enc.weight", "enc.bias"] and named.act is named[1]


def test_module_list_and_dict_register_children():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    layers.append(nn.Linear(2, 1))
    layers += [nn.ReLU()]
    assert len(layers) == 5 and isinstance(layers[-1], nn.ReLU)
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    del layers[0]
    assert list(layers._modules) == ["0", "1", "2", "3"]
    heads = nn.ModuleDict({"cls": nn.Linear(4, 3), "reg": nn.Linear(4, 1)})
    assert list(heads) == ["cls", "reg"] and "cls" in heads and len(heads) == 2
    assert list(heads.state_dict()) == ["cls.weight", "cls.bias", "reg.weight", "reg.bias"]
    assert isinstance(heads.pop("reg"), nn.Linear) and list(heads.keys()) == ["cls"]
    with pytest.raises(KeyError, match="no key 'box'"):
        heads["box"]


# --- repr --------------------------------------------------------------------------------------
def test_repr_tree_matches_torch_format():
    net = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Dropout(0.2)),
                        nn.Linear(3, 1, bias=False))
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): Sequential(\n"
        "    (0): ReLU()\n"
        "    (1): Dropout(p=0.2, inplace=False)\n"
        "  )\n"
        "  (2): Linear(in_features=3, out_features=1, bias=False)\n"
        ")")
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3),
                                 torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Dropout(0.2)),
                                 torch.nn.Linear(3, 1, bias=False))
    assert repr(net) == repr(theirs)
