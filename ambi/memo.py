"""Bounded memo tables, for what recurs: call sites, shapes, params, kernels, constants."""


def remember(memo, key, value, limit):
    """``memo[key] = value``, emptying ``memo`` first when it holds ``limit`` entries, so a
    memo of what usually recurs stays small when it does not (a new shape every call).
    Returns ``value``."""
    if len(memo) >= limit:
        memo.clear()
    memo[key] = value
    return value
