"""Draw the computation graph of a tensor: `to_dot` writes Graphviz DOT text, `render` a picture.

The graph is the one backward walks: each op's node (`tensor.grad_fn`, drawn as `MulBackward`
and so on, with its output's shape) and its `inputs`, which are Tensors or constants. Edges
follow the computation, from each input to the op that used it and from the last op to the
output. Leaves that require a gradient (parameters) are blue, with their name when `params`
gives one; tensors that need no gradient (the data) are grey; the output is green. Non-tensor
arguments (axes, shapes, Python numbers) are the op's parameters and are not drawn.

    dot = to_dot(loss, params=dict(model.named_parameters()))
    render(loss, "graph.svg", params=dict(model.named_parameters()))   # needs Graphviz's `dot`

A graph whose backward already ran without `retain_graph` has freed its nodes' inputs; those
nodes are drawn with "(freed)" and nothing above them. Draw before calling backward.
"""
import os
import shutil
import subprocess

from ..tensor import Tensor

FORMATS = ("svg", "png", "pdf")

_STYLE = {
    "op": 'shape=box, style="rounded,filled", fillcolor="white"',
    "param": 'shape=box, style=filled, fillcolor="lightblue"',
    "constant": 'shape=box, style=filled, fillcolor="lightgrey"',
    "output": 'shape=box, style=filled, fillcolor="darkolivegreen1"',
}


def to_dot(tensor, params=None, show_shapes=True):
    """The computation graph that produced `tensor` (or a list of tensors), as DOT text.

    Args:
        tensor: the output to draw from, usually a loss; a list or tuple draws several outputs.
        params: optional names for leaves, a dict name -> Tensor such as
            `dict(model.named_parameters())` (a Module, which has `named_parameters`, works too).
        show_shapes: write each tensor's shape in its box (an op's box shows its output's).
    Returns:
        The DOT source as a string; `render` turns it into a picture, or paste it into any
        Graphviz viewer.
    """
    outputs = list(tensor) if isinstance(tensor, (list, tuple)) else [tensor]
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"to_dot: expected a Tensor (or a list of Tensors) to draw, got "
                            f"{type(out).__name__} at position {i}")
    names = _leaf_names(params)
    ids = {}              # ("op" | "tensor" | "output", id) -> DOT node name, in order found
    lines = []
    edges = []

    def node_id(key, label, style):
        if key not in ids:
            ids[key] = f"n{len(ids)}"
            lines.append(f'    {ids[key]} [label="{_escape(label)}", {_STYLE[style]}];')
        return ids[key]

    def tensor_node(t):
        """The DOT node a tensor comes from: its op's node, or a box of its own for a leaf."""
        if t.grad_fn is not None:
            op = t.grad_fn
            return node_id(("op", id(op)), _op_label(op, t, show_shapes), "op"), op
        style = "param" if t.requires_grad else "constant"
        return node_id(("tensor", id(t)), _leaf_label(t, names.get(id(t)), show_shapes),
                       style), None

    # Depth-first walk with an explicit stack, so that a graph thousands of ops deep (an RNN
    # unrolled over time) does not hit Python's recursion limit.
    stack = []
    visited = set()
    for i, out in enumerate(outputs):
        label = "output" if len(outputs) == 1 else f"output {i}"
        out_id = node_id(("output", i), _leaf_label(out, label, show_shapes), "output")
        source, op = tensor_node(out)
        edges.append((source, out_id))
        if op is not None:
            stack.append(op)
    while stack:
        op = stack.pop()
        if id(op) in visited:
            continue
        visited.add(id(op))
        if op.inputs is None:
            continue              # freed by a backward without retain_graph
        for inp in op.inputs:
            if not isinstance(inp, Tensor):
                continue          # a constant parameter of the op (axis, shape, number)
            source, parent = tensor_node(inp)
            edges.append((source, ids[("op", id(op))]))
            if parent is not None and id(parent) not in visited:
                stack.append(parent)

    body = lines + [f"    {a} -> {b};" for a, b in edges]
    return "digraph glassgrad {\n    node [fontname=\"Helvetica\", fontsize=11];\n" \
        + "\n".join(body) + "\n}\n"


def render(tensor, path, format="svg", params=None, show_shapes=True, program="dot"):
    """Write the graph's DOT next to `path` and draw it there with Graphviz's `dot` program.

    `path` names the picture: "graph.svg" writes graph.dot and graph.svg (a path without the
    format's extension gets it appended). Returns the picture's path. Raises a RuntimeError
    naming the missing program when Graphviz is not installed; the DOT file is written anyway.
    """
    if format not in FORMATS:
        raise ValueError(f"render: format must be one of {', '.join(FORMATS)}, got {format!r}")
    path = os.fspath(path)
    if not path.endswith("." + format):
        path = f"{path}.{format}"
    dot_path = path[: -len(format) - 1] + ".dot"
    with open(dot_path, "w", encoding="utf-8") as f:
        f.write(to_dot(tensor, params=params, show_shapes=show_shapes))
    executable = shutil.which(program)
    if executable is None:
        raise RuntimeError(f"render: the Graphviz program {program!r} was not found on PATH, so "
                           f"{path} could not be drawn (the DOT text is in {dot_path}). Install "
                           "Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew "
                           "install graphviz) or paste the DOT into any Graphviz viewer.")
    result = subprocess.run([executable, f"-T{format}", dot_path, "-o", path],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"render: {program} -T{format} {dot_path} failed with exit status "
                           f"{result.returncode}: {result.stderr.strip()}")
    return path


def _leaf_names(params):
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        params = dict(params.named_parameters())
    if not hasattr(params, "items"):
        raise TypeError(f"to_dot: params must be a dict name -> Tensor (for example "
                        f"dict(model.named_parameters())), got {type(params).__name__}")
    return {id(t): name for name, t in params.items()}


def _shape(t):
    return str(tuple(t.shape))


def _op_label(op, out, show_shapes):
    label = op.name()
    if op.inputs is None:
        label += "\n(freed)"
    return f"{label}\n{_shape(out)}" if show_shapes else label


def _leaf_label(t, name, show_shapes):
    if name is None:
        return _shape(t) if show_shapes else ("leaf" if t.requires_grad else "constant")
    return f"{name}\n{_shape(t)}" if show_shapes else name


def _escape(text):
    # DOT strings: backslash and double quote are escaped; a newline becomes DOT's centred \n.
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
