"""Graph files: exact round trips, running in a fresh process, and hostile input."""
import ast
import base64
import contextlib
import copy
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, strategies as st

import ambi as am
from ambi.errors import ArgumentError, LoadError
from ambi.interp import Compiled
from ambi.ir import deserialize, serialize
from ambi.ir.opdef import REGISTRY
from ambi.testing import strategies as ams

SPECIAL = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-45, 3.4e38, -1.5], np.float32)


def graph_of(fn, *args, optimize=0):
    return am.function(fn, optimize=optimize).get_concrete_function(*args).graph


def roundtrip(graph):
    return deserialize.loads(serialize.dumps(graph), variable=am.Variable)


def run(graph, *args):
    return Compiled(graph)(*[np.asarray(a) for a in args])


def assert_same_run(graph, *args):
    """The loaded graph prints the same listing and computes the same values."""
    loaded = roundtrip(graph)
    assert loaded.pretty() == graph.pretty()
    for a, b in zip(run(graph, *args), run(loaded, *args)):
        np.testing.assert_array_equal(a, b)
        assert np.asarray(a).dtype == np.asarray(b).dtype
    return loaded


def bits(a):
    a = np.asarray(a)
    return a.view(np.uint32 if a.dtype == np.float32 else np.uint64)


# -- round trips ----------------------------------------------------------------------
def test_arithmetic_round_trip_keeps_order_names_and_locations():
    x = am.constant([1.0, 2.0, 3.0])
    g = graph_of(lambda x, y: (x * y - 3.0) / 2.0 + x ** 2, x, x)
    loaded = assert_same_run(g, x, x)
    assert [loaded[n]["name"] for n in loaded.order()] == [g[n]["name"] for n in g.order()]
    assert [loaded[n]["locs"] for n in loaded.order()] == [g[n]["locs"] for n in g.order()]
    assert str(loaded[loaded.order()[-1]]["locs"][0]).startswith(__file__)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_special_floats_are_exact(dtype):
    value = SPECIAL.astype(dtype)
    g = graph_of(lambda x: x + am.constant(value), value)
    loaded = roundtrip(g)
    consts = [loaded[n]["params"]["value"] for n in loaded.order()
              if loaded[n]["op"].name == "const"]
    assert len(consts) == 1 and consts[0].dtype == dtype
    np.testing.assert_array_equal(bits(consts[0]), bits(value))
    np.testing.assert_array_equal(bits(run(loaded, value)[0]), bits(run(g, value)[0]))


def test_float_params_are_exact():
    g = graph_of(lambda: am.random.uniform([3], minval=-0.0, maxval=0.1, seed=7))
    loaded = assert_same_run(g)
    (node,) = [loaded[n] for n in loaded.order()]
    assert node["params"]["seed"] == 7 and node["params"]["maxval"] == 0.1
    assert np.signbit(node["params"]["minval"])


def test_int64_bool_and_scalar_consts():
    big = np.array([2 ** 62, -2 ** 63, 2 ** 63 - 1], np.int64)
    flags = np.array([[True, False], [False, True]])
    g = graph_of(lambda a, b: (a + am.constant(big), am.logical_not(b)), big, flags)
    assert_same_run(g, big, flags)
    scalar = np.float32(2.5)  # a numpy scalar (what constant folding can leave) survives
    op = REGISTRY["const"]
    g2 = am.ir.Graph("scalar")
    n = g2.add_node(op, [], {"value": scalar}, op.infer([], {"value": scalar}))
    g2.outputs = [(n, 0)]
    loaded = roundtrip(g2)
    value = loaded[loaded.order()[0]]["params"]["value"]
    assert isinstance(value, np.float32) and value == scalar


def test_dtype_and_tuple_params_come_back_as_the_same_values():
    x = np.arange(24, dtype=np.int32).reshape(2, 3, 4)

    def f(x):
        y = am.cast(am.transpose(x, (2, 0, 1)), am.float64)
        return am.reduce_sum(y, axis=(0, 2), keepdims=True), x[1:, None, ..., ::2], x[-1, 0]

    g = graph_of(f, x)
    loaded = assert_same_run(g, x)
    for a, b in zip(g.order(), loaded.order()):
        assert loaded[b]["params"].keys() == g[a]["params"].keys()
        for k, v in g[a]["params"].items():
            if not isinstance(v, np.ndarray):
                assert loaded[b]["params"][k] == v and type(loaded[b]["params"][k]) is type(v)
    index = [loaded[n]["params"]["index"] for n in loaded.order()
             if loaded[n]["op"].name == "strided_slice"]
    assert (("s", 1, None, None), None, "...", ("s", None, None, 2)) in index


def test_cond_and_while_with_captures():
    def f(x, n):
        scale = x * 3.0
        y = am.cond(am.reduce_sum(x) > 0, lambda: x * scale, lambda: x - scale)
        i, s = am.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s + y * scale),
                             [am.constant(0), am.zeros_like(x)])
        return s, i

    args = (np.array([1.0, -2.0, 4.0], np.float32), np.array(4, np.int32))
    g = graph_of(f, *args)
    loaded = assert_same_run(g, *args)
    assert [len(loaded.subgraphs(n)) for n in loaded.order()].count(2) == 2
    neg = (-args[0], args[1])
    np.testing.assert_array_equal(run(loaded, *neg)[0], run(g, *neg)[0])


def test_nested_control_flow_keeps_effect_chains(capsys):
    def f(x):
        def body(i, acc):
            am.print("step", i)
            return i + 1, am.cond(i > 1, lambda: acc * 2.0, lambda: acc + 1.0)
        return am.while_loop(lambda i, acc: i < 4, body, [am.constant(0), x])[1]

    x = np.array(1.0, np.float32)
    g = graph_of(f, x)
    run(g, x)
    want = capsys.readouterr().out
    loaded = assert_same_run(g, x)
    assert capsys.readouterr().out == want * 2 and want.count("step") == 4
    assert serialize.dumps(loaded) == serialize.dumps(g)


def test_print_order_and_seq_edges(capsys):
    def f(x):
        am.print("a", x)
        y = x + 1
        am.print("b", y)
        am.print("c")
        return y

    g = graph_of(f, np.array(5, np.int32))
    loaded = roundtrip(g)
    seq = lambda h: sorted((h[u]["name"], h[v]["name"]) for u, v, k in h.nx.edges(keys=True)
                           if k == "seq")  # noqa: E731
    assert seq(loaded) == seq(g) and len(seq(g)) == 2
    run(loaded, np.array(5, np.int32))
    assert capsys.readouterr().out == "a 5\nb 6\nc\n"


def test_variables_are_saved_by_value_and_loaded_fresh(tmp_path):
    v = am.Variable([1.0, 2.0], name="w")
    counter = am.Variable(0, name="counter")

    def f(x):
        counter.assign_add(1)
        v.assign(v * x)
        return v.read_value() + am.cast(counter.read_value(), am.float32)

    g = graph_of(f, np.array(3.0, np.float32))
    g.save(tmp_path / "f.json")
    doc = json.loads((tmp_path / "f.json").read_text())
    assert [var["name"] for var in doc["variables"]] == ["counter", "w"]
    loaded = am.load(tmp_path / "f.json")
    assert [w.name for w in loaded.variables] == ["counter", "w"]
    assert loaded.variables[1] is not v
    np.testing.assert_array_equal(loaded(np.array(3.0, np.float32)).numpy(), [4.0, 7.0])
    np.testing.assert_array_equal(loaded(np.array(2.0, np.float32)).numpy(), [8.0, 14.0])
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])  # the original is untouched
    assert int(counter.numpy()) == 0 and int(loaded.variables[0].numpy()) == 2


def test_graph_that_was_optimized_round_trips():
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    g = graph_of(lambda x: am.tanh(x @ am.transpose(x)) * (2.0 * 3.0) + 0.0, x, optimize=2)
    assert_same_run(g, x)


def test_save_refuses_params_without_a_json_form():
    op = REGISTRY["const"]
    g = am.ir.Graph("bad")
    g.add_node(op, [], {"value": object()}, ())
    with pytest.raises(ArgumentError, match="no JSON form"):
        serialize.dumps(g)


def run_captured(graph, arrays):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = Compiled(graph)(*arrays)
    return [np.asarray(v) for v in result], out.getvalue()


@given(program=ams.programs(allow_effects=True, allow_variables=True),
       level=st.sampled_from([0, 2]))
def test_random_programs_round_trip_exactly(program, level):
    """Random programs (control flow, prints, Variables): the loaded graph prints the same
    listing, output and values, and leaves its fresh Variables as the originals end."""
    fn = program.fn
    graph = am.function(fn, optimize=level).get_concrete_function(*program.inputs).graph
    loaded = roundtrip(graph)
    assert loaded.pretty() == graph.pretty(), repr(program)
    got, want = run_captured(loaded, program.inputs), run_captured(graph, program.inputs)
    assert got[1] == want[1], repr(program)
    by_name = {v.name: v for v in fn.variables}
    pairs = list(zip(got[0], want[0])) + [(v._value, by_name[v.name]._value)
                                          for v in loaded.variables]
    for a, b in pairs:
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape, repr(program)
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), repr(program)


# -- am.load -----------------------------------------------------------------------------
def test_load_runs_and_checks_arguments(tmp_path):
    x = am.constant([[1.0, 2.0]])
    graph_of(lambda a, b: (a + b, a * b), x, x).save(str(tmp_path / "g.json"))
    f = am.load(str(tmp_path / "g.json"))
    s, p = f(x, np.array([[3.0, 4.0]], np.float32))
    assert isinstance(s, am.Tensor) and s.numpy().tolist() == [[4.0, 6.0]]
    assert p.numpy().tolist() == [[3.0, 8.0]]
    assert f(x, [[1, 1]])[0].dtype is am.float32  # Python literals adopt the input dtype
    assert "float32[1, 2]" in repr(f) and f.graph.name == "<lambda>"
    with pytest.raises(ArgumentError, match="takes 2 argument"):
        f(x)
    with pytest.raises(ArgumentError, match="float32\\[1, 2\\], got float64\\[1, 2\\]"):
        f(x, np.ones((1, 2)))
    with pytest.raises(ArgumentError, match="got float32\\[2\\]"):
        f(x, am.constant([1.0, 2.0]))
    with pytest.raises(ArgumentError, match="argument 'b' of <lambda> must be float32"):
        f(x, [[1.0], [2.0, 3.0]])


def test_single_output_gives_a_tensor(tmp_path):
    graph_of(lambda a: a * 2, np.array(4, np.int64)).save(tmp_path / "g.json")
    out = am.load(tmp_path / "g.json")(np.array(4, np.int64))
    assert out.dtype is am.int64 and int(out) == 8


def test_saved_graph_runs_in_a_new_process_without_its_source(tmp_path):
    src = tmp_path / "model.py"
    src.write_text(
        "import ambi as am, numpy as np\n"
        "def f(x):\n"
        "    am.print('in', x)\n"
        "    return am.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * 2.0),\n"
        "                         [am.constant(0), am.exp(x) - 1.0])[1]\n"
        "am.function(f).get_concrete_function(np.zeros(2, np.float32)).graph.save("
        f"{str(tmp_path / 'f.json')!r})\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    subprocess.run([sys.executable, str(src)], check=True, env=env, cwd=tmp_path)
    src.unlink()
    code = ("import ambi as am; f = am.load('f.json'); "
            "print(f([0.0, 1.0]).numpy().tolist())")
    out = subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=tmp_path,
                         capture_output=True, text=True).stdout
    first, second = out.splitlines()
    assert first == "in [0. 1.]"
    want = (np.exp(np.float32([0.0, 1.0])) - np.float32(1.0)) * np.float32(8.0)
    np.testing.assert_allclose(ast.literal_eval(second), want, rtol=1e-6)


# -- errors ----------------------------------------------------------------------------------
def base_doc():
    def f(x, n):
        y = am.cond(x[0] > 0, lambda: x * 2.0, lambda: -x)
        am.print("y", y)
        i = am.while_loop(lambda i: i < n, lambda i: i + 1, [am.constant(0)])[0]
        am.print("done")
        return i, y

    return serialize.to_json(graph_of(f, np.ones(3, np.float32), np.array(2, np.int32)))


def nodes(doc):
    return doc["graph"]["nodes"]


def find(doc, op):
    return next(i for i, n in enumerate(nodes(doc)) if n["op"] == op)


def edit_cases():
    def set_(path, value):
        def edit(doc):
            *parents, last = path(doc)
            target = doc
            for p in parents:
                target = target[p]
            target[last] = value
        return edit

    def delete(path):
        def edit(doc):
            *parents, last = path(doc)
            target = doc
            for p in parents:
                target = target[p]
            del target[last]
        return edit

    def unchain(doc):
        next(n for n in nodes(doc) if n["after"])["after"] = []

    def cycle(doc):
        i = find(doc, "strided_slice")
        nodes(doc)[0]["operands"] = [[i, 0]]

    node = lambda op, *rest: lambda d: ["graph", "nodes", find(d, op), *rest]  # noqa: E731
    return {
        "format": (set_(lambda d: ["format"], "onnx"), "not an ambi graph file"),
        "version": (set_(lambda d: ["version"], 4), "version 4"),
        "missing graph": (delete(lambda d: ["graph"]), "missing key 'graph'"),
        "missing types": (delete(node("greater", "types")), "missing key 'types'"),
        "unknown op": (set_(node("greater", "op"), "launch_missiles"), "unknown op"),
        "composite op": (set_(node("greater", "op"), "softmax"), "composite"),
        "op swapped": (set_(node("greater", "op"), "add"), "types"),
        "edge to nowhere": (set_(node("greater", "operands", 0), [999, 0]), "refers to node"),
        "bad output index": (set_(node("greater", "operands", 0), [0, 5]), "output 5"),
        "cycle": (cycle, "cycle"),
        "arity": (set_(node("greater", "operands"), [[0, 0]]), "takes 2 operand"),
        "bad dtype": (set_(node("greater", "types", 0, "dtype"), "float16"), "unknown dtype"),
        "type mismatch": (set_(node("greater", "types", 0, "dtype"), "int32"), "records"),
        "data length": (set_(node("const", "params", "value", "array", "data"), []),
                        "has 0 values"),
        "huge shape": (set_(node("const", "params", "value", "array", "shape"), [10 ** 9] * 3),
                       "more than"),
        "negative dim": (set_(node("const", "params", "value", "array", "shape"), [-1]),
                         ">= 0"),
        "bad float": (set_(node("const", "params", "value", "array", "data", 0), "0xZZ"),
                      "hex form"),
        "int overflow": (set_(node("while", "params", "body_graph", "graph", "nodes", 1,
                                   "params", "value", "array", "data", 0), 2 ** 40), "fit"),
        "bad tag": (set_(node("const", "params", "value"), {"pickle": "..."}), "exactly one"),
        "bad subgraph": (set_(node("cond", "params", "true_graph"), 3), "must be a graph"),
        "branch inputs": (set_(node("cond", "params", "n_true"), 0), "takes"),
        "inputs": (set_(lambda d: ["graph", "inputs"], [0]), "every arg node"),
        "template": (set_(node("print", "params", "template"), [None, None]), "template"),
        "effect chain": (unchain, "effect chain"),
        "loc": (set_(node("greater", "locs", 0), ["f.py", "one", 1]), "integer"),
        "bad variable ref": (set_(node("const", "params", "value"), {"variable": 3}),
                             "in \\[0, 0\\)"),
        "unknown param": (set_(node("greater", "params", "evil"), 1), "unexpected key"),
    }


@pytest.mark.parametrize("case", sorted(edit_cases()))
def test_malformed_files_raise_load_error_saying_what_and_where(case, tmp_path):
    edit, message = edit_cases()[case]
    doc = base_doc()
    # the unedited file loads
    deserialize.from_json(json.loads(json.dumps(doc)), variable=am.Variable)
    edit(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(LoadError, match=message) as info:
        am.load(path)
    assert str(path) in info.value.message


@pytest.mark.parametrize("text", [b"", b"{", b"\xff\xfe\x00garbage", b"[" * 100000,
                                  b"1" * 5000, b"null", b'{"format": "ambi-graph"}'])
def test_non_graph_text_raises_load_error(text, tmp_path):
    path = tmp_path / "bad.json"
    path.write_bytes(text)
    with pytest.raises(LoadError):
        am.load(path)


def test_missing_file_raises_load_error(tmp_path):
    with pytest.raises(LoadError, match="cannot read"):
        am.load(tmp_path / "nope.json")


def nested_cond(depth):
    def f(x):
        def level(k):
            if k == 0:
                return x + 1.0
            return am.cond(x > 0, lambda: level(k - 1), lambda: x)
        return level(depth)
    return graph_of(f, np.array(1.0, np.float32))


def test_subgraph_nesting_is_bounded():
    assert run(roundtrip(nested_cond(10)), np.array(1.0, np.float32))[0] == 2.0
    text = serialize.dumps(nested_cond(serialize.MAX_DEPTH + 2))
    with pytest.raises(LoadError, match="nested more than"):
        deserialize.loads(text, variable=am.Variable)


@pytest.mark.parametrize("depth", [100, 5000])
def test_deeply_nested_param_values_are_refused(depth):
    doc = base_doc()
    nodes(doc)[find(doc, "strided_slice")]["params"]["index"] = "DEEP"
    text = json.dumps(doc).replace('"DEEP"', "[" * depth + "0" + "]" * depth)
    with pytest.raises(LoadError, match="nested"):
        deserialize.loads(text, variable=am.Variable)


# -- hostile files, generated --------------------------------------------------------------
def _docs():
    v = am.Variable(np.arange(4, dtype=np.int64), name="v")

    def with_variable(x):
        v.assign_add(am.cast(x, am.int64))
        return v.read_value()[1:3]

    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    return [json.dumps(doc) for doc in (
        base_doc(),
        serialize.to_json(graph_of(with_variable, np.ones(4, np.int32))),
        serialize.to_json(graph_of(lambda x: am.reduce_max(am.cast(x[::-1, None], am.float64),
                                                           axis=(0, 1)), x)),
        serialize.to_json(nested_cond(3)),
        serialize.to_json(graph_of(lambda: am.random.normal([2], seed=3) + SPECIAL[:2])),
    )]


DOCS = []


def docs():
    if not DOCS:
        DOCS.extend(_docs())
    return DOCS


def paths(x, prefix=()):
    yield prefix
    items = x.items() if isinstance(x, dict) else enumerate(x) if isinstance(x, list) else ()
    for k, v in items:
        yield from paths(v, prefix + (k,))


def json_values():
    leaves = (st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70) | st.floats()
              | st.text(max_size=6) | st.sampled_from(sorted(REGISTRY)))
    return st.recursive(leaves, lambda c: st.lists(c, max_size=3)
                        | st.dictionaries(st.text(max_size=5), c, max_size=3), max_leaves=8)


HUGE = [[10 ** 12] * 3, [2 ** 63], [-1], [1] * 100, [0, 10 ** 30], [2 ** 31, 2 ** 31], "3"]


def mutate(draw, doc):
    """One random edit somewhere in the document: the kinds a broken or hostile file has."""
    where = draw(st.sampled_from(list(paths(doc))))
    kind = draw(st.sampled_from(["delete", "replace", "retype", "op", "huge", "nest", "swap"]))
    targets = [p for p in paths(doc) if p and p[-1] == {"op": "op", "huge": "shape"}.get(kind)]
    if targets:  # an op name or a shape, if the document still has one
        where = draw(st.sampled_from(targets))
        new = copy.deepcopy(draw(st.sampled_from(sorted(REGISTRY) if kind == "op" else HUGE)))
    elif kind in ("op", "huge"):
        kind = "replace"
    if not where:
        return draw(json_values())
    parent = doc
    for k in where[:-1]:
        parent = parent[k]
    old = parent[where[-1]]
    if kind == "delete":
        del parent[where[-1]]
        return doc
    if kind == "replace":
        new = draw(json_values())
    elif kind == "retype":
        new = draw(st.sampled_from([str(old), [old], {"v": old}, None, True, 1.5, -1, {}]))
    elif kind == "nest":
        new = old
        for _ in range(draw(st.integers(1, 200))):
            new = draw(st.sampled_from([[new], {"graph": new}, {"array": new}]))
    elif kind == "swap" and isinstance(old, list) and len(old) > 1:
        i, j = draw(st.integers(0, len(old) - 1)), draw(st.integers(0, len(old) - 1))
        old[i], old[j] = old[j], old[i]
        new = old
    elif kind == "swap":
        new = old
    parent[where[-1]] = new
    return doc


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("mutated") / "graph.json"


def load_or_load_error(path, data):
    path.write_bytes(data)
    try:
        f = am.load(path)
    except LoadError:
        return None
    assert callable(f) and isinstance(f.graph, am.ir.Graph)
    return f


@given(st.data())
def test_mutated_files_load_or_raise_load_error(scratch, data):
    doc = json.loads(data.draw(st.sampled_from(docs())))
    for _ in range(data.draw(st.integers(1, 3))):
        doc = mutate(data.draw, doc)
    load_or_load_error(scratch, json.dumps(doc).encode())


@given(st.data())
def test_damaged_bytes_load_or_raise_load_error(scratch, data):
    text = bytearray(data.draw(st.sampled_from(docs())).encode())
    kind = data.draw(st.sampled_from(["truncate", "flip", "insert", "random"]))
    at = data.draw(st.integers(0, len(text) - 1))
    if kind == "truncate":
        text = text[:at]
    elif kind == "flip":
        text[at] = data.draw(st.integers(0, 255))
    elif kind == "insert":
        text[at:at] = data.draw(st.binary(min_size=1, max_size=8))
    else:
        text = bytearray(data.draw(st.binary(max_size=200)))
    load_or_load_error(scratch, bytes(text))


def test_swapping_every_op_name_loads_that_op_or_raises_load_error():
    caught = 0
    for i in range(len(nodes(json.loads(docs()[0])))):
        for name in sorted(REGISTRY):
            edited = json.loads(docs()[0])
            nodes(edited)[i]["op"] = name
            try:
                g = deserialize.from_json(edited, variable=am.Variable)
            except LoadError:
                caught += 1
                continue
            assert name in {g[n]["op"].name for n in g.nx}  # e.g. exp <-> log: still valid
    assert caught > 0.9 * len(nodes(json.loads(docs()[0]))) * (len(REGISTRY) - 1)


def _bytes_doc():
    """A graph with constants big enough to be stored as base64 bytes, one per dtype."""
    rng = np.random.default_rng(1)
    consts = [rng.normal(size=(9, 8)).astype(np.float32), np.arange(70, dtype=np.int64),
              rng.random(80) > 0.5]

    def f(x):
        return (am.matmul(x, am.constant(consts[0])), am.constant(consts[1]) + 1,
                am.logical_not(am.constant(consts[2])))

    return serialize.to_json(graph_of(f, np.ones((2, 9), np.float32))), consts


def _const_arrays(doc):
    """The constants' arrays by dtype, those of BYTES_MIN elements or more."""
    arrays = [n["params"]["value"]["array"] for n in nodes(doc) if n["op"] == "const"]
    return {a["dtype"]: a for a in arrays if np.prod(a["shape"]) >= serialize.BYTES_MIN}


def test_big_arrays_are_base64_bytes_and_version_1_lists_still_load(tmp_path):
    doc, consts = _bytes_doc()
    arrays = _const_arrays(doc).values()
    assert doc["version"] == 3 and len(arrays) == 3
    assert all("bytes" in a and "data" not in a for a in arrays)
    x = np.ones((2, 9), np.float32)
    path = tmp_path / "g.json"
    path.write_text(json.dumps(doc))
    want = [np.asarray(v) for v in am.load(path)(x)]
    for a in arrays:  # the same graph as version 1 wrote it: flat lists, floats as hex
        value = deserialize.jr.array(a, deserialize.jr.Where())
        a.pop("bytes")
        a["data"] = [float.hex(v) for v in value.ravel().tolist()] if value.dtype.kind == "f" \
            else value.ravel().tolist()
    doc["version"] = 1
    path.write_text(json.dumps(doc))
    for w, g in zip(want, am.load(path)(x)):
        np.testing.assert_array_equal(w, np.asarray(g))


@pytest.mark.parametrize("edit, message", [
    (lambda a: a.update(bytes="not base64!"), "is not base64"),
    (lambda a: a.update(bytes=a["bytes"][:-8]), "bytes, but shape"),
    (lambda a: a.update(data=[]), "exactly one of 'data' and 'bytes'"),
    (lambda a: a.pop("bytes"), "exactly one of 'data' and 'bytes'"),
])
def test_malformed_bytes_raise_load_error(edit, message, tmp_path):
    doc, _ = _bytes_doc()
    edit(_const_arrays(doc)["float32"])
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(LoadError, match=message):
        am.load(path)


def test_a_bool_byte_other_than_0_or_1_is_an_error(tmp_path):
    doc, _ = _bytes_doc()
    a = _const_arrays(doc)["bool"]
    a["bytes"] = base64.b64encode(bytes([2] * 80)).decode()
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(LoadError, match="a bool is a byte 0 or 1"):
        am.load(path)
