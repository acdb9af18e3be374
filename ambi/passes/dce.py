"""Dead-code elimination: keep what reaches an output or an effect; drop the rest.

A node whose op may not terminate (``op.terminates`` is False: ``while``) is kept like an
effect: a loop that never ends must hang the graph as it hangs the eager program, so the
output matches line for line in every mode (SPEC section 8). docs/passes.md says more.
"""


def dce(graph):
    """Remove nodes that no output or effect needs.

    Effects and graph inputs (``arg`` nodes) always stay: a subgraph's inputs line up
    with the operands of the node that holds it, so they are never renumbered.

    >>> am.passes.run(graph, ["dce"])[0]["changed"]   # or dce(graph) -> bool, one graph
    True
    """
    ends = {n for n, _ in graph.outputs} | set(graph.inputs)
    if _all_sinks_kept(graph, ends):  # the usual case: nothing to remove
        return False
    roots = ends | {n for n, attrs in graph.nx._node.items() if _kept(attrs)}
    live = _reaching(graph, roots)  # networkx's dicts above and below: no views
    dead = [n for n in graph.nx if n not in live]
    for n in dead:
        graph.remove_node(n)
    return bool(dead)


def _kept(attrs):
    """Whether a node stays whoever uses it: an effect, or a loop that may not end."""
    return not attrs["op"].terminates or attrs["op"].is_effect(attrs["params"])


def _all_sinks_kept(graph, ends):
    """Whether no node can be dead. In a DAG every node reaches a node that nothing uses
    (a sink); when every sink is an end (output, input) or kept, everything is live. One
    look per node, at its out-edges, instead of a walk."""
    for n, users in graph.nx._succ.items():
        if not users and n not in ends and not _kept(graph[n]):
            return False
    return True


def _reaching(graph, roots):
    """Every node some root depends on, found by one walk against the edges."""
    pred, seen, todo = graph.nx._pred, set(roots), list(roots)  # networkx's own dict
    while todo:
        for u in pred[todo.pop()]:
            if u not in seen:
                seen.add(u)
                todo.append(u)
    return seen
