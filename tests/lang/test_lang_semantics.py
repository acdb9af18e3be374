"""What scripts mean: scopes, variables, functions as values, graph control flow, unroll
bound, grad; each checked in every mode."""
import pytest

import ambi as am
from ambi.lang import run_source
from ambi.lang.checking import run_captured
from ambi.lang.graphs import script_graph

MODES = ["eager", "graph0", "graph2"]


def out(text, mode="eager"):
    result, error = run_captured(text, "s.ambi", mode, None)
    assert error is None, error
    return result


def same_everywhere(text):
    outs = {m: out(text, m) for m in MODES}
    assert len(set(outs.values())) == 1, outs
    return outs["eager"]


def test_let_is_block_scoped_and_rebinding_reaches_out():
    text = "let x = 1\nif true { let x = 5; print(x) }\nprint(x)\n" \
           "if true { x = 7 }\nprint(x)"
    assert same_everywhere(text) == "5\n1\n7\n"


def test_name_bound_in_a_block_is_unknown_after_it():
    _, error = run_captured("if true { let y = 1 }\nprint(y)", "s.ambi", "eager", None)
    assert error.startswith("s.ambi:2:7: error: unknown name `y`")


def test_tuple_binding_and_multiple_returns():
    text = "fn two(x) { return x + 1, x * 2 }\nlet a, b = two([1, 2])\nprint(a, b)\n" \
           "let c, d = [[1, 2], [3, 4]]\nprint(d)\na, b = b, a\nprint(a)"
    assert same_everywhere(text) == "[2 3] [2 4]\n[3 4]\n[2 4]\n"


def test_functions_are_values():
    text = "fn twice(f, x) { return f(f(x)) }\nfn inc(v) { return v + 1 }\n" \
           "fn pick(k) { if k { return inc } else { return twice } }\n" \
           "print(twice(inc, [1.0]))\nlet g = pick(true)\nprint(g(1))"
    assert same_everywhere(text) == "[3.]\n2\n"


def test_closures_read_enclosing_names():
    text = "let scale = 3.0\nfn f(x) { return x * scale }\nprint(f([1.0, 2.0]))"
    assert same_everywhere(text) == "[3. 6.]\n"


def test_variables_assign_and_augmented_assign():
    text = "var w = [1.0, 2.0]\nw = w * 2\nw += [1.0, 1.0]\nw -= 0.5\nprint(w)\n" \
           "fn bump() { w += 1.0 }\nbump(); bump()\nprint(w)"
    assert same_everywhere(text) == "[2.5 4.5]\n[4.5 6.5]\n"


def test_augmented_assign_on_lets():
    assert same_everywhere("let x = [2, 3]\nx *= 2\nx -= 1\nx += 10\nprint(x)") == "[13 15]\n"


def test_graph_if_merges_rebound_names():
    text = "@graph fn f(x) {\n  let y = x\n  if sum(x) > 0.0 { y = x * 2.0 } elif sum(x) < -5.0 " \
           "{ y = -x } else { print(\"small\") }\n  return y\n}\nprint(f([1.0, 2.0]))\n" \
           "print(f([-1.0, -10.0]))\nprint(f([-1.0, 0.0]))"
    assert same_everywhere(text) == "[2. 4.]\n[ 1. 10.]\nsmall\n[-1.  0.]\n"


def test_graph_if_returning_in_both_branches():
    text = "@graph fn absval(x) {\n  if x < 0.0 { return -x } else { return x }\n}\n" \
           "print(absval(-2.5), absval(1.5))"
    assert same_everywhere(text) == "2.5 1.5\n"


def test_graph_while_carries_variables_and_prints_each_iteration():
    text = "@graph fn collatz(n) {\n  let steps = 0\n  while n != 1 {\n" \
           "    if n % 2 == 0 { n = n // 2 } else { n = 3 * n + 1 }\n    steps = steps + 1\n" \
           "  }\n  return steps\n}\nprint(collatz(6), collatz(27))"
    assert same_everywhere(text) == "8 111\n"


def test_for_with_tensor_bounds_and_step():
    text = "@graph fn f(n) {\n  let s = 0\n  for i in range(n, 0, -2) { s = s + i; print(i) }\n" \
           "  return s\n}\nprint(f(5))"
    assert same_everywhere(text) == "5\n3\n1\n9\n"


def test_for_loop_variable_is_an_integer_tensor_in_every_form():
    text = "for i in range(3) { print(i * [1, 1]) }"
    assert same_everywhere(text) == "[0 0]\n[1 1]\n[2 2]\n"


def graph_ops(text):
    graph = script_graph(text, "s.ambi")
    ops = []

    def walk(g):
        for n in g.order():
            op = g[n]["op"]
            ops.append(op.name)
            for sub in op.subgraph_values(g[n]["params"]):
                walk(sub)
    walk(graph)
    return ops


def test_known_loops_unroll_up_to_the_bound_then_become_while_nodes():
    small = f"for i in range({am.config.UNROLL_MAX}) {{ print(i) }}"
    big = f"for i in range({am.config.UNROLL_MAX + 1}) {{ print(i) }}"
    assert "while" not in graph_ops(small) and graph_ops(small).count("print") == 64
    assert "while" in graph_ops(big) and graph_ops(big).count("print") == 1
    assert same_everywhere(big) == "".join(f"{i}\n" for i in range(65))


def test_python_known_while_unrolls_then_becomes_a_loop_in_a_graph():
    text = "let i = 0\nwhile i < 100 { i = i + 1 }\nprint(i)"
    assert same_everywhere(text) == "100\n"


def test_plain_numbers_follow_python():
    assert same_everywhere("print(7 / 2, 7 // 2, -7 % 3, 2 ** 10, 1 < 2)") == \
        "3.5 3 2 1024 True\n"
    assert same_everywhere("print(true and 3, false or 0)") == "3 0\n"


def test_recursion_runs_eagerly_and_in_graphs_on_known_values():
    text = "fn fact(n) { if n <= 1 { return 1 } else { return n * fact(n - 1) } }\n" \
           "print(fact(10))"
    assert same_everywhere(text) == "3628800\n"


def test_var_initialised_from_a_traced_value():
    text = "let x = [1.0, 2.0] * 3.0\nvar v = x\nv += 1.0\nprint(v)"
    assert same_everywhere(text) == "[4. 7.]\n"


def test_random_constructors_are_seeded_and_mode_independent():
    text = "print(normal([3], seed=4))\nprint(uniform([2], seed=1) < 1.0)\nprint(eye(2))\n" \
           "print(fill([2], 7), ones([1]), zeros([1], int32), range(3))"
    assert "[ True  True]" in same_everywhere(text)


def test_aliases_and_every_public_op_is_callable():
    from ambi.lang.builtins import builtins
    names = builtins()
    for op in am.ops.__all__:
        assert callable(names[op]), op
    assert same_everywhere("print(sum([1, 2]), mean([1.0, 3.0]), max([1, 5]), min([4, 2]))") \
        == "3 2.0 5 2\n"


@pytest.mark.skipif(not hasattr(am, "grad"), reason="am.grad (autodiff) is not available")
def test_grad_of_arguments_and_of_variables():
    text = "fn f(a, b) { return sum(a * b) }\nlet g = grad(f)([1.0, 2.0], [3.0, 4.0])\n" \
           "print(g[0], g[1])\nvar w = [2.0]\nfn loss(x) { return sum(w * w * x) }\n" \
           "let gw = grad(loss, wrt=[w])([3.0])\nprint(gw[0])"
    assert same_everywhere(text) == "[3. 4.] [1. 2.]\n[12.]\n"


def test_run_source_returns_the_global_scope():
    scope = run_source("let answer = 6 * 7")
    assert scope.vars["answer"] == 42


def test_device_argument_places_the_run():
    out_text, error = run_captured("print([1.0] + 1.0)", "s.ambi", "eager", "cpu")
    assert (out_text, error) == ("[2.]\n", None)


def test_early_return_on_a_tensor_condition():
    """`if c { return a }` then more statements: the rest runs inside both branches."""
    text = "@graph fn f(x) {\n  let y = x * 2.0\n  if x < 0.0 { return -y }\n" \
           "  let z = y + 1.0\n  if z > 10.0 { return z * 0.0 }\n  print(\"big enough\", z)\n" \
           "  return z\n}\nprint(f(-1.0), f(2.0), f(20.0))"
    assert same_everywhere(text) == "big enough 5.0\n2.0 5.0 0.0\n"
    ops = graph_ops("fn f(x) { if x < 0.0 { return -x }\n return x }\nprint(f(sum([1.0])))")
    assert ops.count("cond") == 1


def test_print_of_a_list_of_differently_shaped_gradients_prints_each():
    """A list holding tensors (or strings) prints as its elements, like a tuple; a list of
    numbers is one tensor. Stacking the gradients here used to fail in `stack`."""
    text = "var w = [1.0, 2.0]\nvar b = [[1.0, 2.0], [3.0, 4.0]]\n" \
           "fn f(x) { return sum(w * x) + sum(b * b) }\n" \
           "let gs = grad(f, wrt=[w, b])([3.0, 4.0])\nprint(\"grads:\", gs)\n" \
           "print([w, ones([1])], [1, 2.5], [\"a\", [2, 3]])\n" \
           "@graph fn g(x) {\n  print([x, x * ones([2, 2])])\n  return x\n}\ng(ones([2]))"
    assert same_everywhere(text) == (
        "grads: [3. 4.] [[2. 4.]\n [6. 8.]]\n[1. 2.] [1.] [1.  2.5] a [2 3]\n"
        "[1. 1.] [[1. 1.]\n [1. 1.]]\n")
