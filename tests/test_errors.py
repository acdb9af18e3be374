"""Errors speak in user terms: ``FILE:LINE:COL: error: message``, the source line and a
caret under the user's expression, eagerly and for errors found while tracing."""
import numpy as np
import pytest

import ambi as am
from ambi import errors
from ambi.errors import AmbiError, DTypeError, ShapeError


def marker(text):
    """(line number, line) of the one line of this file that contains ``text``."""
    hits = [(i, s.rstrip("\n")) for i, s in enumerate(open(__file__), 1) if text in s]
    assert len(hits) == 2, hits  # the marked line and the call of marker() naming it
    return hits[0]


def assert_points_at(err, mark, expr, message):
    """str(err) is the compiler-style report for ``expr`` on the line holding ``mark``."""
    line, text = marker(mark)
    col = text.index(expr) + 1
    lines = str(err).splitlines()
    assert lines[0] == f"{__file__}:{line}:{col}: error: {message}"
    assert lines[1] == text
    assert lines[2] == " " * (col - 1) + "^"
    assert (err.loc.file, err.loc.line, err.loc.col) == (__file__, line, col)


A, B = am.constant([1.0, 2.0]), am.constant([1.0, 2.0, 3.0])
SHAPES = "add: shapes (2,) and (3,) cannot be broadcast together"


def test_eager_shape_error():
    with pytest.raises(ShapeError) as info:
        A + B  # eager-shape-error
    assert_points_at(info.value, "eager-shape-error", "A + B", SHAPES)


def test_eager_error_in_a_call_points_at_the_call():
    with pytest.raises(ShapeError) as info:
        am.multiply(A, B) * 2  # eager-call-error
    assert_points_at(info.value, "eager-call-error", "am.multiply(A, B)",
                     "multiply: shapes (2,) and (3,) cannot be broadcast together")


def test_traced_shape_error_points_into_the_function():
    @am.function
    def f(x, y):
        z = x * 2.0
        return z + y  # traced-shape-error

    with pytest.raises(ShapeError) as info:
        f(A, B)
    assert_points_at(info.value, "traced-shape-error", "z + y", SHAPES)


def test_error_in_a_helper_points_at_the_helper_line():
    def helper(x, y):
        return am.maximum(x, y)  # helper-error

    for run in (helper, am.function(helper, optimize=0)):
        with pytest.raises(ShapeError) as info:
            run(A, B)
        assert_points_at(info.value, "helper-error", "am.maximum(x, y)",
                         "maximum: shapes (2,) and (3,) cannot be broadcast together")


def test_composite_op_error_points_at_the_user_call():
    with pytest.raises(DTypeError) as info:
        am.softmax(am.constant([1, 2]))  # composite-error
    line, _ = marker("composite-error")
    assert info.value.loc.line == line and info.value.loc.file == __file__
    assert "int32" in info.value.message


def test_dtype_error_names_both_dtypes_and_cast():
    x, i = am.constant([1.0]), am.constant([1])
    for run in (lambda a, b: a - b, am.function(lambda a, b: a - b)):
        with pytest.raises(DTypeError) as info:
            run(x, i)
        msg = info.value.message
        assert msg == ("subtract: operands have different dtypes float32 and int32; "
                       "convert one with am.cast(x, am.float32)")
        assert str(info.value).startswith(f"{__file__}:")


def test_python_literal_dtype_error_says_what_to_do():
    with pytest.raises(DTypeError) as info:
        am.constant([1, 2]) + 2.5  # literal-error
    assert "2.5" in info.value.message and "int32" in info.value.message
    assert "am.cast" in info.value.message
    assert info.value.loc.line == marker("literal-error")[0]


def test_error_classes_are_also_python_builtins():
    assert issubclass(DTypeError, TypeError) and issubclass(ShapeError, ValueError)
    assert issubclass(errors.ArgumentError, ValueError)
    assert issubclass(errors.TracingError, TypeError)
    for cls in (DTypeError, ShapeError, errors.TracingError, errors.GraphError,
                errors.LoadError, errors.DeviceError, errors.ArgumentError, errors.RunError):
        assert issubclass(cls, AmbiError) and cls.anchor == cls.__name__.lower()


def test_format_without_a_location():
    err = ShapeError("bad shape", loc=None)
    assert str(err) == "error: bad shape"
    loc = errors.SourceLoc("prog.ambi", 3, 5, text="let x = y + z")
    err = ShapeError("bad", loc=loc, notes=["try this"])
    assert str(err).splitlines() == ["prog.ambi:3:5: error: bad", "let x = y + z", "    ^",
                                     "note: try this"]


def test_traced_error_location_survives_nesting():
    @am.function
    def inner(x):
        return am.reshape(x, (4,))  # nested-error

    @am.function
    def outer(x):
        return inner(x) + 1.0

    with pytest.raises(ShapeError) as info:
        outer(A)
    assert info.value.loc.line == marker("nested-error")[0]
    assert "reshape" in info.value.message and "(2,)" in info.value.message


def test_errors_are_not_bare_python_errors():
    """What users get wrong is an AmbiError with a location, never a numpy error."""
    bad = [lambda: A @ B, lambda: am.concat([A, am.constant([[1.0]])]),
           lambda: am.reduce_sum(A, axis=1), lambda: am.transpose(A, (1, 0)),
           lambda: am.reshape(B, (2, 2)), lambda: am.gather(A, am.constant([2]))]
    for make in bad:
        with pytest.raises(AmbiError) as info:
            make()
        assert info.value.loc is not None and info.value.loc.file == __file__
    with pytest.raises(DTypeError):
        am.constant(np.array(["a"]))
