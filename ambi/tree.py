"""Flatten and rebuild nested lists, tuples and dicts (pytrees, as JAX calls them)."""


def flatten(x, is_leaf=None):
    """x -> (leaves, treedef); ``unflatten(treedef, leaves)`` rebuilds x."""
    leaves = []
    return leaves, _flatten(x, leaves, is_leaf)


def _flatten(x, leaves, is_leaf):
    if is_leaf is not None and is_leaf(x):
        leaves.append(x)
        return None
    if isinstance(x, (list, tuple)) and not hasattr(x, "_fields"):
        return (type(x), tuple(_flatten(v, leaves, is_leaf) for v in x))
    if isinstance(x, dict):
        keys = sorted(x, key=repr)
        return (dict, tuple(keys), tuple(_flatten(x[k], leaves, is_leaf) for k in keys))
    leaves.append(x)
    return None


def unflatten(treedef, leaves):
    it = iter(leaves)
    out = _build(treedef, it)
    return out


def _build(td, it):
    if td is None:
        return next(it)
    if td[0] is dict:
        return {k: _build(sub, it) for k, sub in zip(td[1], td[2])}
    return td[0](_build(sub, it) for sub in td[1])
