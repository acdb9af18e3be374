"""Issue 13's remaining reproducers from porting TensorFlow's eager guide: TensorSpec,
custom_gradient (non-tensor arguments, second derivatives through closures), identity
and the clip composites, argmax/argmin defaults, strategies, exit codes, and dtype
errors that name the op and suggest the cast that works."""
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given

import ambi as am
from ambi.errors import ArgumentError
from ambi.testing import assert_equivalent, strategies as S


# -- TensorSpec ---------------------------------------------------------------------------
def test_get_concrete_function_takes_tensor_specs():
    f = am.function(lambda x: x * 2.0)
    cf = f.get_concrete_function(am.TensorSpec([2], am.float32))
    assert cf(am.constant([1.0, 2.0])).numpy().tolist() == [2.0, 4.0]
    assert f.trace_count == 1


def test_a_none_dimension_in_input_signature_matches_any_size():
    g = am.function(am.reduce_sum, input_signature=[am.TensorSpec([None], am.float32)])
    assert float(g(am.constant([1.0, 2.0]))) == 3.0
    assert float(g(am.constant([1.0, 2.0, 3.0]))) == 6.0
    with pytest.raises(ArgumentError, match="input_signature"):
        g(am.constant([[1.0]]))
    with pytest.raises(ArgumentError, match="unknown dimension"):
        g.get_concrete_function()


# -- custom_gradient ----------------------------------------------------------------------
@am.custom_gradient
def log1pexp(x):
    e = am.exp(x)

    def grad(dy):
        return dy * (1 - 1 / (1 + e))
    return am.log(1 + e), grad


@am.custom_gradient
def clip_gradient_by_norm(x, norm):
    y = am.identity(x)

    def grad_fn(dresult):
        return [am.clip_by_norm(dresult, norm), None]
    return y, grad_fn


def test_second_derivative_through_a_closure_over_forward_values():
    x = am.constant(1.0)
    with am.GradientTape() as outer:
        outer.watch(x)
        with am.GradientTape() as inner:
            inner.watch(x)
            y = log1pexp(x)
        g = inner.gradient(y, x)
    assert float(g) == pytest.approx(0.7310586)
    assert float(outer.gradient(g, x)) == pytest.approx(0.19661193, rel=1e-5)  # TF's value
    assert float(am.grad(log1pexp)(am.constant(100.0))[0]) == 1.0  # still stable


def test_grad_fn_may_return_none_for_a_python_argument():
    v = am.constant([3.0, 4.0])
    with am.GradientTape() as tape:
        tape.watch(v)
        out = am.reduce_sum(clip_gradient_by_norm(v, 1.0) * 10.0)
    g = tape.gradient(out, v).numpy()
    assert np.allclose(g, [0.70710677, 0.70710677])
    assert clip_gradient_by_norm(v, 1.0).numpy().tolist() == [3.0, 4.0]


# -- composites ---------------------------------------------------------------------------
def test_identity_and_clips():
    x = am.constant([1.0, 2.0])
    y = am.identity(x)
    assert y is not x and y.numpy().tolist() == [1.0, 2.0]
    assert am.identity([1, 2]).dtype == am.int32
    assert am.clip_by_value(am.constant([-2.0, 0.5, 3.0]), -1.0, 1.0).numpy().tolist() == \
        [-1.0, 0.5, 1.0]
    assert np.allclose(am.clip_by_norm(am.constant([3.0, 4.0]), 1.0).numpy(), [0.6, 0.8])
    assert am.clip_by_norm(am.constant([0.3, 0.4]), 1.0).numpy().tolist() == \
        pytest.approx([0.3, 0.4])  # already short enough: unchanged
    rows = am.clip_by_norm(am.constant([[3.0, 4.0], [0.0, 0.5]]), 1.0, axes=[1]).numpy()
    assert np.allclose(rows, [[0.6, 0.8], [0.0, 0.5]])


def test_clip_by_norm_of_zero_has_a_finite_gradient():
    g = am.grad(lambda x: am.reduce_sum(am.clip_by_norm(x, 1.0)))(am.zeros([2]))[0]
    assert np.isfinite(g.numpy()).all()


@given(S.tensors("float32", shape=S.shapes(max_dims=2), elements=S.st.floats(-10, 10,
                                                                             width=32)))
def test_clips_agree_across_modes(x):
    assert_equivalent(lambda t: (am.clip_by_norm(t, 2.0), am.clip_by_value(t, -1.0, 1.0),
                                 am.identity(t)), x)


# -- argmax / argmin ----------------------------------------------------------------------
def test_argmax_defaults_to_the_flattened_index_and_takes_keepdims():
    x = am.constant([[1.0, 5.0], [7.0, 2.0]])
    assert int(am.argmax(x)) == 2 and int(am.argmin(x)) == 0  # numpy/JAX/SPEC: axis=None
    assert am.argmax(x, axis=0).numpy().tolist() == [1, 0]
    assert am.argmax(x, keepdims=True).shape == (1, 1)
    assert am.argmin(x, axis=1, keepdims=True).numpy().tolist() == [[0], [1]]
    assert_equivalent(lambda t: am.argmax(t, axis=1, keepdims=True), x)


# -- strategies, exit codes ---------------------------------------------------------------
@given(S.tensors(shape=S.shapes(max_dims=2)))
def test_tensors_take_a_shape_strategy(x):
    assert x.ndim <= 2


def test_a_missing_file_is_a_usage_error_for_run_and_exec():
    for cmd in ("run", "exec"):
        out = subprocess.run([sys.executable, "-m", "ambi", cmd, "/no/such/file"],
                             capture_output=True, text=True)
        assert out.returncode == 2, (cmd, out.stderr)
        assert "cannot read /no/such/file" in out.stderr


# -- dtype errors: the op, and a cast that would work -------------------------------------
@pytest.mark.parametrize("mode", ["eager", "graph"])
def test_a_float64_array_plus_a_float32_tensor_names_the_op(mode):
    def f(x):
        return x + np.array([1.0, 2.0])
    f = am.function(f) if mode == "graph" else f
    with pytest.raises(am.errors.DTypeError, match=r"error: add: operands have different "
                                                   r"dtypes float32 and float64"):
        f(am.constant([1.0, 2.0]))
    with pytest.raises(am.errors.DTypeError, match=r"error: multiply: operands have"):
        np.array([1.0]) * am.constant([1.0])


@pytest.mark.parametrize("layer", [lambda: am.nn.Dense(3), lambda: am.nn.Conv2D(2, 1),
                                   lambda: am.nn.Dense(3, dtype="float64")])
def test_a_layer_given_ints_suggests_a_cast_to_its_float_dtype(layer):
    layer = layer()
    x = am.ones([1, 2, 2, 2], am.int32)
    want = layer.dtype.name
    with pytest.raises(am.errors.DTypeError) as e:
        layer(x)
    assert f"the input is int32, but the layer computes in {want}" in str(e.value)
    assert f"am.cast(x, am.{want})" in str(e.value) and "am.int32" not in str(e.value)
    assert layer(am.cast(x, layer.dtype)).dtype == layer.dtype   # the hint works
