"""float32 sin and cos on a device: ambi's own vector code (``cl_codegen._trig``), checked
against a float64 truth in ulps, in vector kernels (large tensors) and scalar ones."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import ambi as am

SPECIALS = np.float32([0.0, -0.0, 1e-30, -1e-30, 1e-45, np.pi, -np.pi, 124.99, 125.0, -125.0,
                       1e5, -3e7, 1e30, np.inf, -np.inf, np.nan])


def _ulps(got, x, fn):
    """Error of float32 ``got`` in units of float32's spacing at the float64 truth."""
    truth = fn(x.astype(np.float64))
    spacing = np.spacing(np.abs(truth).astype(np.float32)).astype(np.float64)
    return np.abs(got.astype(np.float64) - truth) / spacing


@pytest.mark.parametrize("fn", [am.sin, am.cos], ids=["sin", "cos"])
@pytest.mark.parametrize("n", [64, 600_000], ids=["scalar", "vector"])
def test_float32_sin_cos_within_3_ulp(cl_device, fn, n):
    """Dense over the fast range, where a 3-part reduction by pi is exact; past it, and
    for inf, NaN and signed zeros, the builtins. Specials sit in one vector with small
    values, which PoCL's own vector sin got wrong (sin(1e-30) gave 0.0099 there)."""
    x = np.concatenate([np.linspace(-130, 130, n - SPECIALS.size, dtype=np.float32),
                        SPECIALS])
    with am.device(cl_device):
        got = fn(am.constant(x)).numpy()
    with np.errstate(invalid="ignore"):
        ref = getattr(np, fn.name)(x.astype(np.float64))
        ulps = _ulps(got, x, getattr(np, fn.name))
    finite = np.isfinite(ref)
    assert np.array_equal(np.isnan(got), ~finite)
    assert ulps[finite].max() <= 3.0, (x[finite][ulps[finite].argmax()], ulps[finite].max())
    if fn is am.sin:  # sin keeps the sign of zero
        assert np.array_equal(np.signbit(got[x == 0]), np.signbit(x[x == 0]))


@given(st.lists(st.floats(-1e4, 1e4, width=32, allow_subnormal=False), min_size=1,
                max_size=40))
def test_sin_cos_match_numpy_in_graphs(cl_device, values):
    x = np.asarray(values, np.float32)
    am.testing.assert_equivalent(lambda t: (am.sin(t) * am.cos(t), am.cos(t * 3.0)), x,
                                 devices=["cpu", str(cl_device)])
