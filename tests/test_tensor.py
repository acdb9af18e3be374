"""The Tensor of SPEC section 2: operators, dtype adoption, indexing, conversions, repr."""
import numpy as np
import pytest

import ambi as am
from ambi.errors import DTypeError, ShapeError, TracingError


def both(fn, *args):
    """fn eagerly and traced (optimize=0), as numpy arrays with their ambi dtypes."""
    outs = [fn(*args), am.function(fn, optimize=0)(*args)]
    assert outs[0].dtype is outs[1].dtype and outs[0].shape == outs[1].shape
    np.testing.assert_array_equal(outs[0].numpy(), outs[1].numpy())
    return outs[0]


X = np.array([[1.0, -2.0, 3.5], [0.5, 4.0, -1.0]], np.float32)
Y = np.array([[2.0, 2.0, -1.5], [1.0, 0.5, 2.0]], np.float32)
I = np.array([7, -7, 9], np.int32)
J = np.array([2, 3, -4], np.int32)


# -- operators -------------------------------------------------------------------------
@pytest.mark.parametrize("a, b", [(X, Y), (I, J)], ids=["float32", "int32"])
@pytest.mark.parametrize("op", [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
    lambda a, b: a // b, lambda a, b: a % b, lambda a, b: a ** abs(b), lambda a, b: -a,
    lambda a, b: abs(a), lambda a, b: +a,
], ids=["add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "neg", "abs", "pos"])
def test_arithmetic_operators_match_numpy(op, a, b):
    got = both(op, am.constant(a), am.constant(b))
    want = op(a, b)
    if a.dtype == np.int32 and want.dtype == np.float64:  # int / int -> float32 in ambi
        want = want.astype(np.float32)
    assert got.dtype.np == want.dtype
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-6)


def test_matmul_operator():
    a, b = X, Y.T.copy()
    np.testing.assert_allclose(both(lambda x, y: x @ y, am.constant(a), am.constant(b)).numpy(),
                               a @ b, rtol=1e-6)
    assert (np.ones((1, 2), np.float32) @ am.constant(np.ones((2, 1), np.float32))).shape == (1, 1)


@pytest.mark.parametrize("op", [
    lambda t: 2 + t, lambda t: 2 - t, lambda t: 3 * t, lambda t: 2 / t, lambda t: 7 // t,
    lambda t: 7 % t, lambda t: 2 ** t, lambda t: [1.0, 2.0, 3.0] - t,
], ids=["radd", "rsub", "rmul", "rtruediv", "rfloordiv", "rmod", "rpow", "rlist"])
def test_reflected_operators_with_python_values(op):
    t = np.array([1.0, 2.0, 4.0], np.float32)
    got = both(op, am.constant(t))
    assert got.dtype is am.float32
    np.testing.assert_allclose(got.numpy(), op(t), rtol=1e-6)


@pytest.mark.parametrize("op", [
    lambda a, t: a + t, lambda a, t: a - t, lambda a, t: a * t, lambda a, t: a / t,
    lambda a, t: a > t, lambda a, t: a == t,
], ids=["add", "sub", "mul", "div", "gt", "eq"])
def test_reflected_operators_with_numpy_arrays(op):
    """numpy defers to the tensor (``__array_priority__``): the result is a Tensor."""
    a, t = np.array([1.0, 5.0], np.float32), am.constant([2.0, 2.0])
    out = op(a, t)
    assert isinstance(out, am.Tensor)
    np.testing.assert_array_equal(out.numpy(), op(a, np.array([2.0, 2.0], np.float32)))
    with pytest.raises(DTypeError, match="float64"):  # numpy arrays keep their dtype
        op(np.array([1.0, 5.0]), t)


# -- dtype adoption (SPEC section 2) ---------------------------------------------------
@pytest.mark.parametrize("tensor, scalar, dtype", [
    (am.constant([1.0]), 2, am.float32), (am.constant([1.0]), 2.5, am.float32),
    (am.constant([1.0], am.float64), 2.5, am.float64), (am.constant([1]), 2, am.int32),
    (am.constant([1], am.int64), 2, am.int64),
], ids=["f32+int", "f32+float", "f64+float", "i32+int", "i64+int"])
def test_python_scalars_adopt_the_tensor_dtype(tensor, scalar, dtype):
    for out in (tensor + scalar, scalar + tensor, tensor * scalar):
        assert out.dtype is dtype


@pytest.mark.parametrize("make", [
    lambda: am.constant([1]) + 2.5, lambda: 2.5 * am.constant([1], am.int64),
    lambda: am.constant([1.0]) + am.constant([1]),
    lambda: am.constant([1.0]) + am.constant([1.0], am.float64),
    lambda: am.constant([1]) + True, lambda: am.constant([True]) & 1,
    lambda: am.constant([1]) + am.constant([1], am.int64),
], ids=["i32+2.5", "2.5*i64", "f32+i32", "f32+f64", "i32+True", "bool&1", "i32+i64"])
def test_dtype_mismatch_is_a_dtype_error(make):
    with pytest.raises(DTypeError):
        make()


def test_tensor_dtype_mismatch_message_names_both_and_cast():
    with pytest.raises(DTypeError) as info:
        am.constant([1.0]) + am.constant([1])
    msg = info.value.message
    assert "add" in msg and "float32" in msg and "int32" in msg and "am.cast" in msg


def test_constants_follow_spec_dtypes():
    assert am.constant(1.5).dtype is am.float32 and am.constant(2).dtype is am.int32
    assert am.constant(True).dtype is am.bool
    assert am.constant(np.array([1.0])).dtype is am.float64
    assert am.constant(np.arange(3, dtype=np.int64)).dtype is am.int64
    assert am.constant([1, 2], am.float64).dtype is am.float64
    assert am.zeros([2]).dtype is am.float32 and am.ones([2], am.int32).dtype is am.int32
    assert am.range(3).numpy().tolist() == [0, 1, 2] and am.range(3).dtype is am.int32
    assert am.eye(2).numpy().tolist() == [[1, 0], [0, 1]]
    assert am.fill([2], 7).numpy().tolist() == [7, 7]


# -- comparisons and logic --------------------------------------------------------------
@pytest.mark.parametrize("op", [
    lambda a, b: a == b, lambda a, b: a != b, lambda a, b: a < b, lambda a, b: a <= b,
    lambda a, b: a > b, lambda a, b: a >= b,
], ids=["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparisons_are_elementwise_bool_tensors(op):
    a, b = np.array([1.0, 2.0, np.nan], np.float32), np.array([2.0, 2.0, np.nan], np.float32)
    got = both(op, am.constant(a), am.constant(b))
    assert got.dtype is am.bool
    np.testing.assert_array_equal(got.numpy(), op(a, b))
    assert op(am.constant(a), 2.0).dtype is am.bool


def test_logical_operators_on_bools():
    p, q = np.array([True, True, False, False]), np.array([True, False, True, False])
    for op in (lambda a, b: a & b, lambda a, b: a | b, lambda a, b: ~a, lambda a, b: a & True):
        got = both(op, am.constant(p), am.constant(q))
        assert got.dtype is am.bool
        np.testing.assert_array_equal(got.numpy(), op(p, q))
    for op in (lambda t: ~t, lambda t: t & t, lambda t: t | t):
        with pytest.raises(DTypeError):
            op(am.constant([1, 2]))


# -- indexing -----------------------------------------------------------------------------
A = np.arange(24, dtype=np.int32).reshape(2, 3, 4)


@pytest.mark.parametrize("index", [
    0, -1, (1, 2), (0, 1, 3), np.s_[:, 1:3], np.s_[..., None], np.s_[None], np.s_[::-1],
    np.s_[:, ::-2], np.s_[1, ..., 1:], np.s_[:, -2:, ::3], np.s_[5:], np.s_[0, :0],
    np.s_[..., -1], np.s_[None, 1, None],
], ids=lambda i: repr(i).replace(" ", ""))
def test_basic_indexing_matches_numpy(index):
    got = both(lambda t: t[index], am.constant(A))
    assert got.dtype is am.int32
    np.testing.assert_array_equal(got.numpy(), A[index])


def test_indexing_with_an_integer_tensor_and_errors():
    t = am.constant(A)
    np.testing.assert_array_equal(t[am.constant([1, 0])].numpy(), A[[1, 0]])
    with pytest.raises(ShapeError, match=r"\(2, 3, 4\)"):
        t[2]
    with pytest.raises(ShapeError):
        am.function(lambda t: t[0, 0, 0, 0])(t)
    with pytest.raises(am.errors.ArgumentError):
        t[1.5]


# -- conversions --------------------------------------------------------------------------
def test_python_conversions_of_eager_scalars():
    assert float(am.constant(2.5)) == 2.5 and int(am.constant(3)) == 3
    assert bool(am.constant(True)) is True and bool(am.constant(0.0)) is False
    assert int(am.constant([[7]])) == 7  # one element, as numpy
    assert [10, 20, 30][am.constant(1)] == 20  # __index__ on int tensors
    with pytest.raises(ValueError, match="ambiguous"):
        bool(am.constant([True, False]))
    with pytest.raises(TypeError):
        [10, 20][am.constant(1.0)]


@pytest.mark.parametrize("convert", [bool, int, float, lambda t: [1, 2][t],
                                     lambda t: t.numpy(), np.asarray],
                         ids=["bool", "int", "float", "index", "numpy", "asarray"])
def test_conversions_inside_a_trace_raise_tracing_error(convert):
    def f(x):
        return convert(x)

    with pytest.raises(TracingError) as info:
        am.function(f)(am.constant(1))
    msg = info.value.message
    assert "am.cond" in msg and "am.while_loop" in msg and "symbolic" in msg
    assert info.value.loc.file == __file__


def test_array_protocol():
    t = am.constant([1.0, 2.0, 3.0])
    assert np.asarray(t).dtype == np.float32 and np.asarray(t, np.float64).dtype == np.float64
    assert np.sum(t) == 6.0
    np.testing.assert_allclose(np.exp(t), np.exp([1.0, 2.0, 3.0]), rtol=1e-6)
    assert np.array_equal(np.stack([t, t]), [[1, 2, 3], [1, 2, 3]])
    assert t.numpy().tolist() == [1.0, 2.0, 3.0] and len(t) == 3 and t.ndim == 1


def test_attributes():
    t = am.constant(np.ones((2, 3), np.float32))
    assert t.shape == (2, 3) and isinstance(t.shape, tuple)
    assert t.dtype is am.float32 and str(t.device) == "cpu"
    assert t.T.shape == (3, 2)


# -- repr, exactly as SPEC shows ------------------------------------------------------------
def test_eager_repr():
    assert repr(am.constant([5.0, 7.0, 9.0])) == \
        "ambi.Tensor([5. 7. 9.], shape=(3,), dtype=float32)"
    assert repr(am.constant(1.5)) == "ambi.Tensor(1.5, shape=(), dtype=float32)"
    assert repr(am.constant([[1, 2], [3, 4]])) == \
        "ambi.Tensor([[1 2]\n [3 4]], shape=(2, 2), dtype=int32)"
    assert repr(am.constant([True, False])) == \
        "ambi.Tensor([ True False], shape=(2,), dtype=bool)"
    assert str(am.constant([1.0, 2.5])) == "[1.  2.5]"


def test_symbolic_repr():
    seen = []

    @am.function
    def f(x):
        y = x ** 2
        seen.append(repr(y))
        seen.append(repr(am.exp(y)))
        return y

    f(am.constant(np.ones(5, np.float32)))
    assert seen == ['ambi.Tensor("pow:0", shape=(5,), dtype=float32)',
                    'ambi.Tensor("exp:0", shape=(5,), dtype=float32)']


def test_literals_converted_once_keep_their_sign_and_dtype():
    """Eager ops convert a Python literal once per (value, dtype); the memo must not mix
    0.0 with -0.0 (equal under ==), ints with floats, or one dtype with another."""
    f32, f64, i32 = am.constant([1.0]), am.constant(np.array([1.0])), am.constant([1])
    for _ in range(2):
        assert np.signbit((f32 * 0.0).numpy()[0]) == np.False_
        assert np.signbit((f32 * -0.0).numpy()[0]) == np.True_
        assert (f64 + 2).dtype == am.float64 and (f32 + 2).dtype == am.float32
        assert (i32 + 2).dtype == am.int32 and (i32 + 2).numpy().tolist() == [3]
        assert np.isnan((f32 * float("nan")).numpy()[0])


@pytest.mark.parametrize("bounds", [(10 ** 20, -1, -10 ** 20), (0, 2 ** 40, 2 ** 38)])
def test_range_bounds_past_the_dtype_are_a_dtype_error(bounds):
    """Found by tests/fuzz/test_params.py: numpy's OverflowError escaped."""
    with pytest.raises(am.errors.DTypeError, match="out of range for int32"):
        am.range(*bounds)
    assert am.range(0, 2 ** 40, 2 ** 38, dtype=am.int64).numpy()[-1] == 3 * 2 ** 38
