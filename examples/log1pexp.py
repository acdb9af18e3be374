"""The seeds' custom gradient: log(1 + e**x) has a numerically stable gradient only if we
say so. Without it, the gradient at x=100 is inf/inf = nan; with it, exactly 1.0.

Run: python examples/log1pexp.py
"""
import ambi as am


def log1pexp_naive(x):
    return am.log(1 + am.exp(x))


@am.custom_gradient
def log1pexp(x):
    e = am.exp(x)

    def grad(dy):
        return dy * (1 - 1 / (1 + e))  # = sigmoid(x), finite for large x
    return am.log(1 + e), grad


grad_naive = am.grad(log1pexp_naive)
grad_stable = am.grad(log1pexp)

if __name__ == "__main__":
    for x in (0.0, 100.0):
        print(f"x={x}: naive {float(grad_naive(am.constant(x))[0])}, "
              f"custom {float(grad_stable(am.constant(x))[0])}")
    graph = am.function(lambda x: am.grad(log1pexp)(x)[0])
    print(f"x=100.0 in a graph: custom {float(graph(am.constant(100.0)))}")
