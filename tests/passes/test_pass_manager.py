"""The pass manager: the table, running named passes, stats, verification and dumps."""
import io

import numpy as np
import pytest

import ambi as am
from ambi import config
from ambi.errors import ArgumentError, GraphError
from ambi.passes import PASSES, optimize, run
from ambi.passes.manager import MAX_ROUNDS, fixed_point, run_pass, size
from passes_helpers import canon, compute_nodes, trace

X = np.array([1.0, -2.0, 3.0], np.float32)


def repeated(x):
    return x * 1.0 + x * 1.0


def test_table_lists_every_pass_with_its_level():
    levels = {name: level for name, (_, level) in PASSES.items()}
    assert list(levels)[:4] == ["dce", "fold", "cse", "simplify"]
    assert all(levels[n] == 1 for n in ["dce", "fold", "cse", "simplify"])
    assert all(level == 2 for level in list(levels.values())[4:])  # device rewrites last
    assert all(callable(fn) for fn, _ in PASSES.values())


def test_run_named_passes_in_order_with_stats():
    g = trace(repeated, X)
    report = am.passes.run(g, ["cse", "simplify", "dce"])
    assert [r["pass"] for r in report] == ["cse", "simplify", "dce"]
    assert [r["changed"] for r in report] == [True, True, True]
    for r in report:
        assert set(r) >= {"pass", "nodes_before", "nodes_after", "seconds", "changed"}
        assert r["seconds"] >= 0
    assert report[0]["nodes_before"] == 6 and report[-1]["nodes_after"] == 2
    assert compute_nodes(g) == ["add"]


def test_unknown_pass_is_an_argument_error_naming_the_passes():
    with pytest.raises(ArgumentError, match="unknown pass 'nope'.*dce, fold, cse"):
        run(trace(repeated, X), ["nope"])


def test_level_zero_runs_nothing():
    g = trace(repeated, X)
    before = canon(g)
    assert optimize(g, 0) == []
    assert canon(g) == before


def test_level_one_repeats_until_nothing_changes():
    g = trace(repeated, X)
    report = optimize(g, 1)
    assert [r["pass"] for r in report[:4]] == ["dce", "fold", "cse", "simplify"]
    # the last len(PASSES) - 1 runs changed nothing: the fixed point
    assert not any(r["changed"] for r in report[-3:])
    assert report[-1]["round"] == 2


def test_level_two_is_level_one_plus_the_devices_rewrites_once():
    class Device:  # any device: its rewrites name level-2 passes
        rewrites = tuple(name for name, (_, level) in PASSES.items() if level == 2)

    g1, g2, g3 = trace(repeated, X), trace(repeated, X), trace(repeated, X)
    one, two = optimize(g1, 1), optimize(g2, 2, device=Device())
    assert [r["pass"] for r in two] == [r["pass"] for r in one] + list(Device.rewrites)
    # the cpu device asks only for fusing big chains (run block by block)
    assert [r["pass"] for r in optimize(g3, 2, device=am.devices()[0])] == \
        [r["pass"] for r in one] + ["fuse_large"]


def test_verifier_runs_after_every_pass_and_names_it(monkeypatch):
    def breaks_types(graph):
        n = next(n for n in graph.order() if graph[n]["op"] is am.multiply)
        graph[n]["types"] = (am.ir.TensorType((7,), am.float32),)
        return True
    monkeypatch.setattr(config, "CHECKS", True)
    with pytest.raises(GraphError, match="after pass 'bad'.*recorded types") as e:
        run_pass({"bad": (breaks_types, 1)}, trace(repeated, X), "bad")
    assert ">> multiply" in str(e.value)  # the listing marks the bad node


def test_verifier_is_skipped_when_checks_are_off(monkeypatch):
    monkeypatch.setattr(config, "CHECKS", False)
    record = run_pass({"noop": (lambda g: False, 1)}, trace(repeated, X), "noop")
    assert record["changed"] is False


def test_dump_prints_the_graph_after_each_pass(capsys):
    report = run(trace(repeated, X), ["cse", "simplify"], dump=True)
    out = capsys.readouterr().out
    assert out.count("--- after pass") == 2
    assert "multiply_1" not in report[0]["dump"] and "multiply" in report[0]["dump"]
    assert "multiply" not in report[1]["dump"]


def test_dump_to_a_file_object():
    buf = io.StringIO()
    run(trace(repeated, X), ["cse"], dump=buf)
    assert buf.getvalue().startswith("--- after pass cse")


def test_debug_levels_print_to_stderr(monkeypatch, capsys):
    monkeypatch.setattr(config, "DEBUG", 1)
    run(trace(repeated, X), ["cse"])
    err = capsys.readouterr().err
    assert "pass cse" in err and "graph repeated" not in err
    monkeypatch.setattr(config, "DEBUG", 3)
    run(trace(repeated, X), ["cse"])
    assert "graph repeated" in capsys.readouterr().err


def test_size_counts_subgraph_nodes():
    def f(x):
        return am.cond(am.reduce_sum(x) > 0.0, lambda: x + 1.0, lambda: x)
    g = trace(f, X)
    assert size(g) == len(g) + 3 + 1  # true: arg, const, add; false: arg


def test_concrete_function_stats_report_each_pass():
    f = am.function(repeated, optimize=1)
    stats = f.get_concrete_function(X).stats()
    assert stats[0]["pass"] == "dce" and stats[0]["nodes_before"] == 6
    assert stats[-1]["nodes_after"] == 2
    np.testing.assert_allclose(f(X).numpy(), X * 2)
    assert am.function(repeated, optimize=0).get_concrete_function(X).stats() == []


def test_the_fixed_point_loop_is_bounded():
    always = {"ping": (lambda g: True, 1), "pong": (lambda g: True, 1)}
    report = fixed_point(always, trace(repeated, X), ["ping", "pong"])
    assert len(report) == 2 * MAX_ROUNDS and report[-1]["round"] == MAX_ROUNDS


def test_the_fixed_point_loop_stops_once_every_pass_ran_after_the_last_change():
    calls = []

    def once(g):  # changes the graph on its first call only
        calls.append("once")
        return calls.count("once") == 1
    table = {"once": (once, 1), "a": (lambda g: False, 1), "b": (lambda g: False, 1)}
    report = fixed_point(table, trace(repeated, X), ["a", "once", "b"])
    assert [r["pass"] for r in report] == ["a", "once", "b", "a"]
