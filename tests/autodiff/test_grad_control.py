"""Gradients through am.cond and am.while_loop: eagerly (Python control flow, recorded
as it runs) and inside am.function (the cond/while nodes' gradient rules)."""
import numpy as np
import pytest

import ambi as am


def grad_of(fn, *xs, optimize=None):
    """d fn / d xs, eagerly (optimize=None) or inside am.function(optimize=...)."""
    def g(*xs):
        with am.GradientTape() as tape:
            tape.watch(list(xs))
            y = fn(*xs)
        return tape.gradient(y, list(xs))
    if optimize is not None:
        g = am.function(g, optimize=optimize)
    return [None if t is None else t.numpy() for t in g(*xs)]


MODES = [None, 0, 2]


def branchy(x, y, p):
    return am.cond(p, lambda: x * x * y, lambda: am.sin(y) + x)


@pytest.mark.parametrize("optimize", MODES)
@pytest.mark.parametrize("pred", [True, False])
def test_cond_gradient_takes_the_branch_that_ran(optimize, pred):
    x, y = am.constant(2.0), am.constant(0.5)
    gx, gy, gp = grad_of(branchy, x, y, am.constant(pred), optimize=optimize)
    expected = (2 * 2.0 * 0.5, 4.0) if pred else (1.0, np.cos(0.5))
    np.testing.assert_allclose([gx, gy], expected, rtol=1e-6)
    assert gp is None


def power_loop(x, n):
    _, y = am.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, y * x + 0.5),
                         [am.constant(0), am.constant(1.0, x.dtype)])
    return y


@pytest.mark.parametrize("optimize", MODES)
@pytest.mark.parametrize("trips", [0, 1, 3])
def test_while_gradient_through_a_counted_loop(optimize, trips):
    x = am.constant(1.5, am.float64)
    (gx, gn) = grad_of(power_loop, x, am.constant(trips), optimize=optimize)
    # y_k = x y_{k-1} + 0.5: dy/dx by the product rule, accumulated
    y, dy = 1.0, 0.0
    for _ in range(trips):
        y, dy = 1.5 * y + 0.5, y + 1.5 * dy
    if trips == 0 and optimize is None:
        assert gx is None  # eagerly the loop never touched x: unconnected
    else:  # a graph's loop node always connects x: zero when it did not run
        np.testing.assert_allclose(gx, dy, rtol=1e-12)
    assert gn is None


def test_while_gradient_with_respect_to_the_initial_value():
    def f(x0, w):
        _, y = am.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, am.tanh(y * w)),
                             [0, x0])
        return y
    x0, w = am.constant([0.3, -0.2], am.float64), am.constant(1.7, am.float64)
    eager = grad_of(f, x0, w)
    graph = grad_of(f, x0, w, optimize=2)
    for e, g in zip(eager, graph):
        np.testing.assert_allclose(g, e, rtol=1e-12)


def test_cond_nested_in_a_loop_body():
    def f(x):
        def body(i, y):
            return i + 1, am.cond(y > 1.0, lambda: y * 0.5, lambda: y * x)
        return am.while_loop(lambda i, y: i < 4, body, [0, am.constant(1.0, am.float64)])[1]
    x = am.constant(1.8, am.float64)
    np.testing.assert_allclose(grad_of(f, x, optimize=2)[0], grad_of(f, x)[0], rtol=1e-12)


@pytest.mark.parametrize("kind", ["cond", "while"])
def test_second_derivative_through_control_flow_in_a_graph(kind):
    def f(x):
        if kind == "cond":
            return am.cond(x > 0.0, lambda: x * x * x, lambda: x)
        return power_loop(x, am.constant(3))

    @am.function
    def second(x):
        with am.GradientTape() as t2:
            t2.watch(x)
            with am.GradientTape() as t1:
                t1.watch(x)
                y = f(x)
            d1 = t1.gradient(y, x)
        return t2.gradient(d1, x)
    x = am.constant(1.5, am.float64)
    # cond: 6x; loop: y = x^3 + 0.5x^2 + 0.5x + 0.5 -> y'' = 6x + 1
    expected = 6 * 1.5 if kind == "cond" else 6 * 1.5 + 1.0
    np.testing.assert_allclose(float(second(x)), expected, rtol=1e-12)
