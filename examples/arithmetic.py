"""The seed program 12 * 3 - 2, run eagerly and then as a traced graph.

    python examples/arithmetic.py
"""
import ambi as am

# Python ints become int32 tensors.
one, two, three = am.constant([12]), am.constant([3]), am.constant([2])

# Eagerly: every op runs the moment it is called.
print(one * two - three)  # [34]


# As a graph: the first call traces the function into an optimized graph; later calls
# with the same shapes and dtypes run that graph without running this Python code.
@am.function
def multiply_subtract(a, b, c):
    return a * b - c


print(multiply_subtract(one, two, three))  # [34], the same answer
