"""The training step's fast paths give what the plain ones give: where's bitwise select
(the same bits as np.where), reduce_sum's einsum over a run of axes, and Adam's update
traced once per variable (Keras' arithmetic, hyperparameter changes seen)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ambi as am
from ambi.ops.elementwise import _where
from ambi.ops.reduce import reduce_sum

_sum_kernel = reduce_sum.kernel  # the einsum path where it applies, else numpy's reduce

EDGES = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, -3.5]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("zero_first", [True, False])
def test_where_with_a_zero_branch_has_np_where_bits(dtype, zero_first):
    rng = np.random.default_rng(0)
    v = np.array(EDGES * 5, dtype).reshape(5, 7)
    mask = rng.random((5, 7)) > 0.5
    for zero in (np.asarray(dtype(0)), dtype(0), np.asarray(dtype(-0.0))):
        # the mask may broadcast, or be a scalar (a numpy bool from an eager comparison)
        for c in (mask, mask[:1], mask[:, :1], np.bool_(True), np.asarray(False)):
            args = (c, zero, v) if zero_first else (c, v, zero)
            got, want = _where(*args), np.where(*args)
            assert got.dtype == want.dtype and got.shape == want.shape
            ints = np.int32 if dtype is np.float32 else np.int64
            np.testing.assert_array_equal(np.ascontiguousarray(got).view(ints),
                                          np.ascontiguousarray(want).view(ints))


def test_relu_gradient_is_exact_eagerly_and_traced():
    x = am.constant(np.array([-1.0, 0.0, -0.0, 2.0, np.inf], np.float32))

    def grad(x):
        with am.GradientTape() as tape:
            tape.watch(x)
            y = am.reduce_sum(am.relu(x) * am.constant([1.0, 2.0, 3.0, np.inf, 5.0]))
        return tape.gradient(y, x)
    want = np.array([0.0, 0.0, 0.0, np.inf, 5.0], np.float32)
    np.testing.assert_array_equal(grad(x).numpy(), want)
    np.testing.assert_array_equal(am.function(grad)(x).numpy(), want)


@given(hnp.arrays(np.float32, hnp.array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=40),
                  elements=st.floats(-100, 100, width=32)), st.data())
def test_reduce_sum_over_a_run_of_axes_matches_numpy(x, data):
    nd = x.ndim
    lo = data.draw(st.integers(0, nd - 1))
    hi = data.draw(st.integers(lo + 1, nd))
    keepdims = data.draw(st.booleans())
    axes = tuple(range(lo, hi))
    got = _sum_kernel(x, axes, keepdims)
    want = np.add.reduce(x.astype(np.float64), axis=axes, keepdims=keepdims)
    assert got.dtype == x.dtype and got.shape == want.shape
    # SPEC's float32 tolerance grown by sqrt(K) for K terms, as tests/ops checks sums
    k = np.sqrt(max(1, int(np.prod([x.shape[a] for a in axes]))))
    np.testing.assert_allclose(got, want, rtol=1e-5 * k, atol=1e-4 * k)


def test_reduce_sum_bias_gradient_shape_takes_the_einsum_path():
    x = np.random.default_rng(0).standard_normal((32, 6, 6, 16)).astype(np.float32)
    got = _sum_kernel(x, (0, 1, 2), False)
    np.testing.assert_allclose(got, x.astype(np.float64).sum(axis=(0, 1, 2)), rtol=1e-5)
    with pytest.raises(np.exceptions.AxisError):  # a bad axis is still numpy's error
        _sum_kernel(x, (0, 4), False)


def _keras_adam(w, grads, lr=0.01, b1=0.9, b2=0.999, eps=1e-7):
    m, v = np.zeros_like(w), np.zeros_like(w)
    f = np.float32
    for t, g in enumerate(grads, 1):
        lr_t = f(lr) * np.sqrt(f(1) - f(b2) ** f(t)) / (f(1) - f(b1) ** f(t))
        m = f(b1) * m + f(1 - b1) * g
        v = f(b2) * v + f(1 - b2) * (g * g)
        w = w - lr_t * m / (np.sqrt(v) + f(eps))
    return w


def test_adam_traced_update_follows_keras_and_sees_a_new_learning_rate():
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((3, 4)).astype(np.float32)
    grads = [rng.standard_normal((3, 4)).astype(np.float32) for _ in range(4)]
    w, opt = am.Variable(w0), am.optimizers.Adam(0.01)
    for g in grads:
        opt.apply_gradients([(am.constant(g), w)])
    np.testing.assert_allclose(w.numpy(), _keras_adam(w0, grads), rtol=1e-6, atol=1e-7)
    before = w.numpy().copy()
    opt.learning_rate = 0.0  # as Keras: the next update uses the new rate
    opt.apply_gradients([(am.constant(grads[0]), w)])
    np.testing.assert_array_equal(w.numpy(), before)
    assert int(opt.iterations.numpy()) == 5


def test_adam_eager_traced_and_op_by_op_agree_exactly():
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal((5,)).astype(np.float32)
    grads = [am.constant(rng.standard_normal(5).astype(np.float32)) for _ in range(3)]
    results = []
    for mode in ("eager", "graph", "functions eagerly"):
        w, opt = am.Variable(w0), am.optimizers.Adam(0.1)
        step = am.function(lambda g, w=w, opt=opt: opt.apply_gradients([(g, w)]))
        for g in grads:
            if mode == "graph":
                step(g)
            elif mode == "eager":
                opt.apply_gradients([(g, w)])
            else:
                am.config.run_functions_eagerly(True)
                try:
                    opt.apply_gradients([(g, w)])
                finally:
                    am.config.run_functions_eagerly(False)
        results.append(w.numpy())
    np.testing.assert_array_equal(results[0], results[1])
    np.testing.assert_array_equal(results[0], results[2])


def test_one_traced_step_for_all_variables_reads_a_variable_rate_at_run_time():
    w, b = am.Variable([1.0, 2.0]), am.Variable(0.5)
    rate = am.Variable(0.1)
    opt = am.optimizers.Adam(rate)
    opt.apply_gradients([(am.constant([1.0, -1.0]), w), (2.0, b), (None, w)])
    np.testing.assert_allclose(w.numpy(), [0.9, 2.1], rtol=1e-5)  # Adam's first step: lr
    np.testing.assert_allclose(b.numpy(), 0.4, rtol=1e-5)
    rate.assign(0.0)
    opt.apply_gradients([(am.constant([1.0, -1.0]), w), (2.0, b)])
    np.testing.assert_allclose(w.numpy(), [0.9, 2.1], rtol=1e-5)
    assert len(opt._steps) == 1 and int(opt.iterations.numpy()) == 2  # traced once
    sgd = am.optimizers.SGD(rate)
    sgd.apply_gradients([(am.constant([1.0, -1.0]), w)])
    np.testing.assert_allclose(w.numpy(), [0.9, 2.1], rtol=1e-5)
    rate.assign(0.5)
    sgd.apply_gradients([(am.constant([1.0, -1.0]), w)])
    np.testing.assert_allclose(w.numpy(), [0.4, 2.6], rtol=1e-5)


def test_mean_of_one_weighted_value_counts_the_weight():
    m = am.metrics.Mean()
    m.update_state(am.constant(2.0), sample_weight=3.0)
    m.update_state(am.constant(4.0), sample_weight=1)
    assert float(m.result()) == pytest.approx((2 * 3 + 4) / 4)


def test_sparse_crossentropy_picks_the_label_without_nan_from_other_classes():
    logits = am.constant([[0.0, -np.inf, 0.0], [1.0, 2.0, 3.0]])
    labels = np.array([0, 2])
    for fn in (lambda y, z: am.losses.sparse_categorical_crossentropy(y, z, from_logits=True),
               am.function(lambda y, z: am.losses.sparse_categorical_crossentropy(
                   y, z, from_logits=True))):
        per = fn(am.constant(labels), logits).numpy()
        want = [np.log(2.0), -np.log(np.exp(3.0) / np.exp([1.0, 2.0, 3.0]).sum())]
        np.testing.assert_allclose(per, want, rtol=1e-6)
        float_labels = fn(am.constant(labels.astype(np.float32)), logits).numpy()
        np.testing.assert_array_equal(float_labels, per)
