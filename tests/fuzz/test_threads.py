"""Per-thread state: 8 threads x 200 calls mixing eager ops, traces of new signatures,
tapes, device scopes and script runs give exactly what the same calls give serially."""
import threading

import numpy as np
import pytest

import ambi as am
from ambi.lang import run_source

THREADS, CALLS = 8, 200


def _poly(x):
    return am.reduce_sum(x * x + 1.0)


_shared = {}  # the am.function every thread calls; made afresh for each phase


def _eager(k):
    x = am.range(0, k % 7 + 1, dtype=am.float32)
    assert am.executing_eagerly()
    return float(am.reduce_max(am.exp(-x) * 3.0).numpy())


def _traced(k):
    return float(_shared["poly"](am.ones([k % 23 + 1])).numpy())  # new shapes: new signatures


def _tape(k):
    x = am.constant(float(k))
    with am.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    return float(tape.gradient(y, x).numpy())


def _script(k):
    text = (f"let t = 0\nfor i in range(0, {k % 5 + 2}) {{ t = t + i * {k} }}\n"
            f"@graph fn g(v) {{ return v * 2 }}\nlet u = g([{k}.0] * {k % 4 + 1})")
    if k % 2:  # traced as one graph: what it binds is symbolic, so only that it runs
        return run_source(text, mode="graph") is not None
    scope = run_source(text)
    return int(scope.vars["t"]), float(scope.vars["u"].numpy()[0])


def _device(k):
    with am.device("cpu"):
        return int(am.reduce_sum(am.range(0, k % 9)).numpy())


_CALLS = [_eager, _traced, _tape, _script, _device]


def _work(tid):
    return [_CALLS[(tid + i) % len(_CALLS)](tid * CALLS + i) for i in range(CALLS)]


@pytest.mark.filterwarnings("ignore:.*has been traced")
def test_threads_give_the_serial_results():
    _shared["poly"] = am.function(_poly)
    expected = {t: _work(t) for t in range(THREADS)}
    _shared["poly"] = am.function(_poly)  # so the threads trace new signatures too
    got, errors = {}, []

    def run(t):
        try:
            got[t] = _work(t)
        except BaseException as e:  # noqa: BLE001 -- reported below with its thread
            errors.append((t, repr(e)))

    threads = [threading.Thread(target=run, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert got == expected
    assert _shared["poly"].trace_count == 23


def test_a_trace_in_one_thread_never_sees_another_threads_ops():
    started, release = threading.Event(), threading.Event()
    seen = {}

    @am.function
    def slow(x):
        started.set()
        release.wait(5)
        return x + 1

    def other():
        started.wait(5)
        y = am.constant([1.0]) * 2  # eager here, while the main thread traces
        seen["eager"], seen["value"] = am.executing_eagerly(), y.numpy().tolist()
        release.set()

    th = threading.Thread(target=other)
    th.start()
    out = slow(am.constant([1.0]))
    th.join()
    assert seen == {"eager": True, "value": [2.0]}
    assert out.numpy().tolist() == [2.0]
    assert len(slow.get_concrete_function(am.constant([1.0])).graph.nx) <= 4


def test_two_threads_with_one_new_signature_share_the_cache():
    f = am.function(lambda x: x * 3)
    barrier = threading.Barrier(4)
    results = []

    def call(shape):
        barrier.wait()
        results.append(f(np.ones(shape, np.float32)).numpy().sum())

    threads = [threading.Thread(target=call, args=((s,),)) for s in (2, 3, 2, 3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(results) == [6.0, 6.0, 9.0, 9.0]
    assert f.trace_count == 2


def test_a_device_scope_is_per_thread():
    from ambi.devices import Device, current_device
    inside = threading.Event()
    out = {}

    def other():
        inside.wait(5)
        out["device"] = str(current_device())

    th = threading.Thread(target=other)
    th.start()
    with am.device(Device("elsewhere", "cpu")):  # placed here only, never run on
        inside.set()
        th.join()
    assert out["device"] == "cpu"
