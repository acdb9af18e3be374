"""am.testing itself: assert_equivalent, compare at the SPEC's exact bounds, run_all,
and the hypothesis strategies."""
import numpy as np
import pytest
from hypothesis import given, settings

import ambi as am
from ambi.testing import compare, strategies as ams, tolerance
from ambi.testing.diff import same_line

F32 = np.float32


# -- assert_equivalent on good functions ----------------------------------------------
def test_passes_on_good_functions_with_nested_outputs():
    def f(x, y):
        z = am.tanh(x) * y
        return {"sum": am.reduce_sum(z), "parts": [z, (x - 1.0,)], "static": 3}

    runs = am.testing.assert_equivalent(f, np.arange(6, dtype=F32).reshape(2, 3),
                                        am.constant(F32(2.0)), modes=am.testing.MODES)
    assert set(runs) == {(m, "cpu") for m in am.testing.MODES}
    assert runs[("interp", "cpu")].outputs["static"] == 3


def test_passes_with_control_flow_prints_and_variables():
    v = am.Variable(np.zeros(2, F32), name="acc")

    def f(x):
        am.print("x is", x)
        y = am.cond(am.reduce_max(x) > 0.0, lambda: x * 2.0, lambda: -x)
        _, y = am.while_loop(lambda i, y: i < 3, lambda i, y: [i + 1, am.sin(y)],
                             [am.constant(0), y])
        v.assign_add(y)
        return y

    runs = am.testing.assert_equivalent(f, np.array([0.5, -2.0], F32), modes=am.testing.MODES)
    assert all(r.stdout == "x is [ 0.5 -2. ]\n" for r in runs.values())
    once = np.sin(np.sin(np.sin(np.array([1.0, -4.0], F32))))
    np.testing.assert_allclose(v.numpy(), once, rtol=1e-6)  # as if f ran once, not 5 times


def test_nan_and_inf_in_the_same_places_pass():
    am.testing.assert_equivalent(lambda x: am.log(x) / x, np.array([-1, 0, 1, np.inf], F32))


# -- ... and on functions that differ --------------------------------------------------
def _differs_when_eager(x):
    return x + 1e-3 if am.executing_eagerly() else x


def test_a_different_function_gives_a_readable_diff():
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], F32)
    with pytest.raises(AssertionError) as info:
        am.testing.assert_equivalent(_differs_when_eager, x)
    text = str(info.value)
    assert "_differs_when_eager is not equivalent" in text
    assert "graph0 on cpu differs from the reference (eager on cpu)" in text
    assert "graph2 on cpu" in text
    assert "output (shape (2, 3), dtype float32)" in text
    assert "6 of 6 elements differ beyond tolerance" in text
    assert "max abs diff 0.001" in text and "rtol=1e-05, atol=1e-06" in text
    assert "worst at index (0, 0): reference 1.001, got 1.0\n" in text
    assert "reference:\n" in text and "[[1.001 2.001 3.001]" in text
    assert "got:\n" in text and "[[1. 2. 3.]" in text


def test_differences_in_structure_prints_variables_and_errors_are_reported():
    v = am.Variable(np.zeros(2, F32), name="state")

    def f(x):
        eager = am.executing_eagerly()
        am.print("eager" if eager else "graph", x)
        v.assign(x * (2.0 if eager else 3.0))
        return (x, x) if eager else [x, x]

    with pytest.raises(AssertionError) as info:
        am.testing.assert_equivalent(f, np.ones(2, F32), modes=("eager", "interp"))
    text = str(info.value)
    assert "interp on cpu differs" in text
    assert "output structure differs: reference (float32[2], float32[2]), got [" in text
    assert "printed output differs" in text and "-eager [1. 1.]" in text
    assert "+graph [1. 1.]" in text
    assert "variable 'state'" in text and "ends differently" in text


def test_an_error_in_one_mode_only_is_a_mismatch():
    def f(x):
        return x * 2 if bool(am.reduce_sum(x) > 0) else x  # bool() of a traced tensor fails

    with pytest.raises(AssertionError, match="raised TracingError"):
        am.testing.assert_equivalent(f, np.ones(2, F32))


def test_an_error_in_the_reference_propagates_unless_allowed():
    def f(x):
        return am.pow(x, -1)

    with pytest.raises(am.AmbiError):
        am.testing.assert_equivalent(f, np.array([2], np.int32))
    runs = am.testing.assert_equivalent(f, np.array([2], np.int32), allow_errors=True)
    assert all(isinstance(r.error, am.AmbiError) for r in runs.values())


def test_tolerance_applies_in_assert_equivalent():
    near = lambda x: x + 5e-7 if am.executing_eagerly() else x  # within atol=1e-6
    am.testing.assert_equivalent(near, np.zeros(3, F32))
    with pytest.raises(AssertionError):
        am.testing.assert_equivalent(near, np.zeros(3, F32), atol=1e-7)
    am.testing.assert_equivalent(near, np.zeros(3, F32), atol=1e-7, rtol=0.0, k_terms=25)


def test_float64_evaluation_rescues_a_result_closer_to_the_truth():
    def sloppy_eager(x):  # eager float32 loses the 1, the graph (and float64) keep it
        if am.executing_eagerly() and x.dtype == am.float32:
            return (x + 1.0) - x
        return x * 0.0 + 1.0

    am.testing.assert_equivalent(sloppy_eager, np.array([1e8], F32))

    def sloppy_graph(x):  # now the graph is the one further from float64
        return (x + 1.0) - x if not am.executing_eagerly() else x * 0.0 + 1.0

    with pytest.raises(AssertionError):
        am.testing.assert_equivalent(sloppy_graph, np.array([1e8], F32))


def test_run_all_modes_devices_and_errors():
    runs = am.testing.run_all(lambda x: x + 1, am.constant([1]), modes=("eager", "graph1"),
                              devices=["cpu"])
    assert list(runs) == [("eager", "cpu"), ("graph1", "cpu")]
    assert runs[("graph1", "cpu")].outputs.tolist() == [2]
    with pytest.raises(ValueError, match="unknown mode 'graph9'"):
        am.testing.run_all(lambda x: x, 1.0, modes=("graph9",))
    with pytest.raises(am.AmbiError, match="no device named 'tpu'"):
        am.testing.assert_equivalent(lambda x: x, np.ones(1, F32), devices=["tpu"])


def test_devices_all_means_every_device():
    runs = am.testing.run_all(lambda x: x * 2.0, np.ones(2, F32), modes=("eager",),
                              devices="all")
    assert [d for _, d in runs] == [str(d) for d in am.devices()]
    assert all(r.error is None and r.outputs.tolist() == [2.0, 2.0] for r in runs.values())


def test_functions_run_eagerly_does_not_hide_graph_modes():
    am.config.run_functions_eagerly(True)
    try:
        with pytest.raises(AssertionError):
            am.testing.assert_equivalent(_differs_when_eager, np.ones(1, F32))
    finally:
        am.config.run_functions_eagerly(False)


# -- compare at the SPEC's exact bounds ------------------------------------------------
def test_float32_bounds_are_exactly_the_spec():
    atol = F32(1e-6)  # 9.9999997e-07, just under the bound
    assert compare(F32(0), atol, "float32")
    assert not compare(F32(0), np.nextafter(atol, F32(1)), "float32")
    # |ref| = 1e6: allowed 1e-6 + 1e-5 * 1e6 = 10.000001; float32 steps by 1/16 there
    assert compare(F32(1e6), F32(1e6 + 10), "float32")
    assert not compare(F32(1e6), F32(1e6 + 10.0625), "float32")
    assert compare(F32(-1e6), F32(-1e6 - 10), "float32")


def test_float64_bounds_are_exactly_the_spec():
    assert compare(0.0, 1e-12, "float64")
    assert not compare(0.0, np.nextafter(1e-12, 1.0), "float64")
    big = 2.0 ** 40  # allowed 1e-12 + 1e-12 * 2**40 = 1.0995...; steps of 2**-12 there
    assert compare(big, big + 1.0, "float64")
    assert not compare(big, big + 1.125, "float64")


def test_tolerance_grows_by_sqrt_of_k_terms():
    assert tolerance("float32", 4) == (2e-5, 2e-6)
    assert tolerance("int32", 100) == (0.0, 0.0)
    assert not compare(F32(1e6), F32(1e6 + 20), "float32")
    assert compare(F32(1e6), F32(1e6 + 20), "float32", k_terms=4)


def test_nan_and_inf_must_be_where_the_reference_has_them():
    ref = np.array([np.nan, 1.0, np.inf, -np.inf], F32)
    assert compare(ref, ref.copy(), "float32")
    for bad in ([1.0, 1.0, np.inf, -np.inf], [np.nan, np.nan, np.inf, -np.inf],
                [np.nan, 1.0, -np.inf, -np.inf], [np.nan, 1.0, np.inf, 1e30],
                [np.nan, np.inf, np.inf, -np.inf]):
        verdict = compare(ref, np.array(bad, F32), "float32")
        assert not verdict and "non-finite values differ" in verdict.reason


def test_integers_and_bools_must_be_equal():
    assert compare(np.int32([1, 2]), np.int32([1, 2]), "int32")
    verdict = compare(np.int32([1, 2]), np.int32([1, 3]), "int32")
    assert not verdict and "1 of 2 elements differ (exact" in str(verdict)
    assert "worst at index (1,): reference 2, got 3" in str(verdict)
    assert not compare(np.array([True]), np.array([False]), "bool")


def test_shapes_and_dtypes_must_match():
    assert "shape (3,) differs from the reference's (2,)" in \
        compare(np.zeros(2, F32), np.zeros(3, F32)).reason
    assert "has dtype float64, expected float32" in \
        compare(np.zeros(2, F32), np.zeros(2), "float32").reason


def test_printed_lines_compare_numbers_with_tolerance():
    assert same_line("v3: [1.0000001 2.]", "v3: [1. 2.]")
    assert same_line("[ 0.5 -2. ]", "[ 0.50000006 -2.        ]")
    assert not same_line("[1 2]", "[1 3]")
    assert not same_line("v3: [1.1 2.]", "v3: [1. 2.]")
    assert not same_line("a [1.]", "b [1.]")
    assert same_line("[nan inf]", "[nan inf]") and not same_line("[nan]", "[inf]")


# -- the strategies ------------------------------------------------------------------------
@settings(max_examples=20)
@given(ams.tensors("float32", (2, 3), edge_values=True))
def test_tensors_have_the_asked_dtype_and_shape(x):
    assert x.dtype == np.float32 and x.shape == (2, 3)


@settings(max_examples=20)
@given(ams.tensors(as_tensor=True))
def test_tensors_can_be_ambi_tensors(x):
    assert isinstance(x, am.Tensor) and x.dtype in (am.float32, am.float64, am.int32,
                                                    am.int64, am.bool)


@settings(max_examples=20)
@given(ams.broadcastable_pair())
def test_broadcastable_pairs_broadcast(pair):
    a, b = pair
    assert a.dtype == b.dtype
    np.broadcast_shapes(a.shape, b.shape)


def test_edge_values_include_nan_negative_zero_and_int_extremes():
    from hypothesis import find
    find(ams.tensors("float32", (4,), edge_values=True), lambda x: np.isnan(x).any())
    find(ams.tensors("float64", (4,), edge_values=True),
         lambda x: ((x == 0) & np.signbit(x)).any())
    find(ams.tensors("int32", (4,), edge_values=True),
         lambda x: (x == np.iinfo(np.int32).max).any())


@settings(max_examples=20)
@given(ams.tensors("float32", (8,)), ams.tensors("int64", (8,)))
def test_default_elements_are_finite_and_moderate(x, i):
    assert np.isfinite(x).all() and (np.abs(x) <= ams.FLOAT_RANGE).all()
    assert (np.abs(i) <= ams.INT_RANGE).all()


@settings(max_examples=15)
@given(ams.programs(allow_effects=True, allow_variables=True))
def test_a_program_prints_as_a_script_that_reproduces_it(program):
    ns = {}
    exec(repr(program).replace("am.testing.assert_equivalent(program, *inputs)", ""), ns)
    got = am.testing.run_mode(ns["program"], ns["inputs"], "eager")
    want = am.testing.run_mode(program.build(), program.inputs, "eager")
    assert got.stdout == want.stdout and got.error is None and want.error is None
    assert repr(got.outputs) == repr(want.outputs)


@settings(max_examples=15)
@given(ams.programs(min_ops=5, max_ops=12, allow_control_flow=False, allow_matmul=False,
                    allow_int=False))
def test_program_spec_knobs_are_respected(program):
    assert not program.features & {"cond", "while", "print", "variables"}
    assert "matmul" not in program.body and "int32" not in repr(program)
    assert 5 <= program.n_ops <= 12 + 4  # the last step may overshoot by its guard ops


def test_strategies_are_reachable_as_am_testing_strategies():
    assert am.testing.strategies is ams
    with pytest.raises(AttributeError):
        am.testing.no_such_name  # noqa: B018
