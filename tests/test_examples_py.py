"""The Python examples in examples/ run as scripts and print exactly what they promise."""
import os
import pathlib
import re
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"

EXPECTED = {
    "arithmetic.py": "[34]\n[34]\n",
    "matmul.py": "[[4.]]\n[[4.]]\n[[14. 32.]\n [32. 77.]]\n",
    "broadcasting.py": "[[ 2  6]\n [12 20]]\n[[11 22]\n [13 24]]\n[[10 20]\n [20 40]]\n",
}


def run_example(name):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", AMBI_DEBUG="0")
    proc = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_prints_expected_text(name):
    assert run_example(name) == EXPECTED[name]


def test_traced_function_example_prints_results_and_graph():
    lines = run_example("traced_function.py").splitlines()
    # The Python print inside f runs once, at trace time; the graph runs on both calls.
    assert lines[:4] == [
        'tracing f for ambi.Tensor("x:0", shape=(5,), dtype=float32)',
        "[ 1.  4.  9. 16. 25.]",
        "[ 1.  4.  9. 16. 25.]",
        "traces: 1",
    ]
    graph = lines[4:]
    assert graph[0] == "graph f(x: float32[5]):"
    # The passes may rewrite x ** 2 (to x * x, say), so the ops are not pinned down; the
    # listing is: nodes that read x:0, one a line, then the returned node.
    body, ret = graph[1:-1], graph[-1].split()
    assert ret[0] == "return" and len(ret) == 2, graph[-1]
    defined = [line.split(" = ")[0].strip() for line in body]
    assert ret[1] in defined, graph
    assert any("x:0" in line.split(" = ", 1)[1] for line in body), body
    # Every node names the user's line that made it: `return x ** 2`, line 12.
    for line in body:
        assert re.search(r": float32\[\d*\]  # \S*traced_function\.py:12:\d+$", line), line
