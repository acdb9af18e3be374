"""The fast executor (``ambi.interp.Compiled``) against the reference interpreter
(``ambi.interp.interpret``) on traced graphs, and run-time errors located at the
user's line that created the failing node."""
import gc
import weakref

import numpy as np
import pytest

import ambi as am
from ambi.errors import AmbiError, RunError
from ambi.interp import Compiled, interpret


def graph_of(fn, *args, level=0):
    return am.function(fn, optimize=level).get_concrete_function(*args).graph


def assert_same(graph, arrays):
    """Compiled(graph), in both its tiers, and interpret(graph) give identical values and
    dtypes."""
    run = Compiled(graph)
    quick = run(*arrays)
    run.compile()
    fast, ref = run(*arrays), interpret(graph, arrays)
    assert len(quick) == len(fast) == len(ref) == len(graph.outputs)
    for a, b, c in zip(quick, fast, ref):
        assert np.asarray(a).dtype == np.asarray(b).dtype == np.asarray(c).dtype
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, c)
    return fast


def compiled(graph):
    run = Compiled(graph)
    run.compile()
    return run


def collatz(n):
    def body(n, k):
        n = am.cond(n % 2 == 0, lambda: n // 2, lambda: 3 * n + 1)
        return n, k + 1
    return am.while_loop(lambda n, k: n > 1, body, (n, am.constant(0)))[1]


PROGRAMS = {
    "arith": (lambda x, y: (x * y - x / (y + 1.0)) ** 2, [np.float32([1, 2]), np.float32([3, 4])]),
    "broadcast": (lambda x, y: am.maximum(x, y) + am.reduce_sum(x, axis=0),
                  [np.ones((2, 3), np.float32), np.float32([1, 2, 3])]),
    "reused": (lambda x: (lambda e: e * e + e)(am.exp(x)), [np.float64([0.5, -1.0])]),
    "ints": (lambda a, b: (a // b, a % b, a * b - 3), [np.int32([7, -7, 9]), np.int32([2, 3, 0])]),
    "shapes": (lambda x: am.transpose(am.reshape(x, (3, 2)))[1:, ::-1],
               [np.arange(6, dtype=np.float32)]),
    "matmul-softmax": (lambda a, b: am.softmax(a @ b, axis=-1),
                       [np.ones((2, 3), np.float32), np.eye(3, 4, dtype=np.float32)]),
    "cond": (lambda x: am.cond(am.reduce_sum(x) > 0, lambda: x * 2.0, lambda: -x),
             [np.float32([1, -0.5])]),
    "cond-false": (lambda x: am.cond(am.reduce_sum(x) > 0, lambda: x * 2.0, lambda: -x),
                   [np.float32([-1, 0.5])]),
    "while": (lambda n: am.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s * 2),
                                      [am.constant(0), am.constant(1)]), [np.int32(10)]),
    "nested": (lambda n: am.cond(n > 0, lambda: collatz(n), lambda: am.constant(-1)),
               [np.int32(27)]),
    "gather-onehot": (lambda p, i: (am.gather(p, i), am.one_hot(i, 4)),
                      [np.float32([5, 6, 7, 8]), np.int32([3, 0, 3])]),
    "const-out": (lambda x: (x, am.constant([1, 2])), [np.float32([1])]),
}


@pytest.mark.parametrize("name", PROGRAMS)
@pytest.mark.parametrize("level", [0, 2])
def test_compiled_equals_interpreter(name, level):
    fn, arrays = PROGRAMS[name]
    tensors = [am.constant(a) for a in arrays]
    graph = graph_of(fn, *tensors, level=level)
    outs = assert_same(graph, arrays)
    eager = fn(*tensors)
    eager = eager if isinstance(eager, (tuple, list)) else [eager]
    for got, want in zip(outs, eager):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-6)


def test_compiled_is_reusable_and_frees_nothing_it_returns():
    graph = graph_of(lambda x: (x + 1.0, x * 2.0), am.constant([1.0]))
    run = Compiled(graph)
    for v in range(3):
        a, b = run(np.float32([v]))
        assert a.tolist() == [v + 1] and b.tolist() == [v * 2]
    assert "def run(" in run.source


def test_a_graph_switches_to_generated_source_after_compile_after_calls(monkeypatch):
    monkeypatch.setattr(am.config, "COMPILE_AFTER", 2)
    graph = graph_of(lambda x: am.tanh(x * 2.0) + x, am.constant([0.5, -1.0]))
    run, x = Compiled(graph), np.float32([0.5, -1.0])
    outs = []
    for _ in range(4):
        outs.append(run(x)[0])
        assert run.compiled == (len(outs) > 2)  # calls 1-2: closures; 3 on: the source
    assert all(np.array_equal(o, outs[0]) for o in outs)
    monkeypatch.setattr(am.config, "COMPILE_AFTER", 0)
    assert Compiled(graph).compiled  # 0: source at once


def test_a_graph_run_on_the_cpu_device_dies_with_its_function():
    """The cpu device's executor is kept with the graph, not in a cache that would keep
    the graph alive after its function is gone."""
    f = am.function(lambda x: am.tanh(x) * 2.0, device="cpu")
    assert f(np.float32([1.0, 2.0])).numpy().shape == (2,)
    graph = weakref.ref(next(iter(f._cache.values())).graph)
    del f
    gc.collect()
    assert graph() is None


def test_effects_run_in_order_in_both(capsys):
    def f(x):
        am.print("a", x)
        am.cond(x > 0, lambda: am.print("pos"), lambda: am.print("neg"))
        am.print("b")
        return x

    graph = graph_of(f, am.constant(1))
    Compiled(graph)(np.int32(1))
    fast = capsys.readouterr().out
    interpret(graph, [np.int32(1)])
    assert capsys.readouterr().out == fast == "a 1\npos\nb\n"


# -- run-time errors at the user's line -------------------------------------------------
def line_of(text):
    return next(i for i, s in enumerate(open(__file__), 1) if text in s and "line_of" not in s)


def gather_fn(p, i):
    y = p * 2.0
    return am.gather(y, i) + 1.0  # the gather line


def test_kernel_failure_in_a_graph_is_located_at_the_user_line():
    p, good, bad = am.constant([1.0, 2.0]), am.constant([1]), am.constant([5])
    f = am.function(gather_fn)
    assert f(p, good).numpy().tolist() == [5.0]  # traced with a valid index
    graph = f.get_concrete_function(p, good).graph
    runners = [lambda: f(p, bad), lambda: Compiled(graph)(p.numpy(), bad.numpy()),
               lambda: compiled(graph)(p.numpy(), bad.numpy()),
               lambda: interpret(graph, [p.numpy(), bad.numpy()])]
    for run in runners:
        with pytest.raises(RunError) as info:
            run()
        err = info.value
        assert isinstance(err, AmbiError) and not isinstance(err, IndexError)
        assert err.loc.file == __file__ and err.loc.line == line_of("# the gather line")
        assert "gather" in err.message and "out of range" in err.message
        assert str(err).splitlines()[1].strip().startswith("return am.gather(y, i)")


def test_kernel_failure_inside_a_subgraph_is_located_too():
    def f(x, n):
        return am.while_loop(lambda i: i < n,
                             lambda i: [i + am.gather(x, i)],  # the loop's gather
                             [am.constant(0)])[0]

    x = am.constant([1, 1, 1])
    g = am.function(f)
    assert int(g(x, am.constant(3))) == 3
    with pytest.raises(RunError) as info:
        g(x, am.constant(5))
    assert info.value.loc.line == line_of("# the loop's gather")


def test_int_pow_error_in_graph_is_a_run_error():
    def f(a, b):
        return a ** b  # the pow line

    g = am.function(f)
    assert g(am.constant([2]), am.constant([3])).numpy().tolist() == [8]
    with pytest.raises(RunError, match="pow") as info:
        g(am.constant([2]), am.constant([-1]))
    assert info.value.loc.line == line_of("# the pow line")
