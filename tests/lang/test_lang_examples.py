"""Every examples/*.ambi prints its golden file (examples/NAME.out) in every mode, and
the SPEC section 8 scripts print exactly the SPEC's text."""
import pathlib

import pytest

from ambi.lang.checking import run_captured

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.ambi"))
MODES = ["eager", "graph0", "graph2"]

SPEC_ARITH = "[34]\n[[4.]]\n[[ 2  6]\n [12 20]]\n"
SPEC_FIZZBUZZ = "".join(f"{x}\n" for x in [1, 2, "Fizz", 4, "Buzz", "Fizz", 7, 8, "Fizz",
                                            "Buzz", 11, "Fizz", 13, 14, "FizzBuzz", 15])


def run(path, mode):
    out, error = run_captured(path.read_text(), path.name, mode, None)
    assert error is None, error
    return out


def test_every_example_has_a_golden_file():
    assert SCRIPTS, "no examples found"
    for script in SCRIPTS:
        assert script.with_suffix(".out").exists(), f"{script.name} has no golden .out file"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_example_prints_its_golden_file(script, mode):
    assert run(script, mode) == script.with_suffix(".out").read_text()


@pytest.mark.parametrize("mode", MODES)
def test_spec_arithmetic_script(mode):
    assert run(EXAMPLES / "arith.ambi", mode) == SPEC_ARITH


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", ["fizzbuzz", "fizzbuzz_graph"])
def test_spec_fizzbuzz(name, mode):
    assert run(EXAMPLES / f"{name}.ambi", mode) == SPEC_FIZZBUZZ


def test_fizzbuzz_graph_holds_control_flow_nodes():
    """With @graph and a tensor argument, the loop and the ifs are structured nodes."""
    from ambi.lang.graphs import script_graph
    path = EXAMPLES / "fizzbuzz_graph.ambi"
    graph = script_graph(path.read_text(), path.name, function="fizzbuzz")
    ops = {graph[n]["op"].name for n in graph.order()}
    assert "while" in ops
    text = graph.pretty()
    assert "cond(" in text and "fizzbuzz_graph.ambi:5:" in text


def _other_devices():
    import ambi as am
    return [str(d) for d in am.devices() if str(d) != "cpu"]


@pytest.mark.parametrize("device", _other_devices() or
                         [pytest.param("none", marks=pytest.mark.skip("only cpu here"))])
@pytest.mark.parametrize("mode", ["eager", "graph2"])
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_example_on_every_device(script, mode, device):
    out, error = run_captured(script.read_text(), script.name, mode, device)
    assert error is None, error
    assert out == script.with_suffix(".out").read_text()
