"""Property tests: gradients of random programs agree eagerly and inside am.function at
-O0 and -O2; second derivatives of every sampled op match finite differences of its
first derivative."""
import numpy as np
import pytest
from autodiff_samples import SAMPLES
from hypothesis import given, settings, strategies as st

import ambi as am
from ambi import tree
from ambi.ir.opdef import REGISTRY
from ambi.testing.strategies import ProgramSpec, programs


def program_grads(fn, xs):
    """Gradient of the sum of every float output w.r.t. each input (None: not float)."""
    with am.GradientTape() as tape:
        tape.watch(list(xs))
        outs = tree.flatten(fn(*xs))[0]
        total = None
        for o in outs:
            if o.dtype.is_float:
                s = am.reduce_sum(o)
                total = s if total is None else total + s
    if total is None:
        return [None] * len(xs)
    return tape.gradient(total, list(xs))


def _numpy(grads):
    return [None if g is None else np.asarray(g.numpy()) for g in grads]


@given(programs(ProgramSpec(max_ops=15)))
def test_gradients_agree_eagerly_and_in_graphs(program):
    xs = [am.constant(a) for a in program.inputs]
    eager = _numpy(program_grads(program.fn, xs))
    tol = 1e-5 * np.sqrt(program.k_terms)
    for level in (0, 2):
        graph = am.function(lambda *xs: program_grads(program.fn, xs), optimize=level)
        got = _numpy(graph(*xs))
        for i, (e, g) in enumerate(zip(eager, got)):
            if e is None:  # unconnected eagerly: a graph's loop node may give zeros
                assert g is None or not np.any(g), (i, g)
                continue
            assert g is not None, f"input {i}: eager has a gradient, -O{level} has none"
            np.testing.assert_allclose(g, e, rtol=tol, atol=tol, equal_nan=True,
                                       err_msg=f"input {i} at -O{level}\n{program!r}")


SMOOTH_ENOUGH = sorted(SAMPLES)
# 47 ops x examples: a third of the profile's count (dev 25 -> 8, ci 150 -> 50)
PER_OP_EXAMPLES = max(5, settings.default.max_examples // 3)


def first_grads(op, arrays, params, weights):
    """(tensors, grads) of sum(op(...) * weights) w.r.t. the float operands."""
    tensors = [am.constant(a) for a in arrays]
    with am.GradientTape() as tape:
        tape.watch(tensors)
        out = op(tensors, **params) if op.variadic else op(*tensors, **params)
        loss = am.reduce_sum(out * am.constant(weights))
    return tensors, tape.gradient(loss, tensors)


@pytest.mark.parametrize("name", SMOOTH_ENOUGH)
@settings(max_examples=PER_OP_EXAMPLES)
@given(data=st.data())
def test_second_derivative_matches_differences_of_the_first(name, data):
    op = REGISTRY[name]
    operands, params = SAMPLES[name](data.draw)
    arrays = [np.asarray(a) for a in (operands[0] if op.variadic else operands)]
    floats = [i for i, a in enumerate(arrays) if a.dtype == np.float64]
    v = [np.cos(np.arange(a.size) + 3 * i).reshape(a.shape) for i, a in enumerate(arrays)]
    weights = _weights(op, arrays, params)
    # Hessian-vector product: d/dx (grad . v), by a nested tape
    tensors = [am.constant(a) for a in arrays]
    with am.GradientTape() as outer:
        outer.watch(tensors)
        with am.GradientTape() as inner:
            inner.watch(tensors)
            out = op(tensors, **params) if op.variadic else op(*tensors, **params)
            loss = am.reduce_sum(out * am.constant(weights))
        g = inner.gradient(loss, tensors)
        gv = sum(am.reduce_sum(g[i] * am.constant(v[i])) for i in floats if g[i] is not None)
    hv = outer.gradient(gv, tensors) if isinstance(gv, am.Tensor) else [None] * len(arrays)
    h = 1e-5
    plus = _grads_at(op, arrays, params, weights, v, floats, h)
    minus = _grads_at(op, arrays, params, weights, v, floats, -h)
    for i in floats:
        expected = (plus[i] - minus[i]) / (2 * h)
        got = np.zeros(arrays[i].shape) if hv[i] is None else hv[i].numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5,
                                   err_msg=f"{name}: Hv for operand {i}, params {params}")


def _weights(op, arrays, params):
    tensors = [am.constant(a) for a in arrays]
    out = op(tensors, **params) if op.variadic else op(*tensors, **params)
    return np.linspace(0.5, 1.5, out.numpy().size).reshape(out.shape)


def _grads_at(op, arrays, params, weights, v, floats, step):
    moved = [a + step * v[i] if i in floats else a for i, a in enumerate(arrays)]
    grads = first_grads(op, moved, params, weights)[1]
    return [None if g is None else g.numpy() for g in grads]


def _op_grads(op, params, weights):
    def fn(*tensors):
        with am.GradientTape() as tape:
            tape.watch(list(tensors))
            out = op(list(tensors), **params) if op.variadic else op(*tensors, **params)
            loss = am.reduce_sum(out * am.constant(weights))
        return tape.gradient(loss, list(tensors))
    return fn


@pytest.mark.parametrize("name", SMOOTH_ENOUGH)
@settings(max_examples=PER_OP_EXAMPLES)
@given(data=st.data())
def test_each_op_gradient_is_the_same_in_graphs(name, data):
    op = REGISTRY[name]
    operands, params = SAMPLES[name](data.draw)
    arrays = [np.asarray(a) for a in (operands[0] if op.variadic else operands)]
    fn = _op_grads(op, params, _weights(op, arrays, params))
    eager = _numpy(fn(*[am.constant(a) for a in arrays]))
    for level in (0, 2):
        got = _numpy(am.function(fn, optimize=level)(*[am.constant(a) for a in arrays]))
        for e, g in zip(eager, got):
            assert (e is None) == (g is None)
            if e is not None:
                np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12,
                                           err_msg=f"{name} at -O{level}, params {params}")
