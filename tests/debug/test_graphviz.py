"""to_dot / render: the DOT text of a known graph, names from params, and drawing with `dot`."""
import re
import shutil

import pytest

import glassgrad as gg
from glassgrad.debug import render, to_dot


def _nodes(dot):
    """{node name: label} from the DOT text."""
    return dict(re.findall(r'^\s*(n\d+) \[label="([^"]*)"', dot, flags=re.M))


def _edges(dot):
    return re.findall(r"^\s*(n\d+) -> (n\d+);", dot, flags=re.M)


def _known_graph():
    a = gg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = gg.tensor([4.0, 5.0, 6.0], requires_grad=True)
    return a, b, (a * b + a).sum()


def test_known_graph_has_its_nodes_and_edges():
    a, b, y = _known_graph()
    dot = to_dot(y, params={"a": a, "b": b})
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    nodes, edges = _nodes(dot), _edges(dot)
    labels = sorted(nodes.values())
    # three ops, two named leaves and the output
    assert labels == sorted(["SumBackward0\\n()", "AddBackward0\\n(3,)", "MulBackward0\\n(3,)",
                             "a\\n(3,)", "b\\n(3,)", "output\\n()"])
    by_label = {label.split("\\n")[0]: name for name, label in nodes.items()}
    expected = {("a", "MulBackward0"), ("b", "MulBackward0"), ("MulBackward0", "AddBackward0"),
                ("a", "AddBackward0"), ("AddBackward0", "SumBackward0"), ("SumBackward0", "output")}
    assert sorted(edges) == sorted((by_label[s], by_label[t]) for s, t in expected)


def test_tensor_used_twice_gets_one_node_and_two_edges():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    dot = to_dot((x * x).sum(), params={"x": x}, show_shapes=False)
    nodes = _nodes(dot)
    assert list(nodes.values()).count("x") == 1
    x_node = next(n for n, label in nodes.items() if label == "x")
    assert [s for s, _ in _edges(dot)].count(x_node) == 2


def test_leaves_without_names_show_shapes_and_constants_are_grey():
    w = gg.randn(3, 2, requires_grad=True)
    x = gg.randn(4, 3)                      # data: no gradient
    dot = to_dot((x @ w).sum())
    labels = _nodes(dot).values()
    assert "(3, 2)" in labels and "(4, 3)" in labels
    assert re.search(r'label="\(4, 3\)".*lightgrey', dot)
    assert re.search(r'label="\(3, 2\)".*lightblue', dot)
    assert "MatMulBackward0\\n(4, 2)" in labels


def test_python_constants_are_not_drawn():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    dot = to_dot((x * 3.0 + 1.0).mean())
    assert len(_nodes(dot)) == 5           # x, Mul, Add, Mean, output
    assert len(_edges(dot)) == 4


def test_names_from_a_module_like_object():
    class Tiny:
        def __init__(self):
            self.weight = gg.randn(2, 2, requires_grad=True)

        def named_parameters(self):
            yield "weight", self.weight

    m = Tiny()
    dot = to_dot(m.weight.sum(), params=m)
    assert "weight\\n(2, 2)" in _nodes(dot).values()


def test_second_order_graph_is_drawn():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = gg.autograd.grad((x ** 3).sum(), x, create_graph=True)
    dot = to_dot(g, params={"x": x})
    labels = list(_nodes(dot).values())
    # the gradient 3x² is itself a graph of ops on x, which is how second derivatives work
    assert "x\\n(2,)" in labels and "output\\n(2,)" in labels
    assert sum(label.endswith("Backward0\\n(2,)") for label in labels) >= 1
    x_node = next(n for n, label in _nodes(dot).items() if label == "x\\n(2,)")
    assert any(source == x_node for source, _ in _edges(dot))


def test_deep_graph_needs_no_recursion():
    x = gg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 1.0
    dot = to_dot(y)
    assert len(_nodes(dot)) == 3002 and len(_edges(dot)) == 3001


def test_freed_graph_is_marked():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    assert "(freed)" in to_dot(y)


def test_leaf_output_and_several_outputs():
    x = gg.tensor([1.0], requires_grad=True)
    assert len(_edges(to_dot(x))) == 1
    dot = to_dot([x * 2.0, x + 1.0], params={"x": x})
    labels = _nodes(dot).values()
    assert "output 0\\n(1,)" in labels and "output 1\\n(1,)" in labels
    assert list(labels).count("x\\n(1,)") == 1


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match=r"to_dot: expected a Tensor.*got list"):
        to_dot([[1.0]])
    x = gg.tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"params must be a dict name -> Tensor.*got list"):
        to_dot(x * 2.0, params=[x])
    with pytest.raises(ValueError, match=r"render: format must be one of svg, png, pdf, got 'gif'"):
        render(x * 2.0, "graph", format="gif")


def test_render_without_dot_names_the_program(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "")
    x = gg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Graphviz program 'dot' was not found"):
        render(x * 2.0, tmp_path / "graph.svg")
    assert (tmp_path / "graph.dot").read_text().startswith("digraph")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
@pytest.mark.parametrize("fmt, magic", [("svg", b"<svg"), ("png", b"\x89PNG")])
def test_render_draws_a_picture(tmp_path, fmt, magic):
    a, b, y = _known_graph()
    out = render(y, tmp_path / "graph", format=fmt, params={"a": a, "b": b})
    assert out == str(tmp_path / f"graph.{fmt}")
    data = (tmp_path / f"graph.{fmt}").read_bytes()
    assert magic in data[:400]
    if fmt == "svg":
        assert b"MulBackward0" in data


def test_names_from_an_nn_module():
    nn = pytest.importorskip("glassgrad.nn")
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
    loss = model(gg.randn(3, 2)).sum()
    for params in (model, dict(model.named_parameters())):
        labels = list(_nodes(to_dot(loss, params=params)).values())
        for expected in ("0.weight\\n(4, 2)", "0.bias\\n(4,)", "2.weight\\n(1, 4)",
                         "2.bias\\n(1,)"):
            assert expected in labels
        assert sum(label.startswith("LinearBackward") for label in labels) == 2
