"""The SPEC's first examples, eagerly and as a graph."""
import numpy as np

import ambi as am


def test_spec_arithmetic_eager_and_graph():
    f = lambda a, b, c: a * b - c  # noqa: E731
    args = [am.constant([12]), am.constant([3]), am.constant([2])]
    assert f(*args).numpy().tolist() == [34]
    assert am.function(f)(*args).numpy().tolist() == [34]


def test_repr_eager_and_symbolic():
    x = am.constant([5.0, 7.0, 9.0])
    assert repr(x) == "ambi.Tensor([5. 7. 9.], shape=(3,), dtype=float32)"
    seen = []

    @am.function
    def f(x):
        y = x ** 2
        seen.append(repr(y))
        return y

    f(am.constant(np.ones(5, np.float32)))
    assert seen == ['ambi.Tensor("pow:0", shape=(5,), dtype=float32)']
