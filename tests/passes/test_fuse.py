"""The -O2 fuse pass: structure (which nodes become one ``fused`` node) and meaning (the
same numbers on the cpu, where a fused node runs its subgraph with the reference kernels)."""
import numpy as np

import ambi as am
from ambi.ir.verify import verify
from ambi.passes import run as run_passes


def _graph(fn, *args):
    return am.function(fn, optimize=0).get_concrete_function(*args).graph


def _ops(graph):
    return [graph[n]["op"].name for n in graph.order()]


def _fused_bodies(graph):
    return [_ops(graph[n]["params"]["graph"]) for n in graph.order()
            if graph[n]["op"].name == "fused"]


def test_a_chain_becomes_one_node_with_broadcast_inputs():
    x, b = am.constant(np.ones((2, 3), np.float32)), am.constant(np.ones(3, np.float32))
    g = _graph(lambda x, b: am.tanh(x * 2.0 + b) - x, x, b)
    assert run_passes(g, ["fuse"])[0]["changed"]
    verify(g)
    assert _ops(g).count("fused") == 1 and "tanh" not in _ops(g)
    assert _fused_bodies(g) == [["arg", "arg", "multiply", "arg", "add", "tanh", "subtract"]]


def test_values_used_outside_become_outputs_and_shapes_split_groups():
    x = am.constant(np.ones((2, 3), np.float32))

    def f(x):
        y = am.exp(x) * 2.0
        s = am.reduce_sum(y, axis=1)   # y is used outside the group
        return am.sqrt(y) + 1.0, am.sin(s) * s  # (2,) chain: another group

    g = _graph(f, x)
    run_passes(g, ["fuse"])
    verify(g)
    fused = [n for n in g.order() if g[n]["op"].name == "fused"]
    assert len(fused) == 2
    assert sorted(len(g[n]["types"]) for n in fused) == [1, 2]  # y and the result


def test_groups_that_feed_each_other_do_not_make_a_cycle():
    x = am.constant(np.ones(4, np.float32))

    def f(x):
        a1 = am.exp(x)
        b1 = am.sin(am.reduce_sum(a1, keepdims=True) + x)  # b depends on a through a reduce
        a2 = a1 * am.reduce_sum(b1, keepdims=True)          # and a on b
        return a2 + b1

    g = _graph(f, x)
    run_passes(g, ["fuse"])
    verify(g)  # acyclic, types re-inferred
    got = am.function(f, optimize=2)(x).numpy()
    np.testing.assert_allclose(got, f(x).numpy(), rtol=1e-6)


def test_fused_graphs_give_the_cpu_numbers():
    rng = np.random.default_rng(0)
    x = am.constant(rng.normal(size=(5, 4)).astype(np.float32))

    def f(x):
        return am.where(x > 0, am.log1p(am.abs(x)) * x, am.exp(x) - 1.0) / (1.0 + x * x)

    graph = _graph(f, x)
    run_passes(graph, ["fuse"])
    assert _ops(graph).count("fused") == 1
    got = am.interp.Compiled(graph)(x.numpy())[0]  # the fused node's cpu kernel
    np.testing.assert_array_equal(got, f(x).numpy())


def test_only_devices_that_ask_for_fusion_get_it():
    x = am.constant(np.ones((4,), np.float32))
    f = lambda x: am.exp(x) * 2.0 + 1.0  # noqa: E731
    cpu_graph = am.function(f, optimize=2).get_concrete_function(x).graph
    assert "fused" not in _ops(cpu_graph)  # numpy gains nothing from a fused node
    graph = _graph(f, x)
    am.passes.optimize(graph, 2, device=type("Dev", (), {"rewrites": ("fuse",)})())
    assert "fused" in _ops(graph)


def test_fused_bodies_are_known_by_the_op_flag_not_by_a_graph_name():
    """The manager skips the bodies of fusion nodes for the -O2 rewrites, so fusing twice
    changes nothing; a user function that happens to be called ``fused`` is fused."""
    x = am.constant(np.ones((2, 3), np.float32))

    def fused(x):
        return am.tanh(x * 2.0) - x

    g = _graph(fused, x)
    assert g.name == "fused" and am.ops.fused_op.fusion
    assert run_passes(g, ["fuse"])[0]["changed"]
    assert not run_passes(g, ["fuse"])[0]["changed"]
    assert _fused_bodies(g) == [["arg", "arg", "multiply", "tanh", "subtract"]]
