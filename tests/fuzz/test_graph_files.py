"""Hostile graph files: every malformed field is a LoadError naming it, a graph never
makes ambi open a file it names, and what loads stays within the allocation budget.

The fuzz test mutates real graph files (every field: names, locs, params, types,
arrays, subgraphs): 100 files by default, 2,500 under CI (tests/fuzz/conftest.py).
"""
import builtins
import contextlib
import copy
import io
import json
import linecache
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import ambi as am
from ambi.errors import LoadError, RunError
from ambi.ir import deserialize, serialize
from ambi.cli import main

from .conftest import budget

SECRET = "SECRET_TOKEN=hunter2"


def _graph_doc(fn, *args):
    return serialize.to_json(am.function(fn, optimize=0).get_concrete_function(*args).graph)


def _control(x, n):
    y = am.cond(x[0] > 0, lambda: x * 2.0, lambda: -x)
    am.print("y", y)
    i = am.while_loop(lambda i: i < n, lambda i: i + 1, [am.constant(0)])[0]
    return i, am.reduce_sum(y, axis=0, keepdims=True)


def _shapes(x, idx):
    v = am.Variable([1.0, 2.0], name="v")
    g = am.gather(am.reshape(x * 3.0, [3, 2]), idx, axis=0)
    v.assign_add(am.transpose(g)[0])
    return am.concat([g, am.random.normal([1, 2], seed=3)], axis=0), am.cast(idx, am.int64)


def base_docs():
    return [_graph_doc(_control, np.ones(3, np.float32), np.array(2, np.int32)),
            _graph_doc(_shapes, np.ones(6, np.float32), np.array([0, 2], np.int32))]


DOCS = base_docs()


class FileRead(BaseException):
    """Raised by the patched file functions: the loader must never get here."""


@contextlib.contextmanager
def no_file_reads():
    saved = (builtins.open, io.open, os.open, linecache.getline, linecache.updatecache)
    linecache.getline(__file__, 1)  # errors quote this test's own lines: cached, not read

    def refuse(*a, **k):
        raise FileRead(a[:1])

    def getline(file, *a, **k):
        return saved[3](file, *a, **k) if file == __file__ else refuse(file)
    builtins.open = io.open = os.open = linecache.updatecache = refuse
    linecache.getline = getline
    try:
        yield
    finally:
        builtins.open, io.open, os.open, linecache.getline, linecache.updatecache = saved


def _total(graph):
    """Elements of every value the graph's nodes make, subgraphs included."""
    total = 0
    for n in graph.nx:
        node = graph[n]
        total += sum(int(np.prod(t.shape)) for t in node["types"])
        total += sum(_total(g) for g in node["op"].subgraph_values(node["params"]))
    return total


# -- the reproducers of issue 12 --------------------------------------------------------
def _gather_file(tmp_path, loc):
    doc = _graph_doc(lambda x, i: am.gather(x, i), np.ones(3, np.float32),
                     np.array([0], np.int32))
    node = next(n for n in doc["graph"]["nodes"] if n["op"] == "gather")
    node["locs"] = [loc]
    path = tmp_path / "g.json"
    path.write_text(json.dumps(doc))
    return path


def test_a_location_naming_a_local_file_never_reads_it(tmp_path):
    secret = tmp_path / "environ"
    secret.write_text(SECRET + "\n")
    f = am.load(_gather_file(tmp_path, [str(secret), 1, 1]))
    with pytest.raises(RunError) as info:
        f(np.ones(3, np.float32), np.array([7], np.int32))
    assert SECRET not in str(info.value) and str(secret) in str(info.value)
    path = _gather_file(tmp_path, ["/proc/self/environ", 1, 1])
    np.save(tmp_path / "x.npy", np.ones(3, np.float32))
    np.save(tmp_path / "i.npy", np.array([7], np.int32))
    code, out, err = _cli("exec", path, "--input", f"x={tmp_path / 'x.npy'}",
                          "--input", f"i={tmp_path / 'i.npy'}")
    assert code == 1 and "gather" in err and "PATH=" not in err and "HOME=" not in err


def test_a_saved_graph_quotes_the_users_line_from_the_file_itself(tmp_path):
    f = am.load(_gather_file(tmp_path, ["model.py", 3, 5, "y = am.gather(x, i)"]))
    with pytest.raises(RunError) as info:
        f(np.ones(3, np.float32), np.array([7], np.int32))
    assert str(info.value).splitlines()[1:] == ["y = am.gather(x, i)", "    ^"]


def test_saving_stores_each_locations_source_line(tmp_path):
    doc = _graph_doc(lambda x: x * 2.0, np.ones(2, np.float32))
    loc = next(n for n in doc["graph"]["nodes"] if n["op"] == "multiply")["locs"][0]
    assert loc[1:] and loc[3] == "    doc = _graph_doc(lambda x: x * 2.0, np.ones(2, np.float32))"


def _cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def _edited(edit):
    doc = copy.deepcopy(DOCS[1])
    edit(doc)
    return doc


def _node(doc, op):
    return next(n for n in doc["graph"]["nodes"] if n["op"] == op)


HOSTILE = {
    "nul in the graph name": (lambda d: d["graph"].update(name="g\x00"), "graph.name"),
    "const value an object": (lambda d: _node(d, "const")["params"].update(
        value={"dtype": "float32"}), "params.value"),
    "arg name an int": (lambda d: _node(d, "arg")["params"].update(name=5), "params.name"),
    "huge random_normal": (lambda d: _node(d, "random_normal").update(
        types=[{"shape": [2 ** 30], "dtype": "float32"}]) or _node(d, "random_normal")[
        "params"].update(shape=[2 ** 30]), "per tensor"),
    "a loc with a newline": (lambda d: _node(d, "gather")["locs"].append(["f", 1, 1, "a\nb"]),
                             "locs"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_fields_are_load_errors_naming_the_field(case):
    edit, where = HOSTILE[case]
    with pytest.raises(LoadError, match=where.replace(".", r"\.")):
        deserialize.from_json(_edited(edit), variable=am.Variable)


def test_the_budget_is_an_argument_and_a_cli_flag(tmp_path):
    path = tmp_path / "g.json"
    path.write_text(json.dumps(DOCS[1]))
    with pytest.raises(LoadError, match="budget of 4 per tensor"):
        am.load(path, budget=am.Budget(tensor_elements=4))
    with pytest.raises(LoadError, match="budget of 10 "):
        am.load(path, budget=am.Budget(total_elements=10))
    with pytest.raises(LoadError, match="more than the limit of 100"):
        am.load(path, budget=am.Budget(file_bytes=100))
    code, _, err = _cli("exec", path, "--max-elements", "4")
    assert code == 1 and "budget of 4 per tensor" in err
    code, _, err = _cli("exec", path, "--max-elements", "-3")
    assert code == 2


@pytest.mark.parametrize("command", ["run", "exec"])
def test_non_regular_files_are_refused(command, tmp_path):
    code, _, err = _cli(command, "/dev/zero")
    assert code in (1, 2) and "not a regular file" in err
    code, _, err = _cli(command, tmp_path)
    assert code in (1, 2) and "not a regular file" in err or "Is a directory" in err


def test_an_input_file_that_is_not_an_array_is_a_usage_error(tmp_path):
    path = tmp_path / "g.json"
    path.write_text(json.dumps(DOCS[1]))
    code, _, err = _cli("exec", path, "--input", "x=/dev/null", "--input", "idx=/dev/null")
    assert code == 2 and "not a regular file" in err
    (tmp_path / "empty.npy").write_bytes(b"")
    code, _, err = _cli("exec", path, "--input", f"x={tmp_path / 'empty.npy'}",
                        "--input", f"idx={tmp_path / 'empty.npy'}")
    assert code == 2 and "cannot read" in err
    np.save(tmp_path / "big.npy", np.ones(7, np.float32))
    code, _, err = _cli("exec", path, "--input", f"x={tmp_path / 'big.npy'}",
                        "--input", f"idx={tmp_path / 'big.npy'}")
    assert code == 2 and "shape (7,)" in err


# -- the fuzzer -------------------------------------------------------------------------
def _paths(obj, prefix=()):
    """Every place in a JSON document: (path to a container, key or index)."""
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(
        obj, list) else ()
    for k, v in items:
        yield prefix, k
        yield from _paths(v, prefix + (k,))


PATHS = [list(_paths(d)) for d in DOCS]
scalars = (st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70)
           | st.sampled_from([0, 1, -1, 2 ** 31, 2 ** 63, 3, 64])
           | st.floats(allow_nan=False) | st.text(max_size=8)
           | st.sampled_from(["/etc/passwd", "/proc/self/environ", "g\x00", "float32", "int64",
                              "bool", "...", "s", "SAME", "0x1p+0", "arg", "const", "while"]))
tags = st.sampled_from(["float", "dtype", "tensor_type", "array", "scalar", "variable",
                        "graph", "pickle"])
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(tags | st.text(max_size=5), inner, max_size=2),
                      max_leaves=8)


def _mutate(data):
    which = data.draw(st.integers(0, len(DOCS) - 1), label="doc")
    doc = copy.deepcopy(DOCS[which])
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        prefix, key = data.draw(st.sampled_from(PATHS[which]), label="where")
        try:
            parent = doc
            for k in prefix:
                parent = parent[k]
            action = data.draw(st.sampled_from(["set", "set", "set", "delete", "grow"]))
            if action == "delete":
                del parent[key]
            elif action == "grow" and isinstance(parent[key], list):
                parent[key].extend(copy.deepcopy(parent[key][:2]))
            else:
                parent[key] = data.draw(values, label="value")
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed this place
    return doc


@settings(max_examples=budget(100, 2500), suppress_health_check=list(HealthCheck),
          deadline=None)
@given(data=st.data())
def test_mutated_graph_files_give_only_load_errors_read_no_file_and_stay_in_budget(data):
    doc = _mutate(data)
    small = am.Budget(tensor_elements=10 ** 5, total_elements=10 ** 6)
    with no_file_reads():
        try:
            graph = deserialize.from_json(doc, small, am.Variable)
        except LoadError:
            return
    assert _total(graph) <= small.total_elements
