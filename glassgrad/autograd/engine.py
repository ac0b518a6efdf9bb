"""The backward pass: walk the graph from the outputs in reverse topological order, calling each
node's backward and accumulating gradients, iteratively (no recursion limit on deep graphs).

What the engine does so that ops don't have to (shared/DESIGN.md):
  - sum every gradient back to its input's shape (the only un-broadcasting in glassgrad);
  - accumulate gradients of a tensor used several times;
  - run each backward with grad mode = create_graph, so gradients can be differentiated again;
  - free each node's saved inputs afterwards unless retain_graph.
"""
import heapq

import numpy as np

from . import function, grad_mode
from ..tensor import Tensor
from ..ops.elementwise import Clone


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
        run(tensors, grad_tensors, retain_graph, create_graph, None, accumulate=True)
        return
    # Only the named inputs receive gradients (leaves or not), as in torch.
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    found = run(tensors, grad_tensors, retain_graph, create_graph, inputs, accumulate=False)
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
    found = run(outputs, list(grad_outputs), retain_graph, create_graph, inputs,
                accumulate=False)
    result = []
    for i, t in enumerate(inputs):
        g = found.get(id(t))
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) was not used in the graph of "
                               "the outputs; pass allow_unused=True to get None for it")
        result.append(g)
    return tuple(result)


def run(outputs, grad_outputs, retain_graph, create_graph, inputs, accumulate):
    """The walk behind `backward` and `grad`; returns {id(input): gradient} for `inputs`.

    Nodes run in decreasing `sequence_nr` (creation order, reversed), taken from a heap: a node
    is numbered after the nodes of its inputs, so by the time it runs, every node that used its
    output has already sent it a gradient (PyTorch's engine orders its ready queue the same way).

    Two modes share this loop. With `create_graph`, gradients are Tensors and every backward runs
    in glassgrad ops, recording the graph of the gradient (for second derivatives). Without it,
    nothing needs that graph, so gradients travel as plain numpy arrays and an op's
    `backward_array` (its numpy transcription, where it has one) runs instead: the same rule,
    minus the per-op bookkeeping that dominates small models.
    """
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"backward: {len(grad_outputs)} gradients given for {len(outputs)} "
                           "outputs; pass one per output (None for a scalar output)")
    if retain_graph is None:
        retain_graph = create_graph
    fast = not create_graph
    grads = {}                # node -> gradient of its output, summed over its uses so far
    heap = []                 # (-sequence_nr, node) of the nodes that have a gradient waiting
    leaf_targets = None if inputs is None else {id(t): t for t in inputs}
    found = {}
    ran = []
    hooked = {}               # id(leaf) -> [leaf, gradient so far] for leaves with hooks
    with grad_mode.set_grad_enabled(create_graph):
        for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
            g = _initial_gradient(out, g, i)
            if fast:
                g = g._data
            node = out.grad_fn
            if node is None:          # backward on a leaf: its gradient is g itself
                _deliver(out, g, g, leaf_targets, found, accumulate, fast, hooked)
            elif node in grads:
                grads[node] = grads[node] + g
            else:
                grads[node] = g
                heapq.heappush(heap, (-node.sequence_nr, node))
        useful = node_targets = None
        if leaf_targets is not None:
            useful = _nodes_leading_to(list(grads), leaf_targets)
            node_targets = {id(t.grad_fn): t for t in leaf_targets.values()
                            if t.grad_fn is not None}
        while heap:
            node = heapq.heappop(heap)[1]
            g = grads.pop(node)
            if node._out_hooks or node._retain_ref is not None:
                g = _run_output_hooks(node, g, fast)
            if node_targets is not None and id(node) in node_targets:
                found[id(node_targets[id(node)])] = g
                if node not in useful:
                    continue      # a non-leaf target: its gradient is all we need from here
            ran.append(node)
            if node.inputs is None:
                from .function import _freed_message
                raise RuntimeError(_freed_message(node))
            input_grads = _call_backward(node, g, fast)
            # Trailing inputs without a gradient (non-tensor parameters) may be left out;
            # zip stops at the shorter of the two.
            for inp, ig in zip(node.inputs, input_grads):
                if not isinstance(inp, Tensor):
                    continue
                if inp._version > node.sequence_nr and node.reads_inputs:
                    raise RuntimeError(_modified_message(node, inp))
                if ig is None or not inp.requires_grad:
                    continue
                if not fast and not isinstance(ig, Tensor):
                    ig = Tensor(ig)
                if ig.shape != inp.shape:
                    ig = _reduce_to_input(node, ig, inp, fast)
                parent = inp.grad_fn
                if parent is None:
                    _deliver(inp, ig, g, leaf_targets, found, accumulate, fast, hooked)
                elif parent in grads:
                    grads[parent] = grads[parent] + ig     # never in place: ig may be shared
                elif useful is None or parent in useful or id(parent) in node_targets:
                    grads[parent] = ig
                    heapq.heappush(heap, (-parent.sequence_nr, parent))
        # A leaf's hooks see its total gradient, once (as in torch), so they run after the walk.
        for leaf, g in hooked.values():
            g = _apply_hooks(leaf._hooks, g, fast)
            _deliver(leaf, g, g, leaf_targets, found, accumulate, fast, None)
        if not retain_graph:
            for node in ran:
                node.release()
    if fast:
        found = {key: Tensor(value) for key, value in found.items()}
    return found


def _call_backward(node, g, fast):
    """One node's input gradients, as a tuple, in the walk's mode (arrays or Tensors)."""
    if function.debug_modes:
        return _watched_backward(node, g, fast)
    if fast:
        if node.backward_array is not None:
            input_grads = node.backward_array(node, g)
        else:
            input_grads = node.backward(node, Tensor(g))
            if type(input_grads) is not tuple:
                input_grads = (input_grads,)
            input_grads = tuple(x._data if isinstance(x, Tensor) else x for x in input_grads)
    else:
        input_grads = node.backward(node, g)
    if type(input_grads) is not tuple:
        input_grads = (input_grads,)
    if len(input_grads) > len(node.inputs):
        raise RuntimeError(f"{node.name()}.backward returned {len(input_grads)} "
                           f"gradients for {len(node.inputs)} inputs")
    return input_grads


def _modified_message(node, tensor):
    kind = "a leaf" if tensor.grad_fn is None else "an intermediate"
    return (f"one of the tensors needed for gradient computation has been modified by an "
            f"in-place operation: {kind} tensor of shape {tensor.shape} (requires_grad="
            f"{tensor.requires_grad}) changed after op {node.name()} used it in the forward "
            "pass, so its backward would read the new values. Change it after backward() "
            "(e.g. optimizer.step() after loss.backward()), or give the forward a copy "
            "(x.clone()).")


def _watched_backward(node, g, fast):
    """node's backward under the active debug modes (glassgrad.debug): they judge the gradients
    the node returns, not the ops its backward runs on the way."""
    modes = function.debug_modes
    function.debug_modes = []     # switched off inside: the ops a backward runs are not judged
    try:
        input_grads = _call_backward(node, g, fast)
    finally:
        function.debug_modes = modes
    for mode in modes:
        mode.on_backward(node, input_grads)
    return input_grads


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


def _reduce_to_input(node, ig, inp, fast):
    """Sum a gradient over the axes its input was broadcast along (the only un-broadcasting)."""
    from ..ops._broadcast import _summed_axes, sum_to_shape
    if not fast:
        try:
            return sum_to_shape(ig, inp.shape)
        except RuntimeError:
            pass
    else:
        axes = _summed_axes(ig.shape, inp.shape)
        if axes is not None:
            return ig.sum(axis=axes).reshape(inp.shape) if axes else ig.reshape(inp.shape)
    raise RuntimeError(f"{node.name()}.backward returned a gradient of shape {ig.shape} for an "
                       f"input of shape {inp.shape}")


def _deliver(leaf, g, incoming, targets, found, accumulate, fast, hooked):
    """Hand a leaf its gradient: collect it for grad(), or add it to .grad for backward().

    `incoming` is the gradient the current node received; a backward may pass it on unchanged
    to several inputs (Add does), so a leaf that would keep it gets its own copy. A leaf with
    hooks has its gradient summed in `hooked` instead, for the hooks to see once at the end.
    """
    if leaf._hooks and hooked is not None:
        entry = hooked.get(id(leaf))
        if entry is None:
            hooked[id(leaf)] = [leaf, g]
        else:
            entry[1] = entry[1] + g
        return
    if targets is not None:
        if id(leaf) in targets:
            found[id(leaf)] = found[id(leaf)] + g if id(leaf) in found else g
        return
    if not accumulate:
        return
    if not fast:
        # A copy, as torch makes: g may be the caller's own gradient tensor (or a view of it),
        # which a later backward accumulating into .grad in place must not change.
        leaf.grad = Clone.apply(g) if leaf.grad is None else leaf.grad + g
        return
    current = leaf.grad
    if g.dtype != leaf._data.dtype:      # a float64 constant must not widen a float32 gradient
        g = g.astype(leaf._data.dtype)
    if current is None:
        if g is incoming or g.base is not None or not g.flags.writeable:
            g = g.copy()            # never keep an array that something else holds or views
        leaf.grad = Tensor(g)
    elif current._data.flags.writeable and current._data.dtype == g.dtype:
        current._data += g           # accumulate in place, as torch does without create_graph
    else:
        leaf.grad = Tensor(current._data + g)


def _apply_hooks(hooks, g, fast):
    value = Tensor(g) if fast else g
    for hook in hooks:
        result = hook(value)
        if result is not None:
            value = result if isinstance(result, Tensor) else Tensor(result)
    return value._data if fast else value


def _run_output_hooks(node, g, fast):
    if node._out_hooks:
        g = _apply_hooks(node._out_hooks, g, fast)
    if node._retain_ref is not None:
        tensor = node._retain_ref()
        if tensor is not None:
            tensor.grad = Tensor(g.copy()) if fast else g
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
