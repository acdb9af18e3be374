"""am.compat: TensorFlow-1 style Graph, placeholder and Session."""
import numpy as np
import pytest

import ambi as am
from ambi.errors import AmbiError, ArgumentError, TracingError


@pytest.fixture
def graph():
    """A graph with two placeholders and a few ops on them."""
    g = am.compat.Graph("g")
    with g.as_default():
        x = am.compat.placeholder(am.float32, [3], name="x")
        n = am.compat.placeholder(am.int32, [], name="n")
        y = x * 2.0 + 1.0
        s = am.reduce_sum(y)
        k = n * 10
    return g, x, n, y, s, k


def test_placeholder_session_and_feed(graph):
    g, x, n, y, s, k = graph
    with am.compat.Session(g) as sess:
        out = sess.run(y, feed_dict={x: [1.0, 2.0, 3.0]})
        assert isinstance(out, np.ndarray) and out.dtype == np.float32
        np.testing.assert_array_equal(out, [3.0, 5.0, 7.0])
        assert sess.run(k, {n: 4}) == 40 and isinstance(sess.run(k, {n: 4}), np.ndarray)


def test_fetch_structures_are_kept(graph):
    g, x, n, y, s, k = graph
    feed = {x: np.array([0.0, 1.0, 2.0], np.float32), n: np.array(2, np.int32)}
    out = am.compat.Session(g).run({"pair": (y, s), "list": [k, [x]], "none": None}, feed)
    assert set(out) == {"pair", "list", "none"} and out["none"] is None
    assert isinstance(out["pair"], tuple) and isinstance(out["list"][1], list)
    np.testing.assert_array_equal(out["pair"][0], [1.0, 3.0, 5.0])
    assert out["pair"][1] == 9.0 and out["list"][0] == 20
    np.testing.assert_array_equal(out["list"][1][0], feed[x])


def test_fetch_and_feed_by_name(graph):
    g, x, n, y, s, k = graph
    sess = am.compat.Session(g)
    assert sess.run(k.name, {"n:0": 3}) == 30 and sess.run(k, {"n": 3}) == 30
    np.testing.assert_array_equal(sess.run(g.get_tensor_by_name(y.name), {"x": [0, 0, 0]}),
                                  [1.0, 1.0, 1.0])
    with pytest.raises(ArgumentError, match="no tensor named 'nope:0'"):
        sess.run("nope:0")


def test_only_needed_placeholders_must_be_fed(graph):
    g, x, n, y, s, k = graph
    sess = am.compat.Session(g)
    assert sess.run(k, {n: 1}) == 10  # x is not needed for k
    with pytest.raises(ArgumentError, match="placeholder 'x' \\(float32\\[3\\]\\) is needed"):
        sess.run(s, {n: 1})


@pytest.mark.parametrize("value, message", [
    (np.ones(3), "float32\\[3\\], the feed is float64\\[3\\]; convert it with .astype"),
    ([1.0, 2.0], "the feed is float32\\[2\\]"),
    (am.constant([1, 2, 3]), "the feed is int32\\[3\\]"),
    ("abc", "not usable"),
    ([[1.0, 2.0], [3.0]], "not usable"),
    ([1.0, "a", 2.0], "not usable"),
    (10 ** 40, "not usable"),
])
def test_bad_feeds_are_errors(graph, value, message):
    g, x, n, y, s, k = graph
    with pytest.raises(ArgumentError, match=message):
        am.compat.Session(g).run(y, {x: value})


def test_feeding_something_else_is_an_error(graph):
    g, x, n, y, s, k = graph
    other = am.compat.Graph()
    with other.as_default():
        z = am.compat.placeholder(am.float32, [3])
    sess = am.compat.Session(g)
    with pytest.raises(ArgumentError, match="only placeholders can be fed"):
        sess.run(s, {x: [1, 2, 3], y: [1, 2, 3]})
    with pytest.raises(ArgumentError, match="not a tensor of the session's graph"):
        sess.run(s, {x: [1, 2, 3], z: [1, 2, 3]})
    with pytest.raises(ArgumentError, match="belongs to another graph"):
        sess.run(z)
    with pytest.raises(ArgumentError, match="cannot fetch int"):
        sess.run([y, 3], {x: [1, 2, 3]})
    with pytest.raises(ArgumentError, match="feed_dict must be a dict"):
        sess.run(y, [(x, [1, 2, 3])])


def test_closed_session_refuses_to_run(graph):
    g, x, n, y, s, k = graph
    with am.compat.Session(g) as sess:
        sess.run(k, {n: 1})
    with pytest.raises(AmbiError, match="closed"):
        sess.run(k, {n: 1})
    sess2 = am.compat.Session(g)
    sess2.close()
    sess2.close()  # closing twice is fine
    with pytest.raises(AmbiError, match="closed"):
        sess2.run(k, {n: 1})


def test_session_uses_the_default_graph_and_needs_one(graph):
    g, x, n, y, s, k = graph
    with g.as_default():
        assert not am.executing_eagerly()
        assert am.compat.Session().graph is g
    assert am.executing_eagerly()
    with pytest.raises(ArgumentError, match="needs an am.compat.Graph"):
        am.compat.Session()


def test_placeholder_needs_a_graph_and_a_static_shape():
    with pytest.raises(TracingError, match="as_default"):
        am.compat.placeholder(am.float32, [3])
    g = am.compat.Graph()
    with g.as_default():
        with pytest.raises(ArgumentError, match="None"):
            am.compat.placeholder(am.float32, [None, 3])
        with pytest.raises(ArgumentError, match="shape"):
            am.compat.placeholder(am.float32, 3)
        with pytest.raises(am.errors.DTypeError):
            am.compat.placeholder("complex64", [3])
    with pytest.raises(TracingError):  # inside am.function, not a compat graph
        am.function(lambda: am.compat.placeholder(am.float32, [1]))()


def test_every_effect_runs_on_every_run(capsys):
    g = am.compat.Graph()
    with g.as_default():
        x = am.compat.placeholder(am.float32, [2], name="x")
        v = am.Variable([0.0, 0.0], name="acc")
        am.print("before", v)
        v.assign_add(x)
        am.print("after", v)
        doubled = x * 2.0
    sess = am.compat.Session(g)
    np.testing.assert_array_equal(sess.run(doubled, {x: [1.0, 2.0]}), [2.0, 4.0])
    np.testing.assert_array_equal(sess.run(v, {x: [1.0, 1.0]}), [2.0, 3.0])
    assert capsys.readouterr().out == "before [0. 0.]\nafter [1. 2.]\n" \
                                      "before [1. 2.]\nafter [2. 3.]\n"
    np.testing.assert_array_equal(v.numpy(), [2.0, 3.0])
    assert sess.run(None) is None   # x is not fed: assign_add(x) is skipped, the prints run
    assert capsys.readouterr().out == "before [2. 3.]\nafter [2. 3.]\n"


def test_a_run_demands_only_the_placeholders_its_fetches_need(capsys):
    """am.print(x) of a placeholder made every run demand x; now a run that does not feed
    x skips the effects that need it (TF1 runs them only for fetches that need x)."""
    g = am.compat.Graph()
    with g.as_default():
        x = am.compat.placeholder(am.float32, [2], name="x")
        z = am.compat.placeholder(am.float32, [2], name="z")
        v = am.Variable([0.0, 0.0], name="acc")
        am.print("x is", x)
        v.assign_add(am.cond(am.reduce_sum(x) > 0.0, lambda: x, lambda: -x))
        am.print("acc is", v)
        y = z * 3.0
    sess = am.compat.Session(g)
    np.testing.assert_array_equal(sess.run(y, {z: [1.0, 2.0]}), [3.0, 6.0])
    assert capsys.readouterr().out == "acc is [0. 0.]\n"
    sess.run(y, {z: [1.0, 2.0], x: [-1.0, -2.0]})
    assert capsys.readouterr().out == "x is [-1. -2.]\nacc is [1. 2.]\n"
    with pytest.raises(ArgumentError, match=r"placeholder 'z' \(float32\[2\]\) is needed by "
                                            r"the fetches but not fed; pass feed_dict=\{z: "):
        sess.run([y, v], {x: [1.0, 1.0]})
    with pytest.raises(ArgumentError, match="placeholder 'x'"):
        sess.run(x)


def test_control_flow_and_functions_record_into_the_graph():
    g = am.compat.Graph()
    with g.as_default():
        x = am.compat.placeholder(am.float32, [], name="x")
        half = am.function(lambda t: t / 2.0)(x)  # inlined
        y = am.cond(x > 0, lambda: half, lambda: -x)
        i, total = am.while_loop(lambda i, t: i < 3, lambda i, t: (i + 1, t + y),
                                 [am.constant(0), am.constant(0.0)])
    with am.compat.Session(g) as sess:
        assert sess.run([i, total], {x: 4.0}) == [3, 6.0]
        assert sess.run(total, {x: -1.0}) == 3.0


def test_plans_are_cached_and_follow_a_growing_graph(graph):
    g, x, n, y, s, k = graph
    sess = am.compat.Session(g)
    sess.run(k, {n: 1})
    sess.run(k, {n: 2})
    assert len(sess._plans) == 1
    with g.as_default():
        k2 = k + 1
    assert sess.run([k, k2], {n: 2}) == [20, 21]
    assert len(sess._plans) == 2
