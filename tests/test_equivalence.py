"""Eager == graph(-O0) == graph(-O2) == the reference interpreter, by property tests.

The registry drives the single-op tests (a new elementwise op is tested here without
being named), and random programs with control flow, prints and Variables check whole
programs. All of it goes through ``am.testing``, the toolkit users get.
"""
import contextlib
import io
import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

import ambi as am
from ambi import dtypes as dt
from ambi.interp import Compiled, interpret
from ambi.ir.opdef import REGISTRY
from ambi.testing import strategies as ams

ALL_MODES = ("eager", "interp", "graph0", "graph2")
ELEMENTWISE = sorted(name for name, op in REGISTRY.items() if op.elementwise)
slow = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _dtype_combos(op, params):
    """Every operand dtype combination the op's own dtype rule accepts."""
    combos = []
    for combo in itertools.product(dt.ALL, repeat=op.arity):
        try:
            op.dtype_rule(list(combo), **params)
        except am.AmbiError:
            continue
        combos.append(combo)
    return combos


def test_the_registry_has_elementwise_ops_of_every_arity():
    arities = {REGISTRY[name].arity for name in ELEMENTWISE}
    assert {1, 2, 3} <= arities, ELEMENTWISE


@pytest.mark.parametrize("name", ELEMENTWISE)
@slow
@given(data=st.data())
def test_elementwise_op_agrees_in_every_mode(name, data):
    op = REGISTRY[name]
    params = {k: data.draw(ams.dtypes()) if k == "dtype" else default
              for k, default in op.params.items()}
    combo = data.draw(st.sampled_from(_dtype_combos(op, params)))
    shapes = data.draw(ams.broadcastable_shapes(op.arity))
    arrays = [data.draw(ams.tensors(d, s, edge_values=True)) for d, s in zip(combo, shapes)]

    def fn(*xs):
        return op(*xs, **params)

    fn.__name__ = name
    runs = am.testing.assert_equivalent(fn, *arrays, modes=ALL_MODES, allow_errors=True)
    for run in runs.values():  # a failure must be ambi's own error, the same in every mode
        assert run.error is None or isinstance(run.error, am.AmbiError), run.error


@slow
@given(pair=ams.broadcastable_pair(dtype="float32", edge_values=True))
def test_chains_of_binary_ops_on_broadcast_pairs(pair):
    def fn(a, b):
        return am.maximum(a * b - a, am.minimum(a, b)) + am.tanh(b)

    am.testing.assert_equivalent(fn, *pair, modes=ALL_MODES)


@slow
@given(program=ams.programs(allow_effects=True, allow_variables=True))
def test_random_programs_agree_in_every_mode(program):
    runs = am.testing.assert_equivalent(program.fn, *program.inputs, modes=ALL_MODES,
                                        k_terms=program.k_terms)
    ref = runs[("eager", "cpu")]
    for run in runs.values():  # on numpy every mode prints the very same lines
        assert run.stdout.splitlines() == ref.stdout.splitlines(), repr(program)


@slow
@given(program=ams.programs(min_control_flow=2, max_depth=2, allow_effects=True,
                            allow_int=False))
def test_random_programs_with_nested_control_flow(program):
    assert program.features & {"cond", "while"}
    am.testing.assert_equivalent(program.fn, *program.inputs, modes=ALL_MODES,
                                 k_terms=program.k_terms)


def _run_captured(runner, graph, arrays, variables, start):
    for v, value in zip(variables, start):
        v._value = value
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = runner(graph, arrays)
    return result, out.getvalue(), [v._value for v in variables]


def _tier(source):
    """Compiled's runner in its first tier (closures) or its second (generated source)."""
    def run(graph, arrays):
        fast = Compiled(graph)
        if source:
            fast.compile()
        return fast(*arrays)
    return run


@slow
@given(program=ams.programs(allow_effects=True, allow_variables=True),
       level=st.sampled_from([0, 2]), source=st.booleans())
def test_fast_executor_matches_reference_interpreter_exactly(program, level, source):
    fn, arrays = program.fn, program.inputs
    graph = am.function(fn, optimize=level).get_concrete_function(*arrays).graph
    start = [v._value for v in fn.variables]
    fast = _run_captured(_tier(source), graph, arrays, fn.variables, start)
    ref = _run_captured(interpret, graph, arrays, fn.variables, start)
    assert fast[1] == ref[1], repr(program)
    for got, want in zip(fast[0] + fast[2], ref[0] + ref[2]):
        got, want = np.asarray(got), np.asarray(want)
        assert got.dtype == want.dtype and got.shape == want.shape, repr(program)
        assert np.array_equal(got, want, equal_nan=want.dtype.kind == "f"), repr(program)


def test_random_program_tests_can_fail(monkeypatch):
    """A fast-executor kernel that is off by 1e-3 is caught by the program property."""
    from hypothesis import find

    from ambi.interp import closures, executor
    original = closures.bound_kernel

    def skewed(op, params, run_sub):
        kernel = original(op, params, run_sub)
        if op.name != "tanh":
            return kernel
        return lambda *a, **k: (kernel(*a, **k) * np.float32(1.001)).astype(np.float32)

    monkeypatch.setattr(closures, "bound_kernel", skewed)  # both tiers' kernels
    monkeypatch.setattr(executor, "bound_kernel", skewed)

    def differs(program):
        try:
            am.testing.assert_equivalent(program.fn, *program.inputs)
        except AssertionError:
            return True
        return False

    found = find(ams.programs(allow_int=False), differs,  # no shrinking: finding is the point
                 settings=settings(max_examples=300, database=None, deadline=None,
                                   phases=[Phase.generate]))
    assert "tanh" in repr(found)


def test_a_wrong_assignment_fails_alike_in_every_mode():
    v = am.Variable(np.zeros(2, np.float32), name="pair")
    runs = am.testing.assert_equivalent(lambda x: v.assign(x), np.ones(3, np.float32),
                                        modes=ALL_MODES, allow_errors=True)
    assert all(isinstance(r.error, am.errors.ShapeError) for r in runs.values())
    assert v.numpy().tolist() == [0.0, 0.0]


OTHER_DEVICES = [str(d) for d in am.devices() if str(d) != "cpu"]


@pytest.mark.skipif(not OTHER_DEVICES, reason="no device besides cpu (no OpenCL platform)")
@pytest.mark.parametrize("device", OTHER_DEVICES)
@settings(max_examples=max(2, settings().max_examples // 10),  # kernel builds take ~1 s
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(program=ams.programs(allow_effects=True, allow_variables=True))
def test_random_programs_agree_on_other_devices(device, program):
    am.testing.assert_equivalent(program.fn, *program.inputs, modes=("eager", "graph0", "graph2"),
                                 devices=["cpu", device], k_terms=program.k_terms)
