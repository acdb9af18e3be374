"""Every registered op against an independent numpy reference (like JAX's lax_reference).

The table REFS maps an op name to its numpy reference and the cases to try. The
registry drives the tests: a newly declared op without an entry fails
``test_every_registered_op_has_a_reference``. Each case runs eagerly and through
``am.function(optimize=0)`` (fast executor and reference interpreter), and checks the
result's shape, dtype and values; the graph's recorded output types must equal what
the kernels really return.
"""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import ambi as am
from ambi import dtypes as dt
from ambi.errors import DTypeError
from ambi.interp import interpret
from ambi.ir.opdef import REGISTRY

# Structural ops, tested elsewhere rather than against a numpy function:
from op_refs import REFS, STRUCTURAL, TOL, call


# -- the checks ---------------------------------------------------------------------

def assert_values(got, want, dtype, k=1):
    """Exact for ints and bools; SPEC tolerance (grown by sqrt(K)) for floats."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    if dtype.is_float:
        rtol, atol = (t * math.sqrt(max(k, 1)) for t in TOL[dtype])
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want)


def assert_tensor_type(t, shape, dtype):
    assert t.shape == shape and t.dtype is dtype, (t.shape, t.dtype, shape, dtype)
    assert dt.of_numpy(t.numpy().dtype) is dtype, f"value is {t.numpy().dtype}, tensor {dtype}"


def check_case(op, ref, arrays, params):
    """eager == numpy reference; graph(-O0) == eager, its recorded types too."""
    with np.errstate(all="ignore"):
        want = np.asarray(ref.fn(*arrays, **params))
    dtype = dt.of_numpy(want.dtype)
    tensors = [am.constant(a) for a in arrays]
    with warnings.catch_warnings():  # IEEE events (inf - inf, x / 0) are results, not warnings
        warnings.filterwarnings("error", category=RuntimeWarning, module=r"numpy\.")
        eager = call(op, tensors, params)
    assert_tensor_type(eager, want.shape, dtype)
    assert_values(eager.numpy(), want, dtype, ref.k(arrays, params))

    f = am.function(lambda *xs: call(op, xs, params), optimize=0)
    cf = f.get_concrete_function(*tensors)
    am.ir.verify(cf.graph)
    (out,) = cf.graph.outputs
    assert cf.graph.out_type(out) == am.ir.TensorType(eager.shape, eager.dtype)
    graph = f(*tensors)
    assert f.trace_count == 1
    assert_tensor_type(graph, eager.shape, eager.dtype)
    np.testing.assert_array_equal(graph.numpy(), eager.numpy())
    (interp,) = interpret(cf.graph, arrays)
    assert np.asarray(interp).dtype == eager.numpy().dtype
    np.testing.assert_array_equal(interp, eager.numpy())


def _tested_ops():
    return [n for n in REGISTRY if n not in STRUCTURAL]


def _op_dtypes():
    return [pytest.param(n, d, id=f"{n}-{d.name}") for n in _tested_ops() if n in REFS
            for d in REGISTRY[n].accepts]


def _rejected():
    return [pytest.param(n, d, id=f"{n}-{d.name}") for n in _tested_ops() if n in REFS
            for d in dt.ALL if d not in REGISTRY[n].accepts]


def test_every_registered_op_has_a_reference():
    missing = [n for n in REGISTRY if n not in REFS and n not in STRUCTURAL]
    assert not missing, f"ops with no numpy reference in REFS: {missing}"
    assert not set(REFS) & STRUCTURAL
    assert not set(REFS) - set(REGISTRY), "REFS names ops that are not registered"


@pytest.mark.parametrize("name, dtype", _op_dtypes())
def test_op_matches_numpy(name, dtype):
    op, ref = REGISTRY[name], REFS[name]
    cases = ref.cases(dtype)
    assert cases
    for arrays, params in cases:
        try:
            check_case(op, ref, arrays, params)
        except AssertionError as e:
            shapes = [np.shape(a) for a in arrays]
            raise AssertionError(f"{name} on {shapes} {params}: {e}") from e


@pytest.mark.parametrize("name, dtype", _op_dtypes())
def test_op_optimized_graph_matches_eager(name, dtype):
    """-O2 (fold, cse, simplify, fuse) keeps every case's type, and its values within SPEC
    tolerance: passes may reassociate, never change the meaning on edge values."""
    op, ref = REGISTRY[name], REFS[name]
    for arrays, params in ref.cases(dtype):
        tensors = [am.constant(a) for a in arrays]
        eager = call(op, tensors, params)
        got = am.function(lambda *xs, p=params: call(op, xs, p), optimize=2)(*tensors)
        assert_tensor_type(got, eager.shape, eager.dtype)
        assert_values(got.numpy(), eager.numpy(), eager.dtype, ref.k(arrays, params))


@pytest.mark.parametrize("name, dtype", _rejected())
def test_op_rejects_dtype(name, dtype):
    """A dtype outside ``op.accepts`` is a DTypeError, eagerly and at trace time."""
    op = REGISTRY[name]
    arrays, params = REFS[name].cases(dtype)[0]
    tensors = [am.constant(a) for a in arrays]
    with pytest.raises(DTypeError):
        call(op, tensors, params)
    with pytest.raises(DTypeError):
        am.function(lambda *xs: call(op, xs, params), optimize=0)(*tensors)


# -- property tests over random values and broadcastable shapes ----------------------
ELEMENTWISE = [n for n in _tested_ops() if REGISTRY[n].elementwise and n in REFS
               and REGISTRY[n].arity in (1, 2) and n not in ("cast", "pow")]


@st.composite
def elementwise_inputs(draw, name):
    op = REGISTRY[name]
    dtype = draw(st.sampled_from(op.accepts))
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=op.arity, max_dims=3,
                                                    max_side=3)).input_shapes
    elems = {"allow_subnormal": False} if dtype.is_float else {}
    if dtype.is_int:
        elems = {"min_value": -1000, "max_value": 1000}
    return [draw(hnp.arrays(dtype.np, s, elements=elems or None)) for s in shapes]


@pytest.mark.parametrize("name", ELEMENTWISE)
@given(data=st.data())
def test_elementwise_property(name, data):
    arrays = data.draw(elementwise_inputs(name))
    check_case(REGISTRY[name], REFS[name], arrays, {})
