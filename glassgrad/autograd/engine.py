"""The backward pass: walk the graph from the outputs in reverse topological order, calling each
node's backward and accumulating gradients, iteratively (no recursion limit on deep graphs).

What the engine does so that ops don't have to (shared/DESIGN.md):
  - sum every gradient back to its input's shape (the only un-broadcasting in glassgrad);
  - accumulate gradients of a tensor used several times;
  - run each backward with grad mode = create_graph, so gradients can be differentiated again
    (and, without create_graph, the ops of a backward rule record nothing and cost little);
  - free each node's saved inputs afterwards unless retain_graph.

Read it in three parts: `run` (the order), `_Walk.walk` (one node after another) and
`_Walk.deliver` (what reaching a leaf means for `backward` and for `grad`).
"""
import heapq

import numpy as np

from . import function, grad_mode
from ..tensor import Tensor, plain_tensor


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """`Tensor.backward` (one tensor) and torch.autograd.backward (a sequence of them, with a
    gradient each): accumulate gradients into the leaves' `.grad`."""
    if isinstance(tensors, Tensor):
        tensors, grad_tensors = [tensors], [grad_tensors]
    else:
        tensors = list(tensors)
        grad_tensors = ([None] * len(tensors) if grad_tensors is None else
                        [grad_tensors] if isinstance(grad_tensors, Tensor) else list(grad_tensors))
    if inputs is None:
        run(tensors, grad_tensors, retain_graph, create_graph, None)
        return
    # Only the named inputs receive gradients (leaves or not), as in torch.
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    found = run(tensors, grad_tensors, retain_graph, create_graph, inputs)
    for t in inputs:
        g = found.get(id(t))
        if g is not None:
            g = g if create_graph else g.detach()
            t.grad = g if t.grad is None else t.grad + g


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Gradients of `outputs` with respect to `inputs`, returned (not accumulated into .grad).

    With `create_graph=True` the returned gradients are themselves differentiable.
    """
    single = isinstance(inputs, Tensor)
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad (shape "
                               f"{getattr(t, 'shape', None)}); call requires_grad_() on it or "
                               "leave it out of inputs")
    found = run(outputs, list(grad_outputs), retain_graph, create_graph, inputs)
    result = []
    for i, t in enumerate(inputs):
        g = found.get(id(t))
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) was not used in the graph of "
                               "the outputs; pass allow_unused=True to get None for it")
        result.append(g)
    return tuple(result)


def run(outputs, grad_outputs, retain_graph, create_graph, inputs):
    """The walk behind `backward` (inputs=None: accumulate into every leaf's .grad) and `grad`
    (return {id(input): gradient} for `inputs`, touching no .grad).

    Nodes run in decreasing `sequence_nr` (creation order, reversed), taken from a heap: a node
    is numbered after the nodes of its inputs, so by the time it runs, every node that used its
    output has already sent it a gradient (PyTorch's engine orders its ready queue the same way).
    """
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"backward: {len(grad_outputs)} gradients given for {len(outputs)} "
                           "outputs; pass one per output (None for a scalar output)")
    if retain_graph is None:
        retain_graph = create_graph
    walk = _Walk(inputs, create_graph)
    with grad_mode.set_grad_enabled(create_graph):
        for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
            g = _initial_gradient(out, g, i)
            walk.send(out, g, g)
        if inputs is not None:
            walk.prune()
        walk.walk()
        walk.finish_hooked_leaves()
    if not retain_graph:
        for node in walk.ran:
            node.release()
    return walk.found


class _Walk:
    """The state of one backward pass: the gradients waiting at each node, and where the
    leaves' gradients go."""

    def __init__(self, inputs, create_graph):
        self.create_graph = create_graph
        self.grads = {}         # node -> gradient of its output, summed over its uses so far
        self.heap = []          # (-sequence_nr, node) of the nodes with a gradient waiting
        self.ran = []
        self.hooked = {}        # id(leaf) -> [leaf, gradient so far] for leaves with hooks
        self.found = {}         # id(input) -> gradient, for grad() and backward(inputs=)
        self.targets = None if inputs is None else {id(t): t for t in inputs}
        self.useful = self.node_targets = None

    def prune(self):
        """For grad(): only nodes from which some target can be reached need to run."""
        self.useful = _nodes_leading_to(list(self.grads), self.targets)
        self.node_targets = {id(t.grad_fn): t for t in self.targets.values()
                             if t.grad_fn is not None}

    def send(self, tensor, g, incoming):
        """Add `g` to what `tensor` has received: at its node, or delivered if it is a leaf."""
        node = tensor.grad_fn
        if node is None:
            self.deliver(tensor, g, incoming)
        elif node in self.grads:
            self.grads[node] = self.grads[node] + g      # never in place: g may be shared
        elif self.useful is None or node in self.useful or id(node) in self.node_targets:
            self.grads[node] = g
            heapq.heappush(self.heap, (-node.sequence_nr, node))

    def walk(self):
        while self.heap:
            node = heapq.heappop(self.heap)[1]
            g = self.grads.pop(node)
            if node._out_hooks or node._retain_ref is not None:
                g = self._output_hooks(node, g)
            if self.node_targets is not None and id(node) in self.node_targets:
                self.found[id(self.node_targets[id(node)])] = g
                if node not in self.useful:
                    continue      # a non-leaf target: its gradient is all we need from here
            self.ran.append(node)
            if node.inputs is None:
                raise RuntimeError(function._freed_message(node))
            # Trailing inputs without a gradient (non-tensor parameters) may be left out;
            # zip stops at the shorter of the two.
            if node._out_version is not None and node._out_version.value > node.sequence_nr:
                raise RuntimeError(_modified_message(node, None))
            for inp, ig in zip(node.inputs, _input_gradients(node, g)):
                if not isinstance(inp, Tensor):
                    continue
                version = inp._version
                if type(version) is not int:
                    version = version.value
                if version > node.sequence_nr and node.reads_inputs:
                    raise RuntimeError(_modified_message(node, inp))
                if ig is None or not inp.requires_grad:
                    continue
                if not isinstance(ig, Tensor):
                    ig = Tensor(ig)
                if ig._data.shape != inp._data.shape:
                    ig = _reduce_to_input(node, ig, inp)
                self.send(inp, ig, g)

    def deliver(self, leaf, g, incoming, run_hooks=True):
        """Hand a leaf its gradient: collect it for grad(), or add it to .grad for backward().

        `incoming` is the gradient the current node received; a backward may pass it on
        unchanged to several inputs (Add does), so a leaf that would keep it gets its own copy.
        A leaf with hooks has its gradient summed in `hooked`, for the hooks to see once.
        """
        if leaf._hooks and run_hooks:
            entry = self.hooked.get(id(leaf))
            if entry is None:
                self.hooked[id(leaf)] = [leaf, g]
            else:
                entry[1] = entry[1] + g
            return
        if g.dtype != leaf.dtype and leaf.dtype.kind == "f":
            g = g.to(leaf.dtype)       # a float64 constant must not widen a float32 gradient
        if self.targets is not None:
            if id(leaf) in self.targets:
                found = self.found.get(id(leaf))
                self.found[id(leaf)] = g if found is None else found + g
            return
        current = leaf.grad
        if self.create_graph:
            # A copy, as torch makes: g may be the caller's own gradient tensor (or a view of
            # it), which a later backward accumulating into .grad in place must not change.
            leaf.grad = g.clone() if current is None else current + g
        elif current is None:
            array = g._data
            if g is incoming or array.base is not None or not array.flags.writeable:
                array = array.copy()    # never keep an array that something else holds or views
            leaf.grad = Tensor(array)
        elif current.grad_fn is None and current._data.flags.writeable:
            current._data += g._data    # accumulate in place, as torch does without create_graph
        else:
            leaf.grad = Tensor(current._data + g._data)

    def finish_hooked_leaves(self):
        """A leaf's hooks see its total gradient, once (as in torch), after the walk."""
        for leaf, g in self.hooked.values():
            g = _apply_hooks(leaf._hooks, g)
            self.deliver(leaf, g, g, run_hooks=False)   # a hook may return a tensor it keeps

    def _output_hooks(self, node, g):
        if node._out_hooks:
            g = _apply_hooks(node._out_hooks, g)
        if node._retain_ref is not None:
            tensor = node._retain_ref()
            if tensor is not None:
                tensor.grad = g if self.create_graph else Tensor(g._data.copy())
        return g


def _input_gradients(node, g):
    """One node's input gradients, as a tuple: its backward rule, or its numpy algorithm
    (`backward_array`, where an op has one) when no graph of the gradient is recorded."""
    state = grad_mode._state
    if state.debug_modes:
        return _watched_backward(node, g)
    if node.backward_array is not None and not state.enabled:
        input_grads = node.backward_array(node, g._data)
        if type(input_grads) is not tuple:
            input_grads = (input_grads,)
        input_grads = [None if x is None else plain_tensor(x) for x in input_grads]
    else:
        input_grads = node.backward(node, g)
        if type(input_grads) is not tuple:
            input_grads = (input_grads,)
    if len(input_grads) > len(node.inputs):
        raise RuntimeError(f"{type(node).__name__}.backward returned {len(input_grads)} "
                           f"gradients for {len(node.inputs)} inputs")
    return input_grads


def _watched_backward(node, g):
    """node's backward under the active debug modes (glassgrad.debug): they judge the gradients
    the node returns, not the ops its backward runs on the way."""
    state = grad_mode._state
    modes = state.debug_modes
    state.debug_modes = ()        # switched off inside: the ops a backward runs are not judged
    try:
        input_grads = _input_gradients(node, g)
    finally:
        state.debug_modes = modes
    for mode in modes:
        mode.on_backward(node, input_grads)
    return input_grads


def _modified_message(node, tensor):
    if tensor is None:          # the op's own output, which its backward reads
        return (f"one of the tensors needed for gradient computation has been modified by an "
                f"in-place operation: the output of op {type(node).__name__} (shape "
                f"{node._out_data.shape}) changed after the forward pass (through a detach() or "
                "a view of it), so its backward would read the new values. Change a copy "
                "(x.clone()) instead.")
    kind = "a leaf" if tensor.grad_fn is None else "an intermediate"
    return (f"one of the tensors needed for gradient computation has been modified by an "
            f"in-place operation: {kind} tensor of shape {tensor.shape} (requires_grad="
            f"{tensor.requires_grad}) changed after op {type(node).__name__} used it in the "
            "forward pass, so its backward would read the new values. Change it after "
            "backward() (e.g. optimizer.step() after loss.backward()), or give the forward a "
            "copy (x.clone()).")


def _initial_gradient(out, g, i):
    if not out.requires_grad:
        raise RuntimeError(f"element {i} of tensors does not require grad and does not have a "
                           f"grad_fn (shape {out.shape}): nothing to differentiate")
    if g is None:
        if out._data.size != 1:
            raise RuntimeError(f"grad can be implicitly created only for scalar outputs; this "
                               f"output has shape {out.shape}: pass gradient= (a tensor of that "
                               "shape) to backward()")
        return Tensor(np.ones(out.shape, dtype=out.dtype))
    if not isinstance(g, Tensor):
        g = Tensor(g)
    if g.shape != out.shape:
        raise RuntimeError(f"backward: gradient of shape {g.shape} does not match the output's "
                           f"shape {out.shape}")
    return g


def _reduce_to_input(node, ig, inp):
    """Sum a gradient over the axes its input was broadcast along (the only un-broadcasting)."""
    from ..ops._broadcast import SumToShape, summed_axes
    if summed_axes(ig.shape, inp.shape) is None:
        raise RuntimeError(f"{type(node).__name__}.backward returned a gradient of shape "
                           f"{ig.shape} for an input of shape {inp.shape}")
    return SumToShape.apply(ig, inp.shape)


def _apply_hooks(hooks, g):
    for hook in hooks:
        result = hook(g)
        if result is not None:
            g = result if isinstance(result, Tensor) else Tensor(result)
    return g


def _nodes_leading_to(roots, leaf_targets):
    """The nodes reachable from `roots` from which some target of grad() can be reached:
    the others need not run. An iterative depth-first search, children before parents."""
    useful, visited, stack = set(), set(), [(root, False) for root in roots]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            if node.inputs is None or any(
                    isinstance(inp, Tensor) and (id(inp) in leaf_targets or inp.grad_fn in useful)
                    for inp in node.inputs):
                useful.add(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for inp in node.inputs or ():
            if isinstance(inp, Tensor) and inp.grad_fn is not None and inp.grad_fn not in visited:
                stack.append((inp.grad_fn, False))
    return useful
