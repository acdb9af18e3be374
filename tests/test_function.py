"""am.function: tracing, the signature cache, retrace warnings, concrete functions,
side effects, variables, input signatures, nesting and returned structures."""
import warnings

import networkx as nx
import numpy as np
import pytest

import ambi as am
from ambi.errors import ArgumentError


def vec(*values):
    return am.constant(np.array(values, np.float32))


# -- the cache ----------------------------------------------------------------------
def test_trace_count_and_cache_per_signature():
    @am.function
    def f(x):
        return x * 2

    assert f.trace_count == 0
    f(vec(1, 2, 3))
    f(vec(4, 5, 6))
    assert f.trace_count == 1  # same shape and dtype: the graph runs again
    f(vec(1, 2))
    assert f.trace_count == 2  # new shape
    f(am.constant([1, 2]))
    assert f.trace_count == 3  # new dtype
    f(np.ones(2, np.float32))
    f(np.zeros(2, np.float32))
    assert f.trace_count == 4  # numpy arrays count as tensors
    f(vec(7, 8, 9))
    assert f.trace_count == 4


def test_python_values_are_part_of_the_signature():
    @am.function
    def f(x, n, mode="add"):
        return x + n if mode == "add" else x * n

    x = vec(1, 2)
    assert f(x, 2).numpy().tolist() == [3, 4]
    assert f(x, 3).numpy().tolist() == [4, 5]
    assert f.trace_count == 2
    assert f(x, 2).numpy().tolist() == [3, 4]
    assert f.trace_count == 2
    assert f(x, 2, mode="mul").numpy().tolist() == [2, 4]
    assert f(x, 2, mode="mul").numpy().tolist() == [2, 4]
    assert f.trace_count == 3


def test_unhashable_python_argument_is_an_argument_error():
    f = am.function(lambda x, opts: x)
    with pytest.raises(ArgumentError, match="hashable"):
        f(vec(1), {1, 2})


# -- the retrace warning ------------------------------------------------------------
def _traced_warnings(f, calls):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        for args in calls:
            f(*args)
    return [str(w.message) for w in seen]


def test_retrace_warning_names_changing_shape():
    @am.function
    def step(x):
        return x + 1

    msgs = _traced_warnings(step, [(am.zeros([n]),) for n in range(1, 10)])
    assert step.trace_count == 9
    assert len(msgs) == 1  # once
    assert "x: shape (5,) -> (6,)" in msgs[0]
    assert "step" in msgs[0] and "6 times" in msgs[0]


def test_no_warning_for_five_traces():
    f = am.function(lambda x: x + 1)
    assert _traced_warnings(f, [(am.zeros([n]),) for n in range(1, 6)]) == []


def test_retrace_warning_names_changing_python_value_and_dtype():
    @am.function
    def f(x, k):
        return x * k

    msgs = _traced_warnings(f, [(vec(1), k) for k in range(8)])
    assert len(msgs) == 1 and "k: 4 -> 5" in msgs[0]  # the 6th trace: k = 5

    g = am.function(lambda a, b: (a, b + b))
    sigs = [(n, d) for n in (1, 2) for d in (am.float32, am.int32, am.int64)]
    msgs = _traced_warnings(g, [(vec(1), am.ones([n], d)) for n, d in sigs])
    assert g.trace_count == 6 and len(msgs) == 1
    assert "b: dtype int32 -> int64" in msgs[0]  # the 5th and 6th calls


# -- concrete functions and their graphs ----------------------------------------------
def test_concrete_function_graph():
    @am.function(optimize=0)
    def f(x, y):
        z = x * y  # the multiply line
        return am.exp(z) + 1.0

    cf = f.get_concrete_function(vec(1, 2), vec(3, 4))
    assert f.trace_count == 1
    assert f.get_concrete_function(vec(5, 6), vec(7, 8)) is cf
    assert isinstance(cf.graph, am.ir.Graph)
    assert isinstance(cf.graph.nx, nx.MultiDiGraph)
    ops = [cf.graph[n]["op"].name for n in cf.graph.order()]
    assert {"arg", "multiply", "exp", "add"} <= set(ops)
    np.testing.assert_allclose(cf(vec(1, 2), vec(3, 4)).numpy(), np.exp([3, 8]) + 1,
                               rtol=1e-6)


def test_pretty_lines_carry_source_locations():
    @am.function(optimize=0)
    def f(x):
        y = x * 3.0  # marker-line
        return am.tanh(y)

    text = f.get_concrete_function(vec(1)).graph.pretty()
    line = next(i for i, s in enumerate(open(__file__), 1) if "# marker-line" in s)
    mul = next(s for s in text.splitlines() if "multiply(" in s)
    assert f"test_function.py:{line}:" in mul
    assert any("tanh(" in s and f":{line + 1}:" in s for s in text.splitlines())
    assert text.splitlines()[0].startswith("graph f(")


def test_to_dot():
    dot = am.function(lambda x: x * x + x, optimize=0).get_concrete_function(vec(1)).graph.to_dot()
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    assert "multiply" in dot and "->" in dot


# -- modes ----------------------------------------------------------------------------
def test_executing_eagerly_inside_and_outside():
    seen = []

    @am.function
    def f(x):
        seen.append(am.executing_eagerly())
        return x

    assert am.executing_eagerly()
    f(vec(1))
    assert seen == [False] and am.executing_eagerly()


def test_run_functions_eagerly():
    seen = []

    @am.function
    def f(x):
        seen.append(am.executing_eagerly())
        return x + 1

    am.config.run_functions_eagerly(True)
    try:
        assert f(vec(1)).numpy().tolist() == [2]
        f(vec(1))
    finally:
        am.config.run_functions_eagerly(False)
    assert seen == [True, True] and f.trace_count == 0
    f(vec(1))
    f(vec(1))
    assert seen == [True, True, False] and f.trace_count == 1


def test_python_side_effects_run_at_trace_time_only(capsys):
    calls = []

    @am.function
    def f(x):
        calls.append(1)
        print("python print")
        am.print("am.print", x)
        return x

    for _ in range(3):
        f(am.constant([1, 2]))
    out = capsys.readouterr().out.splitlines()
    assert len(calls) == 1
    assert out == ["python print", "am.print [1 2]", "am.print [1 2]", "am.print [1 2]"]


@pytest.mark.parametrize("level", [0, 1, 2])
def test_am_print_every_call_in_order(capsys, level):
    @am.function(optimize=level)
    def f(x):
        am.print("first", x)
        am.print("second", x * 10)
        am.print("first", x)  # the same print twice: not merged
        return x + 1

    f(am.constant(1))
    f(am.constant(2))
    assert capsys.readouterr().out.splitlines() == [
        "first 1", "second 10", "first 1", "first 2", "second 20", "first 2"]


# -- variables ----------------------------------------------------------------------------
@pytest.mark.parametrize("level", [0, 1, 2])
def test_variables_are_read_at_run_time(level):
    v = am.Variable([1.0, 2.0])

    @am.function(optimize=level)
    def f(x):
        return x + v

    assert f(vec(10, 10)).numpy().tolist() == [11, 12]
    v.assign([5.0, 6.0])
    assert f(vec(10, 10)).numpy().tolist() == [15, 16]
    assert f.trace_count == 1


@pytest.mark.parametrize("level", [0, 1, 2])
def test_assign_inside_a_function(level):
    v = am.Variable(0.0)

    @am.function(optimize=level)
    def step(x):
        v.assign_add(x)
        before = v.read_value()
        v.assign(before * 2.0)
        return before

    assert step(am.constant(1.0)).numpy() == 1.0  # v: 0 -> 1 -> 2
    assert step(am.constant(1.0)).numpy() == 3.0  # v: 2 -> 3 -> 6
    assert v.numpy() == 6.0 and step.trace_count == 1


def test_assign_checks_shape_and_dtype_at_trace_time():
    v = am.Variable([1.0, 2.0])
    with pytest.raises(am.errors.ShapeError):
        am.function(lambda x: v.assign(x))(vec(1, 2, 3))
    with pytest.raises(am.errors.DTypeError):
        am.function(lambda x: v.assign(x))(am.constant([1, 2]))


# -- input signatures -------------------------------------------------------------------
def test_input_signature():
    @am.function(input_signature=[am.TensorSpec([3], am.float32)])
    def f(x):
        return x * 2

    cf = f.get_concrete_function()
    assert cf.graph.out_type(cf.graph.outputs[0]) == am.ir.TensorType((3,), am.float32)
    assert f(vec(1, 2, 3)).numpy().tolist() == [2, 4, 6]
    with pytest.raises(ArgumentError, match="input_signature"):
        f(vec(1, 2))
    with pytest.raises(ArgumentError, match="input_signature"):
        f(am.constant([1, 2, 3]))
    assert f.trace_count == 1
    assert "TensorSpec(shape=(3,), dtype=float32)" in repr(am.TensorSpec([3]))


# -- nesting and results ----------------------------------------------------------------
def test_nested_functions_are_inlined():
    @am.function
    def inner(x):
        return am.exp(x)

    @am.function(optimize=0)
    def outer(x):
        return inner(x) + inner(x * 2)

    out = outer(vec(0, 1))
    np.testing.assert_allclose(out.numpy(), [2, np.e + np.e ** 2], rtol=1e-6)
    assert inner.trace_count == 0 and outer.trace_count == 1
    graph = outer.get_concrete_function(vec(0, 1)).graph
    names = [graph[n]["op"].name for n in graph.order()]
    assert names.count("exp") == 2
    assert inner(vec(0)).numpy().tolist() == [1.0] and inner.trace_count == 1


def test_nested_structures_and_python_values_in_and_out():
    @am.function
    def f(d, pair):
        a, b = pair
        return {"sum": d["x"] + a, "rest": [b * 2, (d["x"], 3)], "name": "f", "none": None}

    out = f({"x": vec(1, 2)}, (vec(10, 20), vec(3, 4)))
    assert out["sum"].numpy().tolist() == [11, 22]
    assert out["rest"][0].numpy().tolist() == [6, 8]
    assert isinstance(out["rest"][1], tuple) and out["rest"][1][1] == 3
    assert out["rest"][1][0].numpy().tolist() == [1, 2]
    assert out["name"] == "f" and out["none"] is None
    f({"x": vec(0, 0)}, (vec(0, 0), vec(0, 0)))
    assert f.trace_count == 1


def test_returning_an_input_and_a_constant():
    @am.function
    def f(x):
        return x, am.constant(7), 2.5

    x, seven, py = f(vec(1))
    assert x.numpy().tolist() == [1] and seven.numpy() == 7 and seven.dtype is am.int32
    assert py == 2.5


def test_optimize_must_be_a_level():
    with pytest.raises(ArgumentError):
        am.function(lambda x: x, optimize=3)


def test_variables_as_arguments_are_keyed_by_identity():
    @am.function
    def bump(var, x):
        var.assign_add(x)
        return var

    v, w = am.Variable([1.0, 2.0]), am.Variable([0.0, 0.0])
    one = vec(1, 1)
    assert bump(v, one).numpy().tolist() == [2, 3]
    assert bump(w, one).numpy().tolist() == [1, 1] and bump.trace_count == 2
    assert bump(v, one).numpy().tolist() == [3, 4] and bump.trace_count == 2
    assert v.numpy().tolist() == [3, 4] and w.numpy().tolist() == [1, 1]


def test_keyword_tensor_arguments():
    f = am.function(lambda x, scale=1.0: x * scale)
    assert f(x=vec(1, 2), scale=3.0).numpy().tolist() == [3, 6]
    assert f(x=vec(5, 6), scale=3.0).numpy().tolist() == [15, 18]
    assert f.trace_count == 1


def test_retrace_warning_names_a_leaf_of_a_nested_argument():
    f = am.function(lambda xs, opts: xs[0] * opts["scale"])
    calls = [([vec(1), am.zeros([n])], {"scale": 2.0}) for n in range(1, 7)]
    msgs = _traced_warnings(f, calls)
    assert len(msgs) == 1 and "xs[1]: shape (5,) -> (6,)" in msgs[0]
    calls = [([vec(1), am.zeros([1])], {"scale": float(k)}) for k in range(7)]
    g = am.function(lambda xs, opts: xs[0] * opts["scale"])
    msgs = _traced_warnings(g, calls)
    assert len(msgs) == 1 and "opts['scale']: 4.0 -> 5.0" in msgs[0]
