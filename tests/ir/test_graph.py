"""The IR: a networkx.MultiDiGraph with operand-keyed edges, a deterministic order, an
effect chain, and verify() that catches broken graphs and shows where."""
import networkx as nx
import numpy as np
import pytest

import ambi as am
from ambi.errors import GraphError
from ambi.ir import Graph, TensorType, verify
from ambi.ir.graph import SEQ
from ambi.ir.ops_ir import ARG

T3 = TensorType((3,), am.float32)


def traced(fn, *args, level=0):
    return am.function(fn, optimize=level).get_concrete_function(*args).graph


def by_op(graph, name):
    return [n for n in graph.order() if graph[n]["op"].name == name]


def hand_built():
    """x -> exp -> e * e -> output, built without tracing."""
    g = Graph("hand")
    x = g.add_node(ARG, [], {"index": 0, "name": "x", "type": T3}, (T3,), name="x")
    e = g.add_node(am.exp, [(x, 0)], {}, (T3,))
    m = g.add_node(am.multiply, [(e, 0), (e, 0)], {}, (T3,))
    g.outputs = [(m, 0)]
    return g, x, e, m


# -- structure -----------------------------------------------------------------------------
def test_x_times_x_keeps_both_edges():
    g = traced(lambda x: x * x, am.constant([1.0, 2.0]))
    assert isinstance(g.nx, nx.MultiDiGraph)
    (x,), (m,) = g.inputs, by_op(g, "multiply")
    assert g.nx.number_of_edges(x, m) == 2
    assert sorted(k for _, _, k in g.nx.in_edges(m, keys=True)) == [0, 1]
    assert g.operands(m) == [(x, 0), (x, 0)]
    assert g.users(x) == [m]


def test_operand_edges_share_read_only_data():
    """Edges reading one output share their data: a change through networkx would alter
    every such edge, so it fails loudly instead; replace_uses is the way to rewire."""
    g, x, e, m = hand_built()
    datas = [d for _, _, k, d in g.nx.edges(keys=True, data=True) if k != SEQ]
    assert [d["out"] for d in datas] == [0, 0, 0] and len({id(d) for d in datas}) == 1
    with pytest.raises(TypeError):
        datas[0]["out"] = 1
    g.replace_uses((e, 0), (x, 0))
    assert g.operands(m) == [(x, 0), (x, 0)] and g.users(e) == []


def test_operand_order_is_kept_for_non_commutative_ops():
    g = traced(lambda a, b: a - b, am.constant(1.0), am.constant(2.0))
    (s,) = by_op(g, "subtract")
    assert g.operands(s) == [(g.inputs[0], 0), (g.inputs[1], 0)]


def test_nodes_carry_op_params_types_locs_and_names():
    g = traced(lambda x: am.reduce_sum(x, axis=0) ** 2, am.constant([[1.0, 2.0]]))
    (r,) = by_op(g, "reduce_sum")
    node = g[r]
    assert node["op"] is am.reduce_sum and node["params"] == {"axis": 0, "keepdims": False}
    assert node["types"] == (TensorType((2,), am.float32),)
    assert node["locs"][0].file == __file__ and node["name"] == "reduce_sum"
    assert g[g.inputs[0]]["name"] == "x"


def test_order_is_deterministic_and_topological():
    def f(x, y):
        a, b = am.exp(x), am.sin(y)
        c = a * b + am.cos(x)
        return c - a, am.tanh(b)

    args = (am.constant([1.0]), am.constant([2.0]))
    g1, g2 = traced(f, *args), traced(f, *args)
    names = lambda g: [g[n]["op"].name for n in g.order()]  # noqa: E731
    assert names(g1) == names(g2)
    pos = {n: i for i, n in enumerate(g1.order())}
    assert all(pos[u] < pos[v] for u, v in g1.nx.edges())
    assert [n for n in g1.order() if g1[n]["op"].name != "const"] == \
        sorted(n for n in g1.nx if g1[n]["op"].name != "const")  # ties: creation order


def test_effect_chain_in_program_order():
    v = am.Variable(0.0)

    def f(x):
        am.print("one")
        v.assign(x)
        y = x * 2.0  # not an effect: off the chain
        am.print("two", y)
        return v.read_value()

    g = traced(f, am.constant(1.0))
    effects = g.effects()
    assert [g[n]["op"].name for n in effects] == ["print", "var_write", "print", "var_read"]
    for a, b in zip(effects, effects[1:]):
        assert g.nx.has_edge(a, b, key=SEQ)
    seq_edges = [(u, v) for u, v, k in g.nx.edges(keys=True) if k == SEQ]
    assert len(seq_edges) == 3
    assert "style=dashed" in g.to_dot()


def test_control_flow_nodes_hold_subgraphs():
    def f(x):
        return am.cond(x > 0, lambda: x * 2.0, lambda: am.exp(x))

    g = traced(f, am.constant(1.0))
    (c,) = by_op(g, "cond")
    true_g, false_g = g.subgraphs(c)
    assert isinstance(true_g, Graph) and by_op(true_g, "multiply")
    assert by_op(false_g, "exp")
    text = g.pretty()
    assert "cond(" in text and "      graph true_fn(" in text and "exp(" in text


# -- verify ---------------------------------------------------------------------------------
def test_verify_accepts_traced_and_hand_built_graphs():
    g, *_ = hand_built()
    verify(g)
    verify(traced(lambda x: am.softmax(x) @ am.transpose(x), am.constant([[1.0, 2.0]])))


def corrupt_types(g, x, e, m):
    g[m]["types"] = (TensorType((4,), am.float32),)
    return m, "recorded types"


def corrupt_dtype(g, x, e, m):
    g[x]["types"] = (TensorType((3,), am.int32),)
    return e, "types no longer check"


def corrupt_cycle(g, x, e, m):
    g.nx.add_edge(m, e, key=1, out=0)
    g.touch()
    return None, "cycle: (exp -> multiply -> exp|multiply -> exp -> multiply)"


def corrupt_gap(g, x, e, m):
    g.nx.remove_edge(e, m, key=0)
    g.touch()
    return m, "gap"


def corrupt_missing_operand(g, x, e, m):
    g.nx.remove_edge(e, m, key=1)
    g.touch()
    return m, "operand"


def corrupt_output(g, x, e, m):
    g.outputs = [(10**9, 0)]
    return None, "removed node"


def corrupt_out_index(g, x, e, m):
    g.nx.remove_edge(e, m, key=1)
    g.nx.add_edge(e, m, key=1, out=3)
    g.touch()
    return m, "reads output 3 of exp"


@pytest.mark.parametrize("corrupt", [corrupt_types, corrupt_dtype, corrupt_cycle, corrupt_gap,
                                     corrupt_missing_operand, corrupt_output,
                                     corrupt_out_index])
def test_verify_catches_a_corrupted_graph(corrupt):
    g, x, e, m = hand_built()
    bad, words = corrupt(g, x, e, m)
    with pytest.raises(GraphError, match=words) as info:
        verify(g, after="test")
    msg = info.value.message
    assert "after pass 'test'" in msg and "graph hand" in msg
    if bad is not None:
        (marked,) = [s for s in msg.splitlines() if s.startswith(">> ")]
        assert f"{g[bad]['name']}:0 = {g[bad]['op'].name}(" in marked


def test_verify_catches_a_broken_effect_chain():
    def f(x):
        am.print("a")
        am.print("b", x)
        return x

    g = traced(f, am.constant(1.0))
    p1, p2 = by_op(g, "print")
    verify(g)
    g.nx.remove_edge(p1, p2, key=SEQ)
    g.touch()
    with pytest.raises(GraphError, match="effect chain") as info:
        verify(g)
    assert any(s.startswith(">> ") and "print(" in s for s in info.value.message.splitlines())


def test_verify_error_shows_a_window_of_the_graph():
    def f(x):
        for _ in range(40):
            x = am.sin(x)
        return x

    g = traced(f, am.constant(1.0))
    sins = by_op(g, "sin")
    bad = sins[20]
    g[bad]["types"] = (TensorType((2,), am.float32),)
    with pytest.raises(GraphError) as info:
        verify(g)
    lines = info.value.message.splitlines()
    listed = [s for s in lines if "sin(" in s]
    assert 15 <= len(listed) <= 25  # about ten nodes either side, not all forty
    assert any(s.startswith(">> ") and g[bad]["name"] + ":0" in s for s in lines)


def test_verify_recurses_into_subgraphs():
    g = traced(lambda x: am.cond(x > 0, lambda: x + 1.0, lambda: x), am.constant(1.0))
    (c,) = by_op(g, "cond")
    true_g = g.subgraphs(c)[0]
    (c1,) = by_op(true_g, "const")
    true_g[c1]["types"] = (TensorType((5,), am.float32),)  # the cond's own types still hold
    with pytest.raises(GraphError, match="recorded types"):
        verify(g)


def test_verify_runs_after_every_pass_under_checks():
    """AMBI_CHECKS=1 in the test suite: optimized graphs are verified, and still agree."""
    assert am.config.CHECKS
    f = am.function(lambda x: am.exp(x) * 1.0 + am.exp(x), optimize=2)
    np.testing.assert_allclose(f(am.constant([0.0, 1.0])).numpy(), 2 * np.exp([0.0, 1.0]),
                               rtol=1e-6)
