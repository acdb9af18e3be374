"""Autograph: Python control flow on tensors inside am.function gives what eager gives,
prints the same, and explains what it cannot convert at the user's line."""
import pytest

import ambi as am
from ambi.errors import DTypeError, ShapeError, TracingError
from ambi.testing import assert_equivalent

MODES = ("eager", "graph0", "graph2")


# -- the seeds' programs, unchanged --------------------------------------------------------
def fizzbuzz(max_num):
    counter = am.constant(0)
    max_num = am.convert_to_tensor(max_num)
    for num in range(1, max_num + 1):
        if num % 3 == 0 and num % 5 == 0:
            am.print("FizzBuzz")
        elif num % 3 == 0:
            am.print("Fizz")
        elif num % 5 == 0:
            am.print("Buzz")
        else:
            am.print(num)
        counter += 1
    return counter


def valley(x):
    return am.reduce_sum(am.square(x - am.constant([3.0, -1.0])) * am.constant([1.0, 10.0]))


def line_search_step(fn, init_x, rate=1.0):
    with am.GradientTape() as tape:
        tape.watch(init_x)
        value = fn(init_x)
    grad = tape.gradient(value, init_x)
    grad_norm = am.reduce_sum(grad * grad)
    init_value = value
    while value > init_value - rate * grad_norm:
        x = init_x - rate * grad
        value = fn(x)
        rate /= 2.0
    return x, value


def test_fizzbuzz_prints_the_same_in_a_graph(capsys):
    eager = fizzbuzz(am.constant(15))
    eager_out = capsys.readouterr().out
    f = am.function(fizzbuzz)
    graph = f(am.constant(15))
    assert capsys.readouterr().out == eager_out
    assert eager_out.split("\n")[:5] == ["1", "2", "Fizz", "4", "Buzz"]
    assert "FizzBuzz" in eager_out and int(graph) == int(eager) == 15
    graph_text = f.get_concrete_function(am.constant(15)).graph.pretty()
    assert "while" in graph_text and "cond" in graph_text  # not unrolled: n is a tensor
    assert capsys.readouterr().out == ""  # tracing printed nothing
    f(am.constant(5))
    assert capsys.readouterr().out == "1\n2\nFizz\n4\nBuzz\n"  # one graph, any n


def test_fizzbuzz_equivalent_across_modes():
    assert_equivalent(fizzbuzz, am.constant(15), modes=MODES)


def test_line_search_step_runs_unchanged_in_a_graph(capsys):
    step = am.function(line_search_step)
    x = y = am.constant([0.0, 0.0])
    for _ in range(4):
        x, v = line_search_step(valley, x)
        y, w = step(valley, y)
        print("eager:", x.numpy(), float(v))
        print("graph:", y.numpy(), float(w))
    lines = capsys.readouterr().out.splitlines()
    assert [ln[6:] for ln in lines[0::2]] == [ln[6:] for ln in lines[1::2]]
    assert lines[0] == "eager: [ 0.1875 -0.625 ] 9.31640625"
    assert step.trace_count == 1


# -- statements ------------------------------------------------------------------------
def if_elif_else(x):
    if x > 1.0:
        y = x * 2.0
    elif x < -1.0:
        y = -x
    else:
        y = am.constant(0.0)
    return y + 1.0


def early_returns(x):
    if x > 0.0:
        return x * 10.0
    elif x < -5.0:
        return -x
    return x


def nested_loops_with_break_and_continue(n):
    total = am.constant(0)
    i = am.constant(0)
    while i < n:
        i += 1
        if i % 2 == 0:
            continue
        for j in range(i):
            if j > 3:
                break
            total += j
        if total > 20:
            break
    return total, i


def return_from_inside_a_loop(xs, limit):
    for x in xs:
        if x > limit:
            return x
    return am.constant(-1.0)


def python_values_stay_python(x, flag):
    if flag:  # a Python bool: plain Python, only one branch is traced
        x = x + 1.0
    n = 0
    for _ in range(3):  # a Python range: unrolled
        n += 1
    return x * n


def boolean_operators(x, y):
    both = x > 0 and y > 0
    either = x > 0 or y > 0
    neither = not either
    pick = x if x > y else y
    return am.cast(both, am.int32) + am.cast(neither, am.int32) * 10, pick


def loops_over_ranges(n):
    s = am.constant(0)
    for i in am.range(n):  # TensorFlow's `for i in tf.range(n)`
        s += i * i
    for j in range(2, n):
        s += j
    return s


def loop_over_rows(m):
    total = am.zeros([3])
    for row in m:
        total = total + row
    return total


@pytest.mark.parametrize("fn, args", [
    (if_elif_else, [2.0]), (if_elif_else, [-3.0]), (if_elif_else, [0.5]),
    (early_returns, [2.0]), (early_returns, [-7.0]), (early_returns, [-1.0]),
    (nested_loops_with_break_and_continue, [am.constant(3)]),
    (nested_loops_with_break_and_continue, [am.constant(30)]),
    (return_from_inside_a_loop, [[1.0, 5.0, 7.0], 4.0]),
    (return_from_inside_a_loop, [[1.0, 5.0, 7.0], 9.0]),
    (boolean_operators, [1.0, -2.0]), (boolean_operators, [-1.0, -2.0]),
    (loop_over_rows, [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]]),
    (loops_over_ranges, [am.constant(5)]), (loops_over_ranges, [am.constant(0)]),
])
def test_statements_agree_with_eager(fn, args):
    args = [a if isinstance(a, am.Tensor) else am.constant(a) for a in args]
    assert_equivalent(fn, *args, modes=MODES)


def test_python_conditions_stay_python():
    f = am.function(python_values_stay_python)
    assert float(f(am.constant(1.0), True)) == 6.0
    assert float(f(am.constant(1.0), False)) == 3.0
    text = f.get_concrete_function(am.constant(1.0), True).graph.pretty()
    assert "cond" not in text and "while" not in text


def test_tensor_conditions_become_graph_nodes():
    text = am.function(early_returns).get_concrete_function(am.constant(1.0)).graph.pretty()
    assert "cond" in text
    text = am.function(loop_over_rows).get_concrete_function(am.ones([2, 3])).graph.pretty()
    assert "while" in text
    text = am.function(loops_over_ranges).get_concrete_function(am.constant(3)).graph.pretty()
    assert text.count("while(") == 2


def test_one_graph_serves_every_value():
    f = am.function(nested_loops_with_break_and_continue)
    for n in (0, 1, 5, 40):
        got = [int(v) for v in f(am.constant(n))]
        assert got == [int(v) for v in nested_loops_with_break_and_continue(am.constant(n))]
    assert f.trace_count == 1


# -- calls, methods, opt-out -----------------------------------------------------------
def clipped(x):
    if x > 1.0:
        return am.constant(1.0)
    return x


def calls_a_helper(x):
    return clipped(x) + clipped(x * 0.5)


class Counter:
    def __init__(self, limit):
        self.limit = limit

    @am.function
    def count(self, x):
        n = am.constant(0)
        while x < self.limit:
            x = x * 2.0
            n += 1
        return n


def test_called_functions_and_methods_convert_too():
    assert float(am.function(calls_a_helper)(am.constant(4.0))) == 2.0
    assert int(Counter(100.0).count(am.constant(1.0))) == 7


def test_autograph_off_keeps_python_semantics():
    with pytest.raises(TracingError, match="am.cond"):
        am.function(clipped, autograph=False)(am.constant(1.0))


def test_do_not_convert():
    @am.autograph.do_not_convert
    def raw(x):
        if x > 0:
            return x
        return -x
    with pytest.raises(TracingError, match="symbolic"):
        am.function(lambda x: raw(x))(am.constant(1.0))


def test_to_code_shows_the_rewrite():
    code = am.autograph.to_code(early_returns)
    assert code.startswith("def early_returns(x):")
    assert "ag__.if_stmt(" in code
    assert am.autograph.to_code(am.function(early_returns)) == code
    compile(code, "<to_code>", "exec")  # valid Python a user can read and run


# -- errors at the user's line ----------------------------------------------------------
def defined_in_one_branch(x):
    if x > 0:
        y = x
    return y


def loop_changes_dtype(x):
    i = am.constant(0)
    while x > 0.0:
        i = am.cast(i, am.float32) + 0.5
        x = x - 1.0
    return i


def loop_changes_shape(x):
    x = am.reshape(x, [1])
    while am.reduce_sum(x) < 10.0:
        x = am.concat([x, x], axis=0)
    return x


def branches_disagree(x):
    if x > 0:
        y = am.constant([1.0, 2.0])
    else:
        y = am.constant(1.0)
    return y


def try_around_tensor_if(x):
    try:
        if x > 0:
            x = x + 1.0
    except ValueError:
        pass
    return x


def a_generator(x):
    yield x


def float_condition(x):
    if x:
        return x
    return -x


def line_of(fn, text):
    import inspect
    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, ln in enumerate(lines) if text in ln)


@pytest.mark.parametrize("fn, kind, words, at", [
    (defined_in_one_branch, TracingError, "only one branch", "return y"),
    (loop_changes_dtype, DTypeError, "changes from int32[] to float32[]", "while x"),
    (loop_changes_shape, ShapeError, "keep its dtype and shape", "while am"),
    (branches_disagree, ShapeError, "same dtype and shape", "if x > 0"),
    (try_around_tensor_if, TracingError, "inside `try`", "if x > 0"),
    (a_generator, TracingError, "generator", "yield x"),
    (float_condition, DTypeError, "scalar bool", "if x:"),
])
def test_errors_point_at_the_users_line(fn, kind, words, at):
    with pytest.raises(kind, match=words) as info:
        am.function(fn)(am.constant(1.0))
    assert info.value.loc.file == __file__
    assert info.value.loc.line == line_of(fn, at)
