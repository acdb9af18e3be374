"""A traced function, called twice, and the graph it was traced into.

    python examples/traced_function.py
"""
import ambi as am


@am.function
def f(x):
    # A Python side effect runs only while tracing, as in TensorFlow.
    print("tracing f for", x)
    return x ** 2


x = am.constant([1.0, 2.0, 3.0, 4.0, 5.0])
print(f(x))  # traces, then runs the graph: [ 1.  4.  9. 16. 25.]
print(f(x))  # same shape and dtype: runs the cached graph, no tracing
print("traces:", f.trace_count)

# The graph of that signature: one node a line, with the source line that made it.
print(f.get_concrete_function(x).graph.pretty())
