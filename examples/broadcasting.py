"""Broadcasting follows numpy's rules: the seed program a * (a + 1), and a bit more.

    python examples/broadcasting.py
"""
import ambi as am

a = am.constant([[1, 2], [3, 4]])  # Python ints become int32

# The scalar 1 is broadcast to a's shape and adopts a's dtype.
print(a * (a + 1))  # [[ 2  6]
                    #  [12 20]]

# A row of shape (2,) is added to every row of shape (2, 2).
row = am.constant([10, 20])
print(a + row)  # [[11 22]
                #  [13 24]]

# A column of shape (2, 1) against a row of shape (2,) gives a (2, 2) table.
column = am.constant([[1], [2]])
print(column * row)  # [[10 20]
                     #  [20 40]]
