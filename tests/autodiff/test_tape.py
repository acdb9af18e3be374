"""GradientTape behaviour (SPEC section 7): watching, structures, persistence, nesting,
variables, stop_gradient, custom gradients and the functional am.grad."""
import numpy as np
import pytest

import ambi as am


def test_seed_square_of_a_variable():
    w = am.Variable([[1.0]])
    with am.GradientTape() as tape:
        loss = w * w
    grad = tape.gradient(loss, w)
    assert grad.dtype is am.float32
    np.testing.assert_array_equal(grad.numpy(), [[2.0]])


def test_watched_constant_and_unconnected_source_is_none():
    x, y = am.constant(3.0), am.constant(4.0)
    with am.GradientTape() as tape:
        tape.watch([x, y])
        z = x * x
    gx, gy = tape.gradient(z, [x, y])
    assert float(gx) == 6.0 and gy is None


def test_unwatched_constant_gets_none():
    x = am.constant(3.0)
    with am.GradientTape() as tape:
        z = x * x
    assert tape.gradient(z, x) is None


def test_nested_structures_keep_their_shape():
    a, b, c = am.constant(1.0), am.constant(2.0), am.constant(3.0)
    with am.GradientTape() as tape:
        tape.watch([a, b, c])
        z = a * b * c
    g = tape.gradient(z, {"ab": [a, b], "c": c})
    assert set(g) == {"ab", "c"} and isinstance(g["ab"], list)
    assert [float(t) for t in g["ab"]] == [6.0, 3.0] and float(g["c"]) == 2.0


def test_non_persistent_tape_used_twice_raises():
    x = am.constant(2.0)
    with am.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(am.AmbiError, match="persistent"):
        tape.gradient(y, x)


def test_persistent_tape_gives_many_gradients():
    x = am.constant(2.0)
    with am.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    assert float(tape.gradient(y, x)) == 4.0
    assert float(tape.gradient(z, x)) == 32.0  # d x^4 = 4 x^3


def test_nested_tapes_give_second_and_third_derivatives():
    x = am.constant(1.5, am.float64)
    with am.GradientTape() as t3:
        t3.watch(x)
        with am.GradientTape() as t2:
            t2.watch(x)
            with am.GradientTape() as t1:
                t1.watch(x)
                y = am.sin(x) * x
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    s, c = np.sin(1.5), np.cos(1.5)
    np.testing.assert_allclose([float(d1), float(d2), float(d3)],
                               [c * 1.5 + s, 2 * c - 1.5 * s, -3 * s - 1.5 * c])


def test_non_scalar_target_is_summed():
    x = am.constant([1.0, 2.0])
    with am.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [2.0, 4.0])


def test_output_gradients_weight_the_target():
    x = am.constant([1.0, 2.0])
    with am.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    g = tape.gradient(y, x, output_gradients=am.constant([10.0, 1.0]))
    np.testing.assert_array_equal(g.numpy(), [20.0, 4.0])


def test_variables_are_watched_unless_told_not_to():
    w = am.Variable(3.0)
    frozen = am.Variable(5.0, trainable=False)
    with am.GradientTape() as tape:
        y = w * frozen
    gw, gf = tape.gradient(y, [w, frozen])
    assert float(gw) == 5.0 and gf is None
    with am.GradientTape(watch_accessed_variables=False) as tape:
        y = w * w
    assert tape.gradient(y, w) is None
    with am.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(w)
        y = w * w
    assert float(tape.gradient(y, w)) == 6.0
    assert tape.watched_variables() == [w]


def test_variable_read_twice_sums_its_gradients():
    w = am.Variable(2.0)
    with am.GradientTape() as tape:
        y = w.read_value() * 3.0 + w.read_value() * w
    assert float(tape.gradient(y, w)) == 3.0 + 4.0


def test_stop_gradient_blocks_the_flow():
    x = am.constant(3.0)
    with am.GradientTape() as tape:
        tape.watch(x)
        y = x * am.stop_gradient(x)
    assert float(tape.gradient(y, x)) == 3.0


def test_integer_inputs_get_no_gradient():
    x, i = am.constant([1.0, 2.0]), am.constant([1, 0])
    with am.GradientTape() as tape:
        tape.watch([x, i])
        y = am.reduce_sum(am.gather(x, i) * am.one_hot(i, 2)) + am.reduce_sum(
            am.cast(am.cast(x, am.int32), am.float32))
    gx, gi = tape.gradient(y, [x, i])
    assert gi is None
    # sum(gather * one_hot) = x0 + x1; the int cast cuts the second term
    np.testing.assert_array_equal(gx.numpy(), [1.0, 1.0])


def test_relu_and_abs_at_zero_follow_tensorflow():
    x = am.constant([0.0, 2.0, -2.0])
    with am.GradientTape(persistent=True) as tape:
        tape.watch(x)
        r, a, m = am.relu(x), am.abs(x), am.maximum(x, am.constant([0.0, 0.0, 0.0]))
    np.testing.assert_array_equal(tape.gradient(r, x).numpy(), [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(tape.gradient(a, x).numpy(), [0.0, 1.0, -1.0])
    np.testing.assert_array_equal(tape.gradient(m, x).numpy(), [1.0, 1.0, 0.0])


def test_reduce_max_ties_share_the_gradient():
    x = am.constant([1.0, 3.0, 3.0])
    with am.GradientTape() as tape:
        tape.watch(x)
        y = am.reduce_max(x)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [0.0, 0.5, 0.5])


def log1pexp_plain(x):
    return am.log(1 + am.exp(x))


@am.custom_gradient
def log1pexp(x):
    e = am.exp(x)

    def grad(dy):
        return dy * (1 - 1 / (1 + e))
    return am.log(1 + e), grad


def test_seed_log1pexp_custom_gradient():
    assert float(am.grad(log1pexp_plain)(am.constant(0.0))[0]) == 0.5
    assert np.isnan(float(am.grad(log1pexp_plain)(am.constant(100.0))[0]))
    assert float(am.grad(log1pexp)(am.constant(100.0))[0]) == 1.0
    assert float(am.grad(log1pexp)(am.constant(0.0))[0]) == 0.5


def test_custom_gradient_inside_a_function_and_of_several_inputs():
    @am.custom_gradient
    def mul(a, b):
        return a * b, lambda dy: (dy * b * 10.0, dy * a * 10.0)

    @am.function
    def f(a, b):
        return am.grad(mul)(a, b)
    ga, gb = f(am.constant(2.0), am.constant(3.0))
    assert (float(ga), float(gb)) == (30.0, 20.0)


def test_custom_gradient_returning_its_input():
    @am.custom_gradient
    def ident(x):
        return x, lambda dy: dy * 2.0
    assert float(am.grad(ident)(am.constant(1.0))[0]) == 2.0


@pytest.mark.parametrize("in_graph", [False, True], ids=["eager", "graph"])
def test_custom_gradient_of_variables_takes_the_variables_argument(in_graph):
    """TensorFlow's form: grad_fn(dy, variables=...) -> (input grads, variable grads)."""
    w = am.Variable([2.0, 3.0], name="w")
    seen = []

    @am.custom_gradient
    def scale(x):
        def grad_fn(dy, variables=None):
            seen.append(list(variables))
            return dy * w * 10.0, [dy * x * 100.0]
        return x * w, grad_fn

    def grads(x):
        with am.GradientTape() as tape:
            tape.watch(x)
            loss = am.reduce_sum(scale(x))
        return tape.gradient(loss, [x, w])

    gx, gw = (am.function(grads) if in_graph else grads)(am.constant([1.0, 4.0]))
    assert gx.numpy().tolist() == [20.0, 30.0] and gw.numpy().tolist() == [100.0, 400.0]
    assert seen[0] == [w]


def test_custom_gradient_reading_variables_needs_a_variables_argument():
    w = am.Variable(2.0, name="w")

    @am.custom_gradient
    def scale(x):
        return x * w, lambda dy: dy * w

    with pytest.raises(am.errors.ArgumentError, match="keyword argument 'variables'"):
        scale(am.constant(1.0))

    @am.custom_gradient
    def wrong(x):
        return x * w, lambda dy, variables: dy * w  # no variable gradients

    with am.GradientTape() as tape, pytest.raises(am.errors.ArgumentError, match="variable gra"):
        tape.gradient(wrong(am.constant(1.0)), w)


def test_grad_and_value_and_grad():
    f = lambda a, b: a * a * b  # noqa: E731
    ga, gb = am.grad(f)(am.constant(3.0), am.constant(2.0))
    assert (float(ga), float(gb)) == (12.0, 9.0)
    value, (ga, gb) = am.value_and_grad(f)(3.0, 2.0)
    assert float(value) == 18.0 and float(ga) == 12.0
    assert am.grad(lambda n: n * 2)(3) == (None,)  # an int argument has no gradient


def test_grad_with_respect_to_variables():
    w, b = am.Variable(2.0), am.Variable(1.0)
    gw, gb = am.grad(lambda x: w * x + b, wrt=[w, b])(am.constant(5.0))
    assert (float(gw), float(gb)) == (5.0, 1.0)


def test_gradient_inside_a_function_is_part_of_the_graph():
    @am.function(optimize=0)
    def f(x):
        with am.GradientTape() as tape:
            tape.watch(x)
            y = am.reduce_sum(am.sin(x) * x)
        return tape.gradient(y, x)
    x = np.array([0.5, 1.0], np.float32)
    np.testing.assert_allclose(f(am.constant(x)).numpy(), np.cos(x) * x + np.sin(x), rtol=1e-6)
    ops = {f.get_concrete_function(am.constant(x)).graph[n]["op"].name
           for n in f.get_concrete_function(am.constant(x)).graph.nx}
    assert "cos" in ops  # sin's gradient rule ran at trace time, into the graph


def test_a_function_called_under_an_outer_tape_is_differentiated():
    f = am.function(lambda x: x * x * x)
    x = am.constant(2.0)
    with am.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    assert float(tape.gradient(y, x)) == 12.0


def test_watch_rejects_non_tensors():
    with am.GradientTape() as tape:
        with pytest.raises(am.AmbiError):
            tape.watch("x")


def test_gradient_with_respect_to_an_intermediate_value():
    x = am.constant(2.0)
    with am.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        z = y * 3.0
    gy, gx = tape.gradient(z, [y, x])
    assert (float(gy), float(gx)) == (3.0, 12.0)


def test_second_derivative_through_a_custom_gradient():
    @am.custom_gradient
    def cube(x):
        return x * x * x, lambda dy: dy * 3.0 * x * x
    x = am.constant(2.0)
    with am.GradientTape() as outer:
        outer.watch(x)
        with am.GradientTape() as inner:
            inner.watch(x)
            y = cube(x)
        dy = inner.gradient(y, x)
    assert float(dy) == 12.0 and float(outer.gradient(dy, x)) == 12.0  # 6x


def test_a_tape_records_nothing_after_its_block():
    x = am.constant(2.0)
    with am.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
    z = y * x  # outside the block: not recorded
    assert float(tape.gradient(y, x)) == 4.0 and tape.gradient(z, x) is None


def test_stop_recording_pauses_every_tape():
    x = am.constant(2.0)
    with am.GradientTape() as tape:
        tape.watch(x)
        with am.autodiff.stop_recording():
            y = x * x
    assert tape.gradient(y, x) is None
