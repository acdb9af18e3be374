"""Tensors and Variables behave like Python sequences and numbers (issue 13's reproducers),
and ``@am.function`` works on methods and callable objects."""
import pytest

import ambi as am
from ambi.errors import IndexOutOfRangeError, ShapeError, TracingError


def test_iteration_unpacking_and_builtin_sum():
    t = am.constant([[1, 2], [3, 4]])
    rows = list(t)
    assert [r.numpy().tolist() for r in rows] == [[1, 2], [3, 4]]
    a, b = am.constant([1.0, 2.0])
    assert (float(a), float(b)) == (1.0, 2.0)
    assert float(sum(am.constant([1.0, 2.0, 3.0]))) == 6.0
    assert [int(x) for x in am.constant([5, 6, 7])] == [5, 6, 7]
    with pytest.raises(TypeError, match="scalar"):
        iter(am.constant(1.0))


def test_iteration_inside_a_trace_unrolls_over_the_static_first_axis():
    @am.function
    def total(x):
        acc = am.constant(0.0)
        for row in x:
            acc = acc + am.reduce_sum(row)
        return acc
    assert float(total(am.constant([[1.0, 2.0], [3.0, 4.0]]))) == 10.0


def test_len():
    assert len(am.constant([[1, 2], [3, 4], [5, 6]])) == 3
    assert len(am.Variable([1.0, 2.0])) == 2
    with pytest.raises(TypeError):
        len(am.constant(1.0))


def test_out_of_range_index_is_an_index_error():
    t = am.constant([[1, 2], [3, 4]])
    with pytest.raises(IndexError):
        t[2]
    with pytest.raises(IndexOutOfRangeError, match=r"\(2, 2\)"):
        t[0, 5]
    assert issubclass(IndexOutOfRangeError, ShapeError)


def test_format_specs_on_tensors_and_variables():
    loss = am.constant(2.34567)
    assert "{:.3f}".format(loss) == "2.346"
    assert f"{am.Variable(2.5):.2f}" == "2.50"
    assert f"{am.constant(7):04d}" == "0007"
    assert f"{loss}" == str(loss)
    with pytest.raises(TypeError, match="scalar"):
        f"{am.constant([1.0, 2.0]):.2f}"


def test_format_of_a_symbolic_tensor_explains():
    @am.function
    def f(x):
        return f"{x:.2f}"
    with pytest.raises(TracingError, match="symbolic"):
        f(am.constant(1.0))


def test_round():
    assert round(am.constant(2.5)).numpy() == 2.0  # half to even, like numpy and Python
    assert round(am.constant([1.26, -0.5]), 1).numpy().tolist() == pytest.approx([1.3, -0.5])
    assert round(am.constant(3)).dtype == am.int32


def test_python_conversions_on_variables():
    v = am.Variable(2.5)
    assert float(v) == 2.5 and int(v) == 2 and bool(v)
    assert not bool(am.Variable(0.0))
    assert [5, 6, 7][am.Variable(1)] == 6
    assert v.device.name == "cpu"
    assert round(v).numpy() == 2.0


def test_conversions_on_a_variable_inside_a_trace_say_why():
    v = am.Variable(1.0)

    @am.function
    def f():
        return float(v)
    with pytest.raises(TracingError, match="symbolic"):
        f()


def test_equality_with_none_is_python_like():
    t = am.constant([1.0])
    assert (t == None) is False  # noqa: E711
    assert (t != None) is True  # noqa: E711
    assert (am.Variable(1.0) == None) is False  # noqa: E711
    assert t not in [None]
    assert bool(am.constant(1.0) == 1.0)


class Model:
    def __init__(self, k):
        self.k = k
        self.traces = 0

    @am.function
    def step(self, x):
        self.traces += 1
        return x * self.k


def test_function_on_a_method_binds_self_per_instance():
    a, b = Model(2.0), Model(3.0)
    x = am.constant([1.0, 2.0])
    assert a.step(x).numpy().tolist() == [2.0, 4.0]
    assert b.step(x).numpy().tolist() == [3.0, 6.0]
    a.step(x)
    assert (a.traces, b.traces) == (1, 1)  # one trace per instance, reused
    assert a.step is a.step
    assert Model.step.__name__ == "step"


def test_function_on_a_callable_object():
    class AddOne:
        def __call__(self, x):
            return x + 1.0
    f = am.function(AddOne())
    assert float(f(am.constant(1.0))) == 2.0
    assert f.__name__ == "AddOne"


def test_a_method_function_does_not_keep_its_instance_alive():
    import gc
    import weakref
    m = Model(2.0)
    m.step(am.constant(1.0))
    ref = weakref.ref(m)
    del m
    gc.collect()
    assert ref() is None
