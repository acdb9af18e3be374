"""pretty(): one node a line with its source location; to_dot(): Graphviz text."""
import numpy as np



def pretty(graph, around=None, indent="", window=10):
    """A readable listing: ``name = op(operands) {params} : types  # file:line``."""
    order = graph.order()
    lines = [f"{indent}graph {graph.name}({', '.join(_arg(graph, n) for n in graph.inputs)}):"]
    if around is not None and around in order:
        i = order.index(around)
        order = order[max(0, i - window): i + window + 1]
    for n in order:
        if graph[n]["op"].name == "arg":
            continue
        mark = ">> " if n == around else "   "
        lines.append(indent + mark + _node_line(graph, n))
        for _, sub in _subgraph_items(graph, n):
            lines.append(pretty(sub, indent=indent + "      "))
    outs = ", ".join(_value_name(graph, v) for v in graph.outputs)
    lines.append(f"{indent}   return {outs}")
    return "\n".join(lines)


def _arg(graph, n):
    return f"{graph[n]['name']}: {graph[n]['types'][0]}"


def _node_line(graph, n):
    node = graph[n]
    outs = ", ".join(f"{node['name']}:{i}" for i in range(len(node["types"])))
    args = ", ".join(_value_name(graph, v) for v in graph.operands(n))
    params = _params(node)
    types = ", ".join(str(t) for t in node["types"])
    lhs = f"{outs} = " if outs else ""
    loc = f"  # {node['locs'][0]}" if node["locs"] and node["locs"][0] else ""
    return f"{lhs}{node['op'].name}({args}){params} : {types or '()'}{loc}"


def _value_name(graph, v):
    if v[0] not in graph:  # verify() lists broken graphs too
        return f"<missing node {v[0]}>"
    return f"{graph[v[0]]['name']}:{v[1]}"


def _params(node):
    shown = {k: _show(v) for k, v in node["params"].items() if k not in node["op"].subgraphs}
    shown.pop("type", None)
    return " {" + ", ".join(f"{k}={v}" for k, v in shown.items()) + "}" if shown else ""


def _show(v):
    if isinstance(v, np.ndarray):
        return np.array2string(v, threshold=6, separator=" ") if v.size <= 6 else \
            f"<{v.dtype}{list(v.shape)}>"
    if hasattr(v, "name") and hasattr(v, "read_value"):
        return f"<Variable {v.name}>"
    return repr(v) if isinstance(v, str) else str(v)


def _subgraph_items(graph, n):
    node = graph[n]
    return [(k, node["params"][k]) for k in node["op"].subgraphs]


def to_dot(graph):
    """Graphviz source: nodes labelled op and type; dashed edges order effects."""
    lines = [f'digraph "{graph.name}" {{', "  node [shape=box, fontname=monospace];"]
    for n in graph.order():
        node = graph[n]
        label = f"{node['name']}\\n{node['op'].name} : " + \
            ", ".join(str(t) for t in node["types"])
        lines.append(f'  n{n} [label="{label}"];')
    for u, v, k in graph.nx.edges(keys=True):
        style = ' [style=dashed]' if k == "seq" else f' [label="{k}"]'
        lines.append(f"  n{u} -> n{v}{style};")
    lines.append("}")
    return "\n".join(lines)
