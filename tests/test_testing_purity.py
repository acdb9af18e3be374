"""am.testing catches what users get wrong: impure functions (Python state changed per
call or at trace time), and it gives every mode the same random stream; `ambi check`
restarts unseeded random streams per row."""
import subprocess
import sys

import pytest

import ambi as am
from ambi.testing import assert_equivalent


def test_a_counter_in_python_state_is_impure():
    c = {"n": 0}

    def g(x):
        c["n"] += 1
        return x * c["n"]
    with pytest.raises(AssertionError) as info:
        assert_equivalent(g, am.constant([1, 2, 3]))
    text = str(info.value)
    assert "impure: eager on cpu gives a different result (output values)" in text
    assert "in output values" in text  # the mode-vs-reference problems name their kind


def test_python_side_effects_at_trace_time_are_impure():
    def f(x):
        print("tracing f")  # runs on every eager call, but only when a graph is traced
        return x + 1.0
    with pytest.raises(AssertionError, match=r"impure: graph0 on cpu .*\(printed output\)"):
        assert_equivalent(f, am.constant(1.0))


def test_a_pure_function_with_variables_passes():
    v = am.Variable([1.0, 2.0])

    def step(x):
        v.assign_add(x)
        return v.read_value() * 2.0
    assert_equivalent(step, am.constant([0.5, 0.5]))
    assert v.numpy().tolist() == [1.5, 2.5]  # left as the first run left it, once


def test_each_mode_gets_the_same_random_stream():
    assert_equivalent(lambda: am.random.normal([3]) + am.random.uniform([2, 1]))
    a = am.random.normal([2])
    runs = am.testing.run_all(lambda: am.random.normal([2]), modes=("eager", "graph0"))
    assert runs[("eager", "cpu")].outputs.tolist() == runs[("graph0", "cpu")].outputs.tolist()
    assert runs[("eager", "cpu")].outputs.tolist() != a.numpy().tolist()  # the stream moved


def test_the_diff_names_the_kind_of_difference():
    def prints_differently(x):
        am.print(x if am.executing_eagerly() else x + 1)
        return x
    with pytest.raises(AssertionError, match="differs from the reference .* in printed output"):
        assert_equivalent(prints_differently, am.constant(1))


def test_ambi_check_restarts_unseeded_random_streams_per_row(tmp_path):
    script = tmp_path / "draws.ambi"
    script.write_text("print(normal([3]))\nprint(uniform([2]))\n")
    out = subprocess.run([sys.executable, "-m", "ambi", "check", str(script), "--devices",
                          "cpu"], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.count(" ok") == 2
