"""Dead-code elimination: keep what reaches an output or an effect; drop the rest."""
import networkx as nx


def dce(graph):
    """Remove nodes whose values no output or effect needs. Inputs always stay."""
    live = {n for n, _ in graph.outputs} | set(graph.effects()) | set(graph.inputs)
    needed = set(live)
    for n in live:
        needed |= nx.ancestors(graph.nx, n)
    dead = [n for n in graph.order() if n not in needed]
    for n in dead:
        graph.remove_node(n)
    return bool(dead)
