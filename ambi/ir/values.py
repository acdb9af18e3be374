"""What the IR knows of the values above it: marker bases, no behaviour.

Param checks and serialization must recognise a symbolic tensor, a concrete one or a
Variable without importing the layers that define them (``core``, ``variables``), so
those classes derive from these markers.
"""


class Symbolic:
    """An output of a node of a graph being traced: ``.trace.graph``, ``.node``, ``.out``
    (``core.SymbolicTensor``)."""

    __slots__ = ()


class Concrete:
    """A value held now: ``.numpy()``, ``.dtype``, ``.shape`` (``core.EagerTensor``)."""

    __slots__ = ()


class State:
    """Mutable state read and written when a graph runs: ``.name``, ``.numpy()``,
    ``.dtype``, ``.shape`` (``am.Variable``; the param of ``var_read``/``var_write``)."""

    __slots__ = ()
