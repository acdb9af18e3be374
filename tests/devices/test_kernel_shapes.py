"""Both shapes of the reduction and matmul kernels on the test device, against ``cpu``.

A device's kernels are shaped by the parameters its conformance probe chose
(``CLDevice.params``): chunked vector loops and packed register blocks, or work-group
trees and local-memory tiles. Here each property runs with both shapes on the same
device where its probe passed both, so PoCL checks the GPU shapes in every CI run, and
a GPU machine (``AMBI_TEST_DEVICE=opencl:gpu``) checks the CPU shapes too. Sizes reach
past the thresholds where the kernels change strategy:
vector loads (4096 terms), split reductions (8192 terms), several tiles and ragged edges.
"""
import contextlib
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, strategies as st

import ambi as am
from ambi.devices import cl_cache, cl_reduce
from ambi.devices.cl_params import BLOCKS, PRESETS
from ambi.testing import compare

SHAPES = ("cpu", "gpu")
REDUCTIONS = [am.reduce_sum, am.reduce_max, am.reduce_min, am.reduce_prod]


@contextlib.contextmanager
def kernels(dev, shape):
    saved = dev.params
    params = PRESETS[shape].with_width(0 if shape == "gpu" else saved.width)
    refused = [label for label, why in dev.validate().results.items()
               if why is not None and label.endswith(f"[{params}]")]
    if refused:
        pytest.skip(f"the conformance probe refused these kernels on {dev}: {refused}")
    dev.params = params
    try:
        yield
    finally:
        dev.params = saved


def _on(dev, fn, *arrays):
    with am.device(dev):
        return fn(*[am.constant(a) for a in arrays]).numpy()


def _check(dev, shape, fn, arrays, k_terms):
    want = fn(*[am.constant(a) for a in arrays]).numpy()
    with kernels(dev, shape):
        got = _on(dev, fn, *arrays)
    verdict = compare(want, got, k_terms=k_terms)
    assert verdict, verdict


@st.composite
def reduction_cases(draw):
    """(op, array, axis, keepdims): up to 3 dims, sometimes one long axis."""
    ndim = draw(st.integers(1, 3))
    shape = [draw(st.integers(1, 9)) for _ in range(ndim)]
    if draw(st.booleans()):
        shape[draw(st.integers(0, ndim - 1))] = draw(st.sampled_from([300, 5000, 20000]))
    axes = draw(st.sets(st.integers(0, ndim - 1)))
    axis = None if not axes or draw(st.booleans()) else tuple(sorted(axes))
    op = draw(st.sampled_from(REDUCTIONS))
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int32, np.int64]))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    # small integers: every partial sum is exact in float32, so any summation order gives
    # the same bits, and a mismatch is an indexing bug, never rounding
    x = rng.choice([-1, 1], size=shape) if op is am.reduce_prod else \
        rng.integers(-8, 9, size=shape)
    return op, x.astype(dtype), axis, draw(st.booleans())


@pytest.mark.parametrize("shape", SHAPES)
@given(case=reduction_cases())
def test_reductions_agree_in_both_kernel_shapes(cl_device, shape, case):
    op, x, axis, keepdims = case
    terms = x.size if axis is None else int(np.prod([x.shape[a] for a in axis]))
    _check(cl_device, shape, lambda t: op(t, axis=axis, keepdims=keepdims), [x], terms)


@st.composite
def matmul_cases(draw):
    """(a, b): ragged sizes around the 64-wide tiles and 8x16 blocks, batch dims that
    broadcast, any numeric dtype, integer values."""
    side = st.integers(1, 150)
    m, k, n = draw(side), draw(side), draw(side)
    batch = draw(st.sampled_from([((), ()), ((2,), ()), ((), (3,)), ((2, 1), (3,)),
                                  ((1, 2), (2, 1))]))
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int32, np.int64]))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    a = rng.integers(-4, 5, size=batch[0] + (m, k))  # exact sums, as for reductions
    b = rng.integers(-4, 5, size=batch[1] + (k, n))
    return a.astype(dtype), b.astype(dtype)


@pytest.mark.parametrize("shape", SHAPES)
@given(case=matmul_cases())
def test_matmul_agrees_in_both_kernel_shapes(cl_device, shape, case):
    a, b = case
    _check(cl_device, shape, am.matmul, [a, b], a.shape[-1])


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: f"{b[0]}x{b[1]}")
def test_matmul_agrees_in_every_register_block(cl_device, block):
    """Each block the probe may choose, at the device's width: ragged edges in rows and
    columns, broadcast batches, a long K (the inner loop reads B's panels as vectors)."""
    rng = np.random.default_rng(5)
    cases = [((37, 61), (61, 45), np.float32), ((2, 1, 13, 300), (3, 300, 17), np.float64),
             ((129, 9), (9, 33), np.int32), ((5, 7), (7, 1), np.int64)]
    saved = cl_device.params
    params = replace(saved, rows=block[0], cols=block[1])
    refused = [label for label, why in cl_device.validate().results.items()
               if why is not None and label.startswith("matmul") and
               f"rows={block[0]} cols={params.block[1]}]" in label]
    if saved.matmul != "blocked" or refused:
        pytest.skip(f"{cl_device} uses the {saved.matmul} matmul, or its probe refused "
                    f"this block: {refused}")
    for sa, sb, dtype in cases:
        if dtype is np.float64 and not cl_device.fp64:
            continue
        a, b = rng.integers(-4, 5, sa).astype(dtype), rng.integers(-4, 5, sb).astype(dtype)
        want = am.matmul(am.constant(a), am.constant(b)).numpy()
        cl_device.params = params
        try:
            got = _on(cl_device, am.matmul, a, b)
        finally:
            cl_device.params = saved
        verdict = compare(want, got, k_terms=sa[-1])
        assert verdict, (sa, sb, dtype, verdict)


@pytest.mark.parametrize("shape", SHAPES)
def test_a_fused_chain_inside_a_tree_reduction(cl_device, shape):
    """A graph whose chain runs inside the reduction, over few outputs (tree on GPUs)."""
    def f(x, y):
        return am.reduce_sum(am.exp(x * 0.1) - y, axis=1)

    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(3, 30000)).astype(np.float32), rng.normal(size=(30000,))
    y = y.astype(np.float32)
    want = f(am.constant(x), am.constant(y)).numpy()
    with kernels(cl_device, shape):
        got = am.function(f, device=str(cl_device))(x, y).numpy()
    verdict = compare(want, got, k_terms=30000)
    assert verdict, verdict


def test_gpu_reductions_use_work_group_trees(cl_device):
    """Few outputs: a tree per work-group; many outputs: one work-item each."""
    with kernels(cl_device, "gpu"):
        assert cl_reduce.tree_size(cl_device, 1) >= 2
        assert cl_reduce.tree_size(cl_device, cl_device.compute_units * 1000) == 0
    with kernels(cl_device, "cpu"):
        assert cl_reduce.tree_size(cl_device, 1) == 0


def test_small_work_group_limits_fall_back(cl_device, monkeypatch):
    """A device, or a built kernel, that cannot run 256-item groups gets smaller trees,
    one item per chunk, or the CPU-shaped matmul: never INVALID_WORK_GROUP_SIZE."""
    rng = np.random.default_rng(4)
    a, b = rng.integers(-4, 5, (70, 30)), rng.integers(-4, 5, (30, 90))
    x = rng.integers(-8, 9, 50000).astype(np.float32)
    with kernels(cl_device, "gpu"):
        monkeypatch.setattr(cl_device, "max_local", 64)
        assert cl_reduce.tree_size(cl_device, 1) == 64
        _check(cl_device, "gpu", am.matmul, [a, b], 30)
        _check(cl_device, "gpu", am.reduce_sum, [x], x.size)
        monkeypatch.undo()
        built = cl_cache.kernel  # every kernel now says it fits one item per group

        def one_item(*args):
            k = built(*args)
            return cl_cache.Kernel(k.k, k.nbufs, k.meta, k.name, 1)
        monkeypatch.setattr(cl_cache, "kernel", one_item)
        _check(cl_device, "gpu", am.matmul, [a, b], 30)
        _check(cl_device, "gpu", am.reduce_sum, [x], x.size)
