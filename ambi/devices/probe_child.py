"""The probe's child process: ``python -m ambi.devices.probe_child INDEX JOBS [time]``.

It opens OpenCL device ``INDEX`` with each job's kernel parameters, trusted without a
probe of its own, and prints one JSON line as each job starts and one as it ends, so
the parent knows which job was running if the driver kills this process. A job runs a
check of ``probe_cases`` (result: None, or what went wrong). With ``time``, the jobs
(variants that passed) are timed instead, on the workload of the parameter their check
decides: all in this one process, in turns, so load on the machine hits all alike.
"""
import json
import os
import statistics
import sys
import time

import numpy as np


def main(argv):
    _protocol_on_own_fd()
    from .. import dtypes as dt
    from . import opencl
    from .cl_params import KernelParams
    from .probe_cases import CHECKS
    _say({"ready": True})  # from here on, a death is the driver's doing
    index, jobs = int(argv[0]), json.loads(argv[1])
    dev = opencl.found()[index]
    jobs = [(check, KernelParams.from_json(params)) for check, params in jobs]
    if argv[2:] == ["time"]:
        return _time_all(dev, jobs, dt)
    for check, params in jobs:
        dev._params = params
        label = f"{check} [{params}]"
        _say({"start": label})
        t0 = time.perf_counter()
        result = _check(CHECKS[check], dev)
        _say({"done": label, "result": result, "seconds": time.perf_counter() - t0,
              "timed": None})


_PROTOCOL = sys.stdout


def _protocol_on_own_fd():
    """The JSON lines keep stdout's descriptor to themselves: anything else printed there
    (a driver's build log, ``AMBI_DEBUG``) goes to stderr."""
    global _PROTOCOL
    _PROTOCOL = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr


def _say(msg):
    _PROTOCOL.write(json.dumps(msg) + "\n")
    _PROTOCOL.flush()


def _check(fn, dev):
    try:
        return fn(dev)
    except Exception as e:  # noqa: BLE001  (any failure is the verdict, with its words)
        return f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:400]


TIMED = {"elementwise": [(1 << 20,)],  # the chain of probe_cases.fused_chain
         "reduce": [(1 << 22,)],       # the sum: the reduction whose init is 0
         "matmul": [(512, 512), (512, 512)]}


def _timed_op(check):
    """The op whose kernel a check's timed workload runs (None: the fused chain)."""
    from . import cl_ops, cl_reduce
    from .probe_cases import ops_of
    if check == "reduce":
        return next(op for op in ops_of(cl_reduce.reduce_op) if op.cl["init"] == "0")
    return ops_of(cl_ops.matmul_op)[0] if check == "matmul" else None


def _time_all(dev, jobs, dt, rounds=5):
    """Each job's workload: built and run once, then ``rounds`` turns of all; medians."""
    runs, times = {}, {}
    for check, params in jobs:
        dev._params, label = params, f"{check} [{params}]"
        _say({"start": label})
        runs[label] = (params, _workload(check, dev, dt))
        _timed(dev, *runs[label])
    for _ in range(rounds):
        for label, (params, run) in runs.items():
            times.setdefault(label, []).append(_timed(dev, params, run))
    for label, ts in times.items():
        _say({"done": label, "result": None, "seconds": sum(ts),
              "timed": statistics.median(ts)})


def _timed(dev, params, run):
    dev._params = params
    t0 = time.perf_counter()
    run()
    dev.finish()
    return time.perf_counter() - t0


def _workload(check, dev, dt):
    """The workload of a check that decides a parameter, as a function to time."""
    from ..ir.types import TensorType
    from . import cl_ops
    from .probe_cases import fused_chain
    rng = np.random.default_rng(0)
    shapes, op = TIMED[check], _timed_op(check)
    args = [dev.place(rng.uniform(-1, 1, s).astype(np.float32), dt.float32) for s in shapes]
    if op is None:  # the elementwise chain
        chain = fused_chain()
        body = tuple((o, (j,), (dt.float32,), dt.float32) for j, o in enumerate(chain))
        types = [TensorType(shapes[0], dt.float32)]
        run = lambda: cl_ops.elementwise(dev, body, (len(chain),), args, types)  # noqa: E731
    else:
        params = op.fill_params({})
        types = op.infer([TensorType(a.shape, a.dtype) for a in args], params)
        run = lambda: cl_ops.run(dev, op, args, params, types)  # noqa: E731
    return run


if __name__ == "__main__":
    main(sys.argv[1:])
