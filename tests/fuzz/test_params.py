"""Every op x every param x every mode and device: a bad value gets the same
ArgumentError, naming the op and the argument, from the one checker of the op record.

Driven by the registry: each param's declared kind (``ambi.ir.params.KINDS``) picks the
bad values to try, so a new op or param is covered with no edit here.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import ambi as am
from ambi.errors import AmbiError, ArgumentError, DeviceError
from ambi.ir.opdef import REGISTRY
from ambi.ir.params import KINDS

from .conftest import budget

_bad_ints = st.sampled_from([1.5, True, "0", None, np.float32(1.0), (0.5,)])
_bad_lists = st.sampled_from([None, 1.5, "ab", (1.5,), (True,), ((2,),), (None,),
                              frozenset([1])])
BAD = {  # kind -> values that kind refuses (reprs stable across runs, for the messages)
    "axis": _bad_ints,
    "axis_or_none": st.sampled_from([1.5, True, "0", (0,)]),
    "axes": st.sampled_from([1.5, True, "0", (0.5,), ((0,),), frozenset([0])]),
    "shape": _bad_lists | st.sampled_from([(-1,), (2, -3)]),
    "newshape": _bad_lists | st.sampled_from([(-2,)]),
    "perm": st.sampled_from([1, (0.0, 1.0), "x", (None,)]),
    "begin": _bad_lists,
    "bool": st.sampled_from(["yes", 1, None, 0.0, np.int64(1)]),
    "count": st.sampled_from([-1, 1.5, True, "2", None]),
    "positive": st.sampled_from([0, -1, 1.5, None]),
    "window": st.sampled_from([0, (1, 0), (1, 2, 3), None, 1.5, "2"]),
    "padding": st.sampled_from(["same", "", None, 1]),
    "dtype": st.sampled_from(["float16", None, 3, "x", True]),
    "seed": st.sampled_from([-1, 2 ** 63, 1.5, "1", True]),
    "real": st.sampled_from([None, "1", True, (1.0,)]),
    "index": st.sampled_from([(1.5,), "x", (("s", "a", None, None),), 3]),
    "template": st.sampled_from([(1,), 3, "x"]),
    "name": st.sampled_from([3, (1,), 1.5]),
    "array": st.sampled_from(["x", 3, (1,), None]),
    "graph": st.sampled_from([3, "g", None]),
    "tensor_type": st.sampled_from([3, (2,), None]),
    "variable": st.sampled_from([3, None, "v"]),
}


def test_every_kind_has_bad_values():
    assert set(BAD) == set(KINDS)


def _operands(op):
    """Valid operands; the param check comes first, so simple ones do for every op."""
    if op.variadic:
        return [[am.constant([[1.0, 2.0]]), am.constant([[3.0, 4.0]])]]
    if op.name in ("gather", "one_hot"):
        return [am.constant([1.0, 2.0])][:op.arity - 1] + [am.constant([0, 1])]
    if op.name in ("conv2d", "max_pool2d"):
        return [am.ones([1, 4, 4, 1]), am.ones([1, 1, 1, 1])][:op.arity]
    return [am.ones([2, 2])] * op.arity


PAIRS = [pytest.param(name, key, id=f"{name}.{key}") for name, op in sorted(REGISTRY.items())
         for key in op.params]


def _outcome(call, device=None, graph=False):
    fn = am.function(call, device=device) if graph else call
    try:
        with am.device(device) if device is not None else _nothing():
            fn()
    except AmbiError as e:
        return type(e), e.message
    return None


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _cl_devices():
    try:
        return [d for d in am.devices() if str(d) != "cpu"]
    except DeviceError:
        return []


CL = _cl_devices()


@pytest.mark.parametrize("name,key", PAIRS)
@settings(max_examples=budget(4, 25), deadline=None)
@given(data=st.data())
def test_a_bad_param_is_the_same_argument_error_everywhere(name, key, data):
    op = REGISTRY[name]
    value = data.draw(BAD[op.kinds[key]], label=key)
    operands = _operands(op)

    def call():
        return op(*operands, **{key: value})

    want = _outcome(call)
    assert want is not None and want[0] is ArgumentError, want
    assert want[1].startswith(f"{name}: argument {key!r} must be"), want
    assert _outcome(call, graph=True) == want
    for device in CL:
        assert _outcome(call, device) == want
        assert _outcome(call, device, graph=True) == want


def test_opencl_devices_are_part_of_the_param_test():
    if not CL:
        pytest.skip("no OpenCL device validates here, so the param test ran on cpu only "
                    "(pip install pocl-binary-distribution for one)")
    assert all(str(d).startswith("opencl:") for d in CL)


# -- constructors: hostile arguments, same outcome eagerly and in a graph -------------------
hostile = st.sampled_from([None, True, -1, 0, 2, 1.5, float("nan"), float("inf"), 10 ** 20,
                           -(10 ** 20), "3", (2,), (2, -1), ((2,),), (1.5,), (),
                           np.int64(2), np.float32(1.0)])
CONSTRUCTORS = {
    "zeros": lambda a, b, c: am.zeros(a), "ones": lambda a, b, c: am.ones(a, b),
    "fill": lambda a, b, c: am.fill(a, b), "range": lambda a, b, c: am.range(a, b, c),
    "eye": lambda a, b, c: am.eye(a, b), "constant": lambda a, b, c: am.constant(a, b),
    "normal": lambda a, b, c: am.random.normal(a, mean=b, stddev=c, seed=1),
    "uniform": lambda a, b, c: am.random.uniform(a, minval=b, maxval=c, seed=2),
}


def _result(fn):
    try:
        out = fn()
    except AmbiError as e:
        return type(e).__name__, e.message
    return out.shape, out.dtype, out.numpy().tolist()


@pytest.mark.parametrize("name", sorted(CONSTRUCTORS))
@settings(max_examples=budget(15, 150), deadline=None)
@given(a=hostile, b=hostile, c=hostile)
def test_constructors_give_one_outcome_in_every_mode(name, a, b, c):
    make = CONSTRUCTORS[name]
    eager = _result(lambda: make(a, b, c))
    graph = _result(am.function(lambda: make(a, b, c)))
    assert repr(eager) == repr(graph)
