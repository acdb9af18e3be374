"""The seeds' backtracking line search: one gradient step, halving the rate until the
value drops enough (Armijo's rule), eagerly with Python's while and as a graph with
am.while_loop.

Run: python examples/line_search.py
"""
import ambi as am


def fn(x):
    """A long narrow valley with its minimum at (3, -1)."""
    return am.reduce_sum(am.square(x - am.constant([3.0, -1.0])) * am.constant([1.0, 10.0]))


def line_search_step(fn, init_x, rate=1.0):
    with am.GradientTape() as tape:
        tape.watch(init_x)  # a constant is not watched unless asked
        value = fn(init_x)
    grad = tape.gradient(value, init_x)
    grad_norm = am.reduce_sum(grad * grad)
    init_value, x = value, init_x  # x = init_x: the seed left x unbound at a minimum
    while value > init_value - rate * grad_norm:
        x = init_x - rate * grad
        value = fn(x)
        rate /= 2.0
    return x, value


@am.function
def line_search_graph(init_x):
    with am.GradientTape() as tape:
        tape.watch(init_x)
        init_value = fn(init_x)
    grad = tape.gradient(init_value, init_x)
    grad_norm = am.reduce_sum(grad * grad)

    def not_enough(x, value, rate):
        return value > init_value - rate * grad_norm

    def halve(x, value, rate):
        x = init_x - rate * grad
        return x, fn(x), rate / 2.0
    x, value, _ = am.while_loop(not_enough, halve, [init_x, init_value, am.constant(1.0)])
    return x, value


if __name__ == "__main__":
    x = am.constant([0.0, 0.0])
    for _ in range(4):
        x, value = line_search_step(fn, x)
        print("eager:", x.numpy(), float(value))
    x = am.constant([0.0, 0.0])
    for _ in range(4):
        x, value = line_search_graph(x)
        print("graph:", x.numpy(), float(value))
