"""An op remembers the checked form of plain params (``OpDef.fill_params``) and, eagerly,
the output dtype for them (``core._eager_dtype``); the answers are what checking anew
gives, and nothing a caller does to its copy changes them."""
import numpy as np
import pytest

import ambi as am
from ambi.errors import ArgumentError
from ambi.ir.opdef import REGISTRY, plain_key


def test_remembered_params_are_fresh_copies_of_the_checked_ones():
    op = REGISTRY["reduce_sum"]
    first = op.fill_params({"axis": (0, 1)})
    first["axis"] = "changed by the caller"
    again = op.fill_params({"axis": (0, 1)})
    assert again == {"axis": (0, 1), "keepdims": False} and again is not first


def test_bad_params_fail_every_time():
    x = am.constant(np.ones((2, 3), np.float32))
    for _ in range(3):
        with pytest.raises(ArgumentError, match="axis"):
            am.reduce_sum(x, axis="rows")


def test_only_plain_values_are_remembered():
    assert plain_key({"axis": (0, 1), "keepdims": True, "name": None}) is not None
    for value in (0.0, -0.0, float("nan"), [0, 1], (0.5,), np.int64(1)):
        assert plain_key({"v": value}) is None, value
    assert plain_key({"v": 1}) != plain_key({"v": True})  # 1 == True, yet not the same


def test_eager_results_with_remembered_params_match_numpy():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    for _ in range(2):  # the second call reads the memos
        np.testing.assert_array_equal(am.reduce_sum(am.constant(x), axis=(0, 2)).numpy(),
                                      x.sum(axis=(0, 2)))
        np.testing.assert_array_equal(am.transpose(am.constant(x), perm=(2, 0, 1)).numpy(),
                                      x.transpose(2, 0, 1))
        assert am.cast(am.constant(x), "int32").dtype == am.int32
