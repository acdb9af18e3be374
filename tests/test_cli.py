"""The `ambi` command: each subcommand's output and exit status (SPEC section 9)."""
import contextlib
import io
import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import ambi as am
from ambi.cli import main

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def cli(*argv):
    """(exit status, stdout, stderr) of ``ambi ARGV`` run in this process."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def test_run_hello():
    assert cli("run", EXAMPLES / "hello.ambi") == (0, "hello, ambi\n", "")


@pytest.mark.parametrize("flags", [["--mode", "graph"], ["--mode", "graph", "-O", "0"],
                                   ["--mode", "eager", "--device", "cpu"], ["-O", "1"]])
def test_run_modes_print_the_same(flags):
    code, out, _ = cli("run", EXAMPLES / "arith.ambi", *flags)
    assert (code, out) == (0, (EXAMPLES / "arith.out").read_text())


def test_console_script_and_python_dash_m():
    for cmd in (["ambi"], [sys.executable, "-m", "ambi"]):
        try:
            p = subprocess.run(cmd + ["run", str(EXAMPLES / "hello.ambi")], capture_output=True,
                               text=True, timeout=120)
        except FileNotFoundError:
            pytest.skip("the ambi console script is not on PATH")
        assert (p.returncode, p.stdout) == (0, "hello, ambi\n")


@pytest.mark.parametrize("argv", [[], ["run"], ["frobnicate"], ["run", "x.ambi", "--mode", "x"],
                                  ["run", "x.ambi", "-O", "7"]])
def test_usage_errors_exit_2(argv):
    code, _, err = cli(*argv)
    assert code == 2 and "usage:" in err


def test_missing_file_is_a_usage_error():
    code, _, err = cli("run", "no/such/file.ambi")
    assert code == 2 and err.startswith("error: cannot read no/such/file.ambi")


@pytest.mark.parametrize("command", ["run", "graph", "check", "exec", "devices"])
def test_help_for_each_command(command):
    code, out, _ = cli(command, "--help")
    assert code == 0 and out.startswith(f"usage: ambi {command}")


def test_devices_lists_each_device_with_its_verdict():
    from ambi.devices import opencl
    code, out, _ = cli("devices")
    lines = out.splitlines()
    assert lines[0].startswith("cpu: ")
    named = [ln.split(":", 2)[0] + ":" + ln.split(":", 2)[1] for ln in lines[1:]
             if ln.startswith("opencl:")]
    assert named == [d.name for d in opencl.found()]
    assert code == (0 if len(am.devices()) == 1 + len(named) else 1)
    for d in am.devices()[1:]:
        assert f"kernel parameters: {d.params}" in out


def test_graph_prints_the_whole_script(tmp_path):
    code, out, _ = cli("graph", EXAMPLES / "arith.ambi")
    assert code == 0 and out.startswith("graph script()")
    assert "print(" in out and "arith.ambi:3:1" in out


def test_graph_of_a_function_with_passes_dump_dot_and_json(tmp_path):
    dot, saved = tmp_path / "g.dot", tmp_path / "g.json"
    code, out, err = cli("graph", EXAMPLES / "fizzbuzz_graph.ambi", "--function", "fizzbuzz",
                         "--passes", "dce,cse", "--dump", "--dot", dot, "--json", saved)
    assert (code, err) == (0, "")
    assert "while(" in out and "fizzbuzz_graph.ambi:4:3" in out
    assert out.startswith("# fizzbuzz: as traced") and out.count("graph fizzbuzz(") >= 3
    assert dot.read_text().lstrip().startswith(("digraph", "strict digraph"))
    assert json.loads(saved.read_text())


def test_graph_unknown_pass_or_function_is_a_usage_error():
    code, _, err = cli("graph", EXAMPLES / "arith.ambi", "--passes", "nope")
    assert code == 2 and "unknown pass 'nope'" in err
    code, _, err = cli("graph", EXAMPLES / "fizzbuzz.ambi", "--function", "fizzbuzz")
    assert code == 2 and "is not a @graph fn" in err


def test_graph_pipeline_prunes_conds_on_constants():
    """fizzbuzz's loop is unrolled at trace time, so every `if` is on a constant: -O2 and
    `--passes fold,cse` leave the fifteen prints and no cond (1,973 lines before)."""
    for flags in (["-O", "2"], ["--passes", "fold,cse", "--dump"]):
        code, out, _ = cli("graph", EXAMPLES / "fizzbuzz.ambi", *flags)
        final = out[out.rindex("graph script()"):]
        assert code == 0 and "cond(" not in final and final.count("print(") == 16
    assert len(out.splitlines()) < 1000


def test_graph_pipeline_folds_constants():
    code, out, _ = cli("graph", EXAMPLES / "arith.ambi", "-O", "2")
    assert code == 0 and "matmul" not in out  # folded into a constant
    code, out, _ = cli("graph", EXAMPLES / "arith.ambi", "-O", "0")
    assert code == 0 and "matmul" in out


def test_check_prints_a_table_and_passes():
    code, out, _ = cli("check", EXAMPLES / "fizzbuzz_graph.ambi", "--devices", "cpu")
    lines = out.splitlines()
    assert code == 0, out
    assert lines[0].split() == ["mode", "device", "lines", "max", "diff", "result"]
    assert [line.split()[:2] for line in lines[1:]] == [["eager", "cpu"], ["graph0", "cpu"],
                                                        ["graph2", "cpu"]]


def test_check_reports_a_mismatch(tmp_path, monkeypatch):
    """A run whose output depends on the mode fails check."""
    from ambi.lang import checking
    real = checking.run_captured
    monkeypatch.setattr(checking, "run_captured", lambda text, f, mode, dev: (
        (lambda out, err: (out + mode + "\n", err))(*real(text, f, mode, dev))))
    script = tmp_path / "r.ambi"
    script.write_text("print(1)\n")
    code, out, _ = cli("check", script, "--devices", "cpu", "--modes", "eager", "graph0")
    assert code == 1 and "differs" in out


def test_check_restarts_unseeded_draws_per_row(tmp_path):
    script = tmp_path / "r.ambi"
    script.write_text("print(normal([3]))\n")
    code, out, _ = cli("check", script, "--devices", "cpu", "--modes", "eager", "graph0")
    assert code == 0, out


def test_check_compares_numbers_within_tolerance():
    from ambi.lang.checking import compare_output
    assert compare_output("x 1.0000001\n", "x 1.0\n")[1] is None
    assert compare_output("x 1.1\n", "x 1.0\n")[1] is not None
    assert compare_output("a\n", "b\n")[1] is not None
    assert compare_output("1\n2\n", "1\n")[1] is not None


def test_exec_runs_a_saved_graph(tmp_path):
    script = tmp_path / "f.ambi"
    script.write_text("@graph fn f(x, y) { print(\"sum\", sum(x)); return x * y + 1.0 }\n"
                      "print(f([1.0, 2.0], [3.0, 4.0]))\n")
    saved = tmp_path / "f.json"
    assert cli("graph", script, "--function", "f", "--json", saved)[0] == 0
    np.save(tmp_path / "x.npy", np.float32([1.0, 2.0]))
    np.save(tmp_path / "y.npy", np.float32([10.0, 20.0]))
    code, out, err = cli("exec", saved, "--input", f"x={tmp_path / 'x.npy'}",
                         "--input", f"y={tmp_path / 'y.npy'}")
    assert (code, out, err) == (0, "sum 3.0\n[11. 41.]\n", "")
    code, _, err = cli("exec", saved, "--input", f"x={tmp_path / 'x.npy'}")
    assert code == 2 and "missing --input y" in err
    code, _, err = cli("exec", saved, "--input", "x")
    assert code == 2 and "NAME=FILE.npy" in err


def test_runtime_error_exit_1_with_location(tmp_path):
    script = tmp_path / "bad.ambi"
    script.write_text("let a = [1.0]\nprint(a + [1])\n")
    code, out, err = cli("run", script)
    assert code == 1 and "Traceback" not in err
    assert err.splitlines()[0] == f"{script}:2:9: error: add: operands have different dtypes " \
        "float32 and int32; convert one with am.cast(x, am.float32)"
    assert err.splitlines()[2] == "        ^"


def test_output_before_an_error_is_kept(tmp_path):
    script = tmp_path / "half.ambi"
    script.write_text("print(1)\nprint(nope)\n")
    code, out, err = cli("run", script)
    assert (code, out) == (1, "1\n") and "unknown name `nope`" in err


def test_warnings_point_at_the_script(tmp_path):
    script = tmp_path / "w.ambi"
    script.write_text("@graph fn f(x) { return x * 2 }\n"
                      "for i in range(7) {\n  let y = f(zeros([i + 1]))\n}\n")
    code, out, err = cli("run", script)
    assert code == 0
    assert err.startswith(f"{script}:3:11: warning: f has been traced 6 times; x: shape")


@pytest.mark.parametrize("where", ["before", "after"])
def test_traceback_flag_before_or_after_the_command(tmp_path, where):
    script = tmp_path / "n.ambi"
    script.write_text("print(nope)\n")
    argv = ["--traceback", "run", script] if where == "before" else ["run", script, "--traceback"]
    code, _, err = cli(*argv)
    assert code == 1 and "Traceback (most recent call last)" in err
    assert "Traceback" not in cli("run", script)[2]
