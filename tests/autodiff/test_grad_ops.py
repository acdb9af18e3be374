"""Every differentiable op's gradient against central finite differences, in float64.

The registry drives it: each op declared ``differentiable`` (primitive or composite)
must have a sample in samples.py (or a reason in ELSEWHERE), and each differentiable
primitive must carry a ``vjp`` rule.
"""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import ambi as am
from ambi.ir.opdef import REGISTRY

from autodiff_samples import ELSEWHERE, SAMPLES

DIFFERENTIABLE = sorted(n for n, op in REGISTRY.items() if op.differentiable)


def test_every_differentiable_primitive_has_a_vjp():
    missing = [n for n in DIFFERENTIABLE if REGISTRY[n].primitive and REGISTRY[n].vjp is None]
    assert not missing, f"differentiable ops without a vjp rule: {missing}"


def test_every_differentiable_op_is_sampled():
    missing = [n for n in DIFFERENTIABLE if n not in SAMPLES and n not in ELSEWHERE]
    assert not missing, f"add a sample to tests/autodiff/autodiff_samples.py for: {missing}"


def test_an_op_without_a_rule_fails_loudly():
    from ambi.ir.opdef import declare
    op = declare("ruleless", kernel=lambda x: x * 2, shape=lambda s: s)
    x = am.constant(1.0)
    with am.GradientTape() as tape:
        tape.watch(x)
        y = op(x)
    with pytest.raises(am.AmbiError, match="ruleless has no gradient rule"):
        tape.gradient(y, x)


def loss_np(op, operands, params, weights):
    args = [[am.constant(a) for a in operands[0]]] if op.variadic else \
        [am.constant(a) for a in operands]
    out = op(*args, **params).numpy().astype(np.float64)
    return float(np.sum(out * weights))


def numeric_grad(op, operands, params, weights, i, h=1e-6):
    """Central differences of sum(op(...) * weights) w.r.t. operand ``i``."""
    flat = operands[0] if op.variadic else operands
    grad = np.zeros(np.shape(flat[i]))
    for k in np.ndindex(flat[i].shape):
        vals = []
        for sign in (1, -1):
            moved = [np.array(a) for a in flat]
            moved[i][k] += sign * h
            vals.append(loss_np(op, [moved] if op.variadic else moved, params, weights))
        grad[k] = (vals[0] - vals[1]) / (2 * h)
    return grad


@pytest.mark.parametrize("name", sorted(SAMPLES))
@given(data=st.data())
def test_gradient_matches_finite_differences(name, data):
    op = REGISTRY[name]
    operands, params = SAMPLES[name](data.draw)  # a sample draws with data.draw
    flat_np = operands[0] if op.variadic else operands
    tensors = [am.constant(a) for a in flat_np]
    with am.GradientTape() as tape:
        tape.watch(tensors)
        out = op(tensors, **params) if op.variadic else op(*tensors, **params)
        weights = np.linspace(0.5, 1.5, out.numpy().size).reshape(out.shape)
        loss = am.reduce_sum(out * am.constant(weights.astype(out.dtype.np)))
    grads = tape.gradient(loss, tensors)
    for i, (a, g) in enumerate(zip(flat_np, grads)):
        if a.dtype != np.float64:
            assert g is None, f"{name}: operand {i} ({a.dtype}) got a gradient"
            continue
        assert g is not None, f"{name}: no gradient for operand {i}"
        assert g.shape == a.shape and g.dtype is am.float64
        expected = numeric_grad(op, operands, params, weights, i)
        np.testing.assert_allclose(g.numpy(), expected, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{name} d/d operand {i}, params {params}")
