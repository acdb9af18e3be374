"""Eager against graph: per-call times, first-call cost, and the break-even call count.

``am.bench.break_even(fn, *args)`` measures one function; ``ambi bench`` (see
``docs/bench.md``) runs the standard workloads on every device asked for.
"""
from .measure import BreakEven, break_even  # noqa: F401
