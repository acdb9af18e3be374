"""`ambi bench` and `am.bench.break_even` (issue 15): the report, its JSON and plot."""
import contextlib
import io
import json
import math
import sys

import pytest

import ambi as am
from ambi.bench.measure import break_even_calls
from ambi.cli import main

ROW_NUMBERS = ("eager_s", "graph_s", "first_s", "ratio")


def cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def _mpl_config(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))


def test_quick_writes_json_with_every_workload(tmp_path):
    out = tmp_path / "out.json"
    code, text, err = cli("bench", "--quick", "--tiny", "--json", out)
    assert code == 0, err
    report = json.loads(out.read_text())
    assert report["schema"] == "ambi-bench/1" and report["budget"] == "tiny"
    assert {"cpu", "cores", "python", "cpu_threads"} <= set(report["machine"])
    assert report["devices"][0]["name"] == "cpu"
    assert report["versions"]["numpy"]
    workloads = {r["workload"].split(",")[0].split(" ")[0] for r in report["rows"]}
    assert workloads == {"x**2", "dummy", "10-op", "matmul", "digits"}
    for row in report["rows"]:
        assert row["error"] is None and row["device"] == "cpu"
        assert all(row[k] > 0 and math.isfinite(row[k]) for k in ROW_NUMBERS)
        assert row["break_even"] is None or row["break_even"] >= 1
        assert row["tier_calls"] == am.config.COMPILE_AFTER and row["compile_s"] > 0
        assert row["break_even"] == break_even_calls(
            row["first_s"], row["graph_s"], row["eager_s"], row["early_s"],
            row["tier_calls"], row["compile_s"])
    assert "break-even" in text and "10-op chain" in text


def test_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib", reason="--plot needs the optional extra ambi[plot]")
    png = tmp_path / "out.png"
    code, _, err = cli("bench", "--tiny", "--workloads", "square", "chain", "--plot", png)
    assert code == 0, err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_draws_a_graph_that_never_catches_up(tmp_path):
    pytest.importorskip("matplotlib", reason="--plot needs the optional extra ambi[plot]")
    from ambi.bench import plot
    from ambi.bench.measure import BreakEven
    from ambi.bench.suite import Row
    slower = BreakEven("w", "cpu", eager_s=1e-6, graph_s=2e-6, first_s=1e-3)
    assert slower.calls is None
    png = tmp_path / "never.png"
    plot.plot([Row("w", "cpu", 5, slower)], png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_without_matplotlib_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    code, out, err = cli("bench", "--tiny", "--plot", tmp_path / "out.png")
    assert code == 2 and out == ""
    assert "pip install ambi[plot]" in err
    assert not (tmp_path / "out.png").exists()


def test_unknown_device_is_refused_before_measuring():
    code, out, err = cli("bench", "--tiny", "--devices", "tpu:0")
    assert code != 0 and out == "" and "no device named 'tpu:0'" in err


def test_bench_a_script_s_graph_functions(tmp_path):
    script = tmp_path / "s.ambi"
    script.write_text("@graph fn f(x) { return x * 2.0 + 1.0 }\nprint(f([1.0, 2.0]))\n")
    code, out, err = cli("bench", script, "--tiny")
    assert code == 0, err
    assert "@graph f" in out and "[3. 5.]" not in out  # the script's own print is hidden


def test_bench_a_script_without_graph_functions(tmp_path):
    script = tmp_path / "s.ambi"
    script.write_text("print(1)\n")
    code, _, err = cli("bench", script, "--tiny")
    assert code == 2 and "calls no @graph fn" in err


def test_break_even_formula():
    # N calls: eager N*e; graph first + (N-1)*g
    assert break_even_calls(first=10.0, graph=1.0, eager=2.0) == 9
    assert break_even_calls(first=1.0, graph=1.0, eager=2.0) == 1
    assert break_even_calls(first=10.0, graph=2.0, eager=2.0) is None
    assert break_even_calls(first=10.5, graph=1.0, eager=2.0) == 10
    n = break_even_calls(first=7.3, graph=0.3, eager=1.1)
    assert 7.3 + (n - 1) * 0.3 <= n * 1.1 and not 7.3 + (n - 2) * 0.3 <= (n - 1) * 1.1


def test_break_even_with_two_tiers():
    # calls 2..10 at 0.5, call 11 compiles (+3.0), later calls 0.3; eager 1.0
    cost = {n: 4.0 + (min(n, 10) - 1) * 0.5 + (n > 10) * (3.0 + (n - 10) * 0.3)
            for n in range(1, 60)}
    ahead = [n for n in cost if all(cost[m] <= m * 1.0 for m in cost if m >= n)]
    assert break_even_calls(4.0, 0.3, 1.0, early=0.5, tier_calls=10, compile_s=3.0) \
        == ahead[0] == 13  # ahead at 8-10, behind again after compiling, ahead from 13
    assert break_even_calls(40.0, 0.3, 1.0, early=0.5, tier_calls=10, compile_s=3.0) \
        == math.ceil((40.0 + 9 * 0.5 + 3.0 - 10 * 0.3) / 0.7)
    assert break_even_calls(4.0, 0.3, 1.0, early=2.0, tier_calls=10, compile_s=3.0) \
        == math.ceil((4.0 + 9 * 2.0 + 3.0 - 10 * 0.3) / 0.7)


def test_break_even_of_a_user_function():
    x = am.constant([1.0, 2.0, 3.0])
    r = am.bench.break_even(lambda t: am.sin(t) * t, x, repeat=1, min_time=1e-3,
                            first_repeat=1)
    assert r.device == "cpu" and r.first_s > 0 and r.eager_s > 0 and r.graph_s > 0
    eager, graph = r.cumulative(3)
    assert eager == pytest.approx(3 * r.eager_s) and graph == pytest.approx(
        r.first_s + 2 * r.early_s)  # calls 2 and 3 run the first tier
    assert "on cpu" in str(r)
