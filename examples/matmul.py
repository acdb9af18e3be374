"""Matrix multiplication: the seed program matmul([[2.0]], [[2.0]]).

    python examples/matmul.py
"""
import ambi as am

m = am.constant([[2.0]])  # Python floats become float32
print(am.matmul(m, m))    # [[4.]]

# The @ operator is the same op, and it works the same way inside a traced function.
square_matrix = am.function(lambda x: x @ x)
print(square_matrix(m))   # [[4.]]

# 2-D by 2-D, shapes (2, 3) @ (3, 2) -> (2, 2).
a = am.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print(a @ am.transpose(a))  # [[14. 32.] [32. 77.]]
