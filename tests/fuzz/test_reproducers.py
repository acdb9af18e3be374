"""Issue 12's reproducers, each a regression test: bad arguments, located errors, line
quoting, CLI usage mistakes and the same output in every mode. (Threads and graph
files have their own modules, test_threads.py and test_graph_files.py.)"""
import contextlib
import io
import subprocess
import sys

import numpy as np
import pytest

import ambi as am
from ambi.errors import AmbiError, ArgumentError, RunError, ShapeError
from ambi.lang import run_source
from ambi.cli import main
from ambi.lang.parser import MAX_NESTING, AmbiSyntaxError

X = am.ones([2, 3])


def cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def script(tmp_path, text, name="s.ambi"):
    path = tmp_path / name
    path.write_text(text)
    return path


def both_modes(fn):
    """The error (class, message) eagerly and in a graph; they must be the same."""
    got = []
    for run in (fn, lambda: am.function(fn)()):
        with pytest.raises(AmbiError) as info:
            run()
        got.append((type(info.value), info.value.message))
    assert got[0] == got[1]
    return got[0]


# -- the same bad argument, the same error, in every mode -----------------------------
BAD_ARGS = {
    "reduce axis=1.5": (lambda: am.reduce_sum(X, axis=1.5), "reduce_sum: argument 'axis'"),
    "squeeze axis=1.5": (lambda: am.squeeze(X, axis=1.5), "squeeze: argument 'axis'"),
    "axis=True": (lambda: am.reduce_max(X, axis=True), "reduce_max: argument 'axis'"),
    "keepdims='yes'": (lambda: am.reduce_sum(X, keepdims="yes"), "argument 'keepdims' must "
                       "be True or False"),
    "concat([])": (lambda: am.concat([]), "concat() needs a non-empty list"),
    "range step 0": (lambda: am.range(0, 10, 0), "argument 'delta' must not be zero"),
    "range 10**20": (lambda: am.range(0, 10 ** 20), "cannot allocate 100000000000000000000 "
                     "elements"),
    "eye(-1)": (lambda: am.eye(-1), "eye: argument 'num_rows' must be an int >= 0"),
    "normal(mean=None)": (lambda: am.random.normal([2], mean=None), "argument 'mean' must be "
                          "a real number"),
    "reshape None": (lambda: am.reshape(X, None), "reshape: argument 'shape'"),
    "broadcast_to None": (lambda: am.broadcast_to(X, None), "broadcast_to: argument 'shape'"),
    "conv2d strides None": (lambda: am.conv2d(am.ones([1, 3, 3, 1]), am.ones([1, 1, 1, 1]),
                                              strides=None), "conv2d: argument 'strides'"),
    "transpose float perm": (lambda: am.transpose(X, perm=(0.0, 1.0)), "transpose: argument "
                             "'perm' must be None or a list of ints"),
}


@pytest.mark.parametrize("case", sorted(BAD_ARGS))
def test_a_bad_argument_is_one_located_error_in_every_mode(case):
    fn, message = BAD_ARGS[case]
    cls, got = both_modes(fn)
    assert message in got and cls in (ArgumentError, RunError)
    with pytest.raises(AmbiError) as info:
        fn()
    assert info.value.loc is not None and info.value.loc.file == __file__


def test_a_numpy_int_axis_means_the_same_in_every_mode_and_device():
    def f():
        return am.reduce_sum(X, axis=np.int64(1))
    assert f().numpy().tolist() == am.function(f)().numpy().tolist() == [3.0, 3.0]
    for device in [d for d in am.devices() if str(d) != "cpu"]:
        with am.device(device):
            assert f().numpy().tolist() == am.function(f)().numpy().tolist() == [3.0, 3.0]


def test_a_python_int_too_large_to_print_is_a_dtype_error():
    with pytest.raises(am.errors.DTypeError, match="an int of about 5001 digits"):
        am.constant(10 ** 5000)


def test_an_impossible_allocation_is_a_located_error_in_every_mode():
    cls, message = both_modes(lambda: am.random.normal([2 ** 40], seed=1))
    assert cls is RunError and message.startswith(
        "random_normal: cannot allocate 1099511627776 elements for shape (1099511627776,)")


def test_lists_nested_too_deep_say_so():
    x = 1
    for _ in range(1000):
        x = [x]
    with pytest.raises(ShapeError, match="nested more than 64 deep"):
        am.constant(x)


def test_a_computed_shape_in_a_graph_says_why():
    f = am.function(lambda x, n: am.reshape(x, am.stack([n])))
    with pytest.raises(ArgumentError, match="computed inside the graph; shapes must be known"):
        f(am.ones([1]), am.constant(1))


# -- the language: located errors and limits -------------------------------------------
DEEP = {
    "5,000 nested ifs": "let x = 1\n" + "if true {\n" * 5000 + "print(x)\n" + "}\n" * 5000,
    "10,000 nested calls": "fn f(x) { return x }\nprint(" + "f(" * 10000 + "1" + ")" * 10000
                           + ")\n",
    "a 20,000-term sum": "print(" + " + ".join(["1"] * 20000) + ")\n",
    "30,000 unary minuses": "print(" + "-" * 30000 + "1)\n",
}


@pytest.mark.parametrize("case", sorted(DEEP))
def test_deep_nesting_is_a_located_error_naming_the_limit(case, tmp_path):
    path = script(tmp_path, DEEP[case])
    code, _, err = cli("run", path)
    assert code == 2 and f"more than {MAX_NESTING} levels" in err
    assert err.startswith(f"{path}:") and "recursion too deep" not in err


def test_nesting_just_under_the_limit_runs_in_every_mode():
    n = MAX_NESTING - 5
    for text, want in [("let x = 1\n" + "if true {\n" * n + "print(x)\n" + "}\n" * n, "1"),
                       ("print(" + " + ".join(["1"] * n) + ")\n", str(n))]:
        for mode in ("eager", "graph"):
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                run_source(text, mode=mode)
            assert out.getvalue() == want + "\n"


def test_a_huge_integer_literal_is_located(tmp_path):
    path = script(tmp_path, "print(" + "7" * 5000 + ")\n")
    code, _, err = cli("run", path)
    assert code == 2 and err.startswith(f"{path}:1:7: error: integer literal of 5000 digits")


def test_a_too_large_normal_in_graph_mode_is_located(tmp_path):
    path = script(tmp_path, "let x = normal([2**40], seed=1)\nprint(sum(x))\n")
    for mode in ("eager", "graph"):
        code, _, err = cli("run", "--mode", mode, path)
        assert code == 1 and err.startswith(f"{path}:1:9: error: random_normal: cannot "
                                            "allocate")


def test_range_with_step_zero_and_a_tuple_index_are_located(tmp_path):
    path = script(tmp_path, "print(range(0, 10, 0))\n")
    assert cli("run", path)[2].startswith(f"{path}:1:7: error: range: argument 'delta'")
    path = script(tmp_path, "fn f() { return 1, 2 }\nlet t = f()\nprint(t[5])\n")
    assert cli("run", path)[2].startswith(
        f"{path}:3:7: error: index 5 is out of range for a tuple of 2 values")


@pytest.mark.parametrize("sep", ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028",
                                 "\u2029"])
def test_the_quoted_line_is_the_line_the_lexer_counted(sep, tmp_path):
    path = script(tmp_path, f"let a = 1 # one{sep}two\nprint(a + nope)\n")
    code, _, err = cli("run", path)
    assert code == 1 and err.splitlines()[1:3] == ["print(a + nope)", "          ^"]
    with pytest.raises(AmbiSyntaxError) as info:
        run_source(f"# one{sep}two\nprint(1 +)\n")
    assert info.value.loc.text == "print(1 +)"


# -- the command line --------------------------------------------------------------------
def test_cli_usage_mistakes_exit_2(tmp_path):
    path = script(tmp_path, 'print("hi")\n')
    cases = [("graph", path, "--dot", tmp_path / "missing" / "g.dot"),
             ("graph", path, "--json", tmp_path), ("check", path, "--modes", ""),
             ("check", path, "--devices", ","), ("run", "/dev/zero")]
    for argv in cases:
        code, _, err = cli(*argv)
        assert code == 2 and err.startswith("error: ") and "internal" not in err, argv


# -- the same output in every mode ---------------------------------------------------------
def test_shapes_from_a_known_loop_variable_work_in_graphs(tmp_path):
    path = script(tmp_path, "for i in range(1, 3) { print(zeros([i])) }\n")
    for flags in ([], ["--mode", "graph"], ["--mode", "graph", "-O", "0"]):
        assert cli("run", *flags, path)[:2] == (0, "[0.]\n[0. 0.]\n")


def test_a_loop_that_never_ends_is_kept_at_every_level():
    text = 'print("before"); while true { }; print("after")\n'
    for level in (0, 1, 2):
        code = (f"from ambi.lang import run_source; run_source({text!r}, mode='graph', "
                f"optimize={level})")
        with pytest.raises(subprocess.TimeoutExpired) as info:
            subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=8,
                           env={"PYTHONPATH": ":".join(sys.path), "PYTHONUNBUFFERED": "1"})
        assert (info.value.stdout or b"").decode() == "before\n"
