"""The backward pass: walk the graph from the outputs in reverse topological order, calling each
node's backward and accumulating gradients, iteratively (no recursion limit on deep graphs).

What the engine does so that ops don't have to (shared/DESIGN.md):
  - sum every gradient back to its input's shape (the only un-broadcasting in glassgrad);
  - accumulate gradients of a tensor used several times;
  - run each backward with grad mode = create_graph, so gradients can be differentiated again;
  - free each node's saved inputs afterwards unless retain_graph.
"""
from . import function, grad_mode
from ..tensor import Tensor


def backward(tensor, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """`Tensor.backward`: accumulate gradients into the leaves' `.grad`."""
    if inputs is None:
        run([tensor], [gradient], retain_graph, create_graph, None, accumulate=True)
        return
    # Only the named inputs receive gradients (leaves or not), as in torch.
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    found = run([tensor], [gradient], retain_graph, create_graph, inputs, accumulate=False)
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
    """The walk behind `backward` and `grad`; returns {id(input): gradient} for `inputs`."""
    from ..ops._broadcast import sum_to_shape
    if retain_graph is None:
        retain_graph = create_graph
    grads = {}                # node -> gradient of that node's output, summed over its uses
    leaf_targets = None if inputs is None else {id(t): t for t in inputs}
    found = {}
    with grad_mode.set_grad_enabled(create_graph):
        roots = []
        for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
            g = _initial_gradient(out, g, i)
            if out.grad_fn is None:          # backward on a leaf: its gradient is g itself
                _deliver(out, g, leaf_targets, found, accumulate)
                continue
            node = out.grad_fn
            grads[node] = grads[node] + g if node in grads else g
            roots.append(node)
        order = _topological_order(roots, leaf_targets)
        node_targets = None
        if leaf_targets is not None:
            node_targets = {id(t.grad_fn): t for t in leaf_targets.values()
                            if t.grad_fn is not None}
        for node in order:
            g = grads.pop(node, None)
            if g is None:
                continue
            if node.inputs is None:
                from .function import _freed_message
                raise RuntimeError(_freed_message(node))
            g = _run_output_hooks(node, g)
            if node_targets is not None and id(node) in node_targets:
                found[id(node_targets[id(node)])] = g
            if function.debug_modes:
                input_grads = _watched_backward(node, g)
            else:
                input_grads = node.backward(node, g)
            if type(input_grads) is not tuple:
                input_grads = (input_grads,)
            if len(input_grads) > len(node.inputs):
                raise RuntimeError(f"{node.name()}.backward returned {len(input_grads)} "
                                   f"gradients for {len(node.inputs)} inputs")
            # Trailing inputs without a gradient (non-tensor parameters) may be left out;
            # zip stops at the shorter of the two.
            for inp, ig in zip(node.inputs, input_grads):
                if ig is None or not isinstance(inp, Tensor) or not inp.requires_grad:
                    continue
                if not isinstance(ig, Tensor):
                    ig = Tensor(ig)
                if ig.shape != inp.shape:
                    ig = _reduce_to_input(sum_to_shape, node, ig, inp)
                parent = inp.grad_fn
                if parent is None:
                    _deliver(inp, ig, leaf_targets, found, accumulate)
                else:
                    grads[parent] = grads[parent] + ig if parent in grads else ig
        if not retain_graph:
            for node in order:
                node.release()
    return found


def _watched_backward(node, g):
    """node.backward under the active debug modes (glassgrad.debug): they judge the gradients
    the node returns, not the ops its backward runs on the way."""
    function.debug_backward_depth += 1
    try:
        input_grads = node.backward(node, g)
    finally:
        function.debug_backward_depth -= 1
    grads = input_grads if type(input_grads) is tuple else (input_grads,)
    for mode in function.debug_modes:
        mode.on_backward(node, grads)
    return input_grads


def _initial_gradient(out, g, i):
    if not out.requires_grad:
        raise RuntimeError(f"element {i} of tensors does not require grad and does not have a "
                           f"grad_fn (shape {out.shape}): nothing to differentiate")
    if g is None:
        if out.data.size != 1:
            raise RuntimeError(f"grad can be implicitly created only for scalar outputs; this "
                               f"output has shape {out.shape}: pass gradient= (a tensor of that "
                               "shape) to backward()")
        from ..creation import ones_like
        return ones_like(out)
    if not isinstance(g, Tensor):
        g = Tensor(g)
    if g.shape != out.shape:
        raise RuntimeError(f"backward: gradient of shape {g.shape} does not match the output's "
                           f"shape {out.shape}")
    return g


def _reduce_to_input(sum_to_shape, node, ig, inp):
    try:
        return sum_to_shape(ig, inp.shape)
    except RuntimeError:
        raise RuntimeError(f"{node.name()}.backward returned a gradient of shape {ig.shape} for "
                           f"an input of shape {inp.shape}") from None


def _deliver(leaf, g, targets, found, accumulate):
    """Hand a leaf its gradient: collect it for grad(), or add it to .grad for backward()."""
    if leaf._hooks:
        for hook in leaf._hooks:
            result = hook(g)
            if result is not None:
                g = result
    if targets is not None:
        if id(leaf) in targets:
            found[id(leaf)] = found[id(leaf)] + g if id(leaf) in found else g
        return
    if accumulate:
        if not grad_mode._enabled:
            g = g.detach()
        leaf.grad = g if leaf.grad is None else leaf.grad + g


def _run_output_hooks(node, g):
    if node._out_hooks:
        for hook in node._out_hooks:
            result = hook(g)
            if result is not None:
                g = result
    if node._retain_ref is not None:
        tensor = node._retain_ref()
        if tensor is not None:
            tensor.grad = g if grad_mode._enabled else g.detach()
    return g


def _topological_order(roots, leaf_targets):
    """Nodes reachable from `roots`, each after every node that uses its output.

    An iterative depth-first search (post-order, then reversed). With `leaf_targets` (grad()),
    only nodes from which some target is reachable are kept: the rest need not run.
    """
    post = []
    useful = {}               # node -> does it lead to a target (always True for backward())
    visited = set()
    stack = [(root, False) for root in roots]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            post.append(node)
            if leaf_targets is not None:
                useful[node] = _leads_to_target(node, leaf_targets, useful)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        if node.inputs is None:
            continue      # freed: reported when the walk reaches it
        for inp in node.inputs:
            if isinstance(inp, Tensor) and inp.grad_fn is not None and inp.grad_fn not in visited:
                stack.append((inp.grad_fn, False))
    post.reverse()
    if leaf_targets is None:
        return post
    return [node for node in post if useful[node]]


def _leads_to_target(node, leaf_targets, useful):
    if node.inputs is None:
        return True
    for inp in node.inputs:
        if not isinstance(inp, Tensor):
            continue
        if id(inp) in leaf_targets:
            return True
        if inp.grad_fn is not None and useful.get(inp.grad_fn, False):
            return True
    return False
