"""cpu -O2: big elementwise chains are fused and run block by block (issue 15), with the
same bits as eager and as the reference interpreter."""
import contextlib
import io
import os
import threading
import time
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import ambi as am
from ambi import config
from ambi.interp import Compiled, interpret, workers
from ambi.testing import strategies as ams

slow = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
BIG = config.CPU_FUSE_MIN_ELEMENTS + 1000  # not a multiple of the block: a short last block


@contextlib.contextmanager
def tiny_blocks():
    """Every elementwise chain fused and run 12 bytes at a time (3 float32 or 1 float64
    element: odd boundaries)."""
    saved = config.CPU_FUSE_MIN_ELEMENTS, config.CPU_FUSE_MIN_OPS, config.CPU_BLOCK_BYTES
    config.CPU_FUSE_MIN_ELEMENTS, config.CPU_FUSE_MIN_OPS, config.CPU_BLOCK_BYTES = 2, 2, 12
    try:
        yield
    finally:
        config.CPU_FUSE_MIN_ELEMENTS, config.CPU_FUSE_MIN_OPS, config.CPU_BLOCK_BYTES = saved


def chain(x, y, lib):
    t = lib.sin(x) * 0.5 + y
    t = lib.exp(t) - lib.sqrt(x + 2.0) * lib.cos(y)
    return lib.tanh(t) * x


def _ops(graph):
    return [graph[n]["op"].name for n in graph.order()]


def test_a_big_chain_is_fused_and_bit_identical_to_eager():
    rng = np.random.default_rng(0)
    x, y = (am.constant(rng.random(BIG, dtype=np.float32)) for _ in range(2))
    f = am.function(lambda a, b: chain(a, b, am))
    assert "fused" in _ops(f.get_concrete_function(x, y).graph)
    got, want = f(x, y).numpy(), chain(x, y, am).numpy()
    assert np.array_equal(got, want)
    assert np.array_equal(got, chain(x.numpy(), y.numpy(), np))


def test_a_small_chain_is_not_fused_on_cpu():
    x = am.constant(np.ones(1000, np.float32))
    graph = am.function(lambda a: chain(a, a, am)).get_concrete_function(x).graph
    assert "fused" not in _ops(graph)


def test_broadcast_operands_run_in_row_blocks():
    rng = np.random.default_rng(1)
    rows = BIG // 400 + 1
    m = am.constant(rng.standard_normal((rows, 400)).astype(np.float32))
    row, col = (am.constant(rng.standard_normal(s).astype(np.float32))
                for s in [(400,), (rows, 1)])

    def fn(m, row, col):
        d = m * row - col
        return am.where(d > 0.0, am.exp(-d), d * 2.0), d > 1.0  # two outputs, a bool

    f = am.function(fn)
    assert "fused" in _ops(f.get_concrete_function(m, row, col).graph)
    for got, want in zip(f(m, row, col), fn(m, row, col)):
        assert got.dtype == want.dtype and np.array_equal(got.numpy(), want.numpy())


@slow
@given(program=ams.programs(allow_effects=True, allow_variables=True))
def test_random_programs_in_tiny_blocks_match_the_interpreter_exactly(program):
    with tiny_blocks():
        fn, arrays = program.fn, program.inputs
        graph = am.function(fn, optimize=2).get_concrete_function(*arrays).graph
        start = [v._value for v in fn.variables]
        fast = _run(lambda g, xs: Compiled(g)(*xs), graph, arrays, fn.variables, start)
        ref = _run(interpret, graph, arrays, fn.variables, start)
    for got, want in zip(fast, ref):
        got, want = np.asarray(got), np.asarray(want)
        assert got.dtype == want.dtype and got.shape == want.shape, repr(program)
        assert np.array_equal(got, want, equal_nan=want.dtype.kind == "f"), repr(program)


def _run(runner, graph, arrays, variables, start):
    for v, s in zip(variables, start):
        v._value = s
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        outs = runner(graph, [np.asarray(a) for a in arrays])
    return list(outs) + [v._value for v in variables] + [np.array(printed.getvalue())]


@slow
@given(pair=ams.broadcastable_pair(dtype="float32", edge_values=True),
       level=st.sampled_from([1, 2]))
def test_broadcast_chains_in_tiny_blocks_agree_in_every_mode(pair, level):
    def fn(a, b):
        return am.maximum(a * b - a, am.minimum(a, b)) + am.tanh(b)

    with tiny_blocks():
        am.testing.assert_equivalent(fn, *pair, modes=("eager", "interp", f"graph{level}"))


@pytest.mark.parametrize("shape", [(BIG,), (3, BIG // 3 + 1)])
def test_blocked_outputs_have_the_graph_types(shape):
    x = am.constant(np.linspace(-2, 2, int(np.prod(shape)), dtype=np.float64).reshape(shape))
    chain = lambda a: am.floor(am.tanh(am.sin(a * 3.0) - 1.0) * 4.0) + am.abs(a)  # noqa: E731
    f = am.function(chain)
    assert "fused" in f.get_concrete_function(x).graph.pretty()  # seven ops: run in blocks
    got = f(x)
    assert got.dtype == am.float64 and got.shape == shape
    assert np.array_equal(got.numpy(), chain(x).numpy())


def test_tiny_blocks_do_run_block_by_block(monkeypatch):
    from ambi.interp import blocks
    calls = []
    real = blocks.run_blocked
    monkeypatch.setattr(blocks, "run_blocked", lambda *a: calls.append(a[1]) or real(*a))
    x = am.constant(np.arange(7, dtype=np.float32))
    with tiny_blocks():
        got = am.function(lambda a: am.sin(a) * a + 1.0)(x)
    assert calls == [(7,)]
    assert np.array_equal(got.numpy(), (am.sin(x) * x + 1.0).numpy())


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_blocks_shared_by_threads_give_the_same_bits(threads, monkeypatch):
    monkeypatch.setattr(config, "CPU_THREADS", threads)
    rng = np.random.default_rng(2)
    x, y = (am.constant(rng.random(4 * BIG, dtype=np.float32)) for _ in range(2))
    got = am.function(lambda a, b: chain(a, b, am))(x, y).numpy()
    assert np.array_equal(got, chain(x.numpy(), y.numpy(), np))


def _slow_items(record):
    def do(i):
        time.sleep(0.001)  # long enough that a helper takes some items
        record.append((i, threading.current_thread().name, np.geterr()["divide"]))
    return do


def test_workers_share_every_item_once_in_the_callers_numpy_error_state(monkeypatch):
    monkeypatch.setattr(config, "CPU_THREADS", 2)
    record = []
    with np.errstate(divide="raise"):
        workers.for_each(_slow_items(record), range(40), helpers=1)
    assert sorted(i for i, _, _ in record) == list(range(40))
    assert {name.startswith("ambi-cpu") for _, name, _ in record} == {True, False}
    assert {state for _, _, state in record} == {"raise"}


def test_the_first_error_stops_the_workers_and_is_raised(monkeypatch):
    monkeypatch.setattr(config, "CPU_THREADS", 2)
    done = []

    def do(i):
        time.sleep(0.001)
        if i == 5:
            raise ValueError("item 5")
        done.append(i)
    with pytest.raises(ValueError, match="item 5"):
        workers.for_each(do, range(1000), helpers=1)
    assert len(done) < 100
    workers.for_each(done.append, range(3), helpers=1)  # the pool still works


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork: POSIX only")
def test_a_forked_child_makes_its_own_workers(monkeypatch):
    monkeypatch.setattr(config, "CPU_THREADS", 2)
    workers.for_each(_slow_items([]), range(8), helpers=1)  # the parent's pool exists
    with warnings.catch_warnings():  # Python 3.12+ warns of forking with threads
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: its pool's threads did not come with it
        record, ok = [], False
        try:
            workers.for_each(_slow_items(record), range(40), helpers=1)
            ok = any(name.startswith("ambi-cpu") for _, name, _ in record)
        finally:
            os._exit(0 if ok else 1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.01)
    os.kill(pid, 9)
    pytest.fail("the forked child hung")


@pytest.mark.parametrize("threads", [1, 2])
def test_a_kernel_error_in_a_block_names_the_users_line(threads, monkeypatch):
    monkeypatch.setattr(config, "CPU_THREADS", threads)
    x = am.constant(np.zeros(4 * BIG, np.float32))
    f = am.function(lambda a: am.tanh(am.log(a) * 2.0 + 1.0) * am.sin(a) - am.exp(a))
    with np.errstate(divide="raise"), pytest.raises(am.errors.RunError) as e:
        f(x)
    assert "log: divide by zero" in str(e.value) and "test_blocks.py" in str(e.value)
    assert np.isfinite(f(x + 1.0).numpy()).all()  # the pool still works
