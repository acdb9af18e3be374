"""The device model: names, placement and copies, eager kernels, the kernel cache, the
buffer pool, graphs on a device with fusion, and the error when OpenCL is missing."""
import gc
import os
import subprocess
import sys
import textwrap
import weakref

import numpy as np
import pytest

import ambi as am
from ambi.devices import CPU, cl_cache, opencl
from ambi.errors import DeviceError


def test_devices_list_cpu_first_then_opencl(cl_device):
    names = [str(d) for d in am.devices()]
    assert names[0] == "cpu"
    assert names[1:] == [f"opencl:{i}" for i in range(len(names) - 1)]
    assert am.devices()[1] in opencl.found()


def test_type_names_resolve_to_the_first_device_of_that_type(cl_device):
    first = next(d for d in opencl.found() if d.type == cl_device.type)
    assert opencl.lookup(f"opencl:{cl_device.type}") is first
    assert am.devices()[0] is CPU


def test_unknown_device_names_are_errors(cl_device):
    with pytest.raises(DeviceError, match="opencl:99"):
        opencl.lookup("opencl:99")
    with pytest.raises(DeviceError, match="tpu"):
        with am.device("tpu"):
            pass


def test_scope_places_constants_and_ops(cl_device):
    with am.device(cl_device):
        x = am.constant([1.0, 2.0, 3.0])
        y = x * 2.0 + 1.0
    assert x.device is cl_device and y.device is cl_device
    assert isinstance(y, am.Tensor) and isinstance(y, am.core.EagerTensor)
    assert repr(y) == "ambi.Tensor([3. 5. 7.], shape=(3,), dtype=float32)"
    assert str(y) == "[3. 5. 7.]" and y.shape == (3,) and y.dtype is am.float32
    np.testing.assert_array_equal(np.asarray(y), [3.0, 5.0, 7.0])
    assert float(am.reduce_sum(y)) == 15.0


def test_to_copies_between_devices(cl_device):
    x = am.constant([[1, 2], [3, 4]])
    d = x.to(cl_device)
    assert d.device is cl_device and d.to(cl_device) is d
    back = d.to("cpu")
    assert back.device is CPU and type(back) is am.core.EagerTensor
    np.testing.assert_array_equal(back.numpy(), x.numpy())


def test_mixed_devices_copy_to_the_first_inputs_device(cl_device):
    on_dev = am.constant([1.0, 2.0]).to(cl_device)
    on_cpu = am.constant([10.0, 20.0])
    assert (on_dev + on_cpu).device is cl_device
    assert (on_cpu + on_dev).device is cl_device  # the device-resident input decides
    with am.device("cpu"):
        z = on_dev + on_cpu
    assert z.device is CPU and z.numpy().tolist() == [11.0, 22.0]


def test_eager_ops_launch_one_kernel_and_reuse_cached_programs(cl_device):
    with am.device(cl_device):
        x = am.constant(np.arange(10, dtype=np.float32))
        am.exp(x)
        builds = cl_cache.stats["builds"]
        for _ in range(3):
            am.exp(x)
    assert cl_cache.stats["builds"] == builds


def test_freed_buffers_are_reused_by_the_pool(cl_device):
    with am.device(cl_device):
        x = am.ones([3_000_001])  # a size (12 MiB bucket) no other test leaves in the pool
        y = x + 1.0
        storage = y._value
        buf = storage.buf.int_ptr
        del y, storage
        z = x + 2.0
    assert z.buf.int_ptr == buf


def test_a_graph_on_a_device_keeps_values_there(cl_device):
    def f(x, y):
        return am.reduce_sum(am.tanh(x * y + 1.0) - y, axis=1), am.matmul(x, am.transpose(y))

    x = np.random.default_rng(1).normal(size=(4, 5)).astype(np.float32)
    y = np.random.default_rng(2).normal(size=(4, 5)).astype(np.float32)
    g = am.function(f, device=str(cl_device))
    a, b = g(x, y)
    assert a.device is cl_device and b.device is cl_device
    want_a, want_b = f(am.constant(x), am.constant(y))
    assert am.testing.compare(want_a.numpy(), a.numpy(), k_terms=5)
    assert am.testing.compare(want_b.numpy(), b.numpy(), k_terms=5)


def test_a_graph_run_on_a_device_dies_with_its_function(cl_device):
    """A device's plan is kept with the graph, not in a cache that would keep the graph
    alive after its function is gone (tests/test_executor.py: the same on cpu)."""
    f = am.function(lambda x: am.tanh(x) * 2.0, device=str(cl_device))
    assert f(np.float32([1.0, 2.0])).numpy().shape == (2,)
    graph = weakref.ref(next(iter(f._cache.values())).graph)
    del f
    gc.collect()
    assert graph() is None


def test_fusion_makes_one_node_and_keeps_cpu_results(cl_device):
    def f(x):
        return am.exp(am.sin(x) * 2.0 - x) / (1.0 + x * x)

    x = am.constant(np.linspace(-2, 2, 37, dtype=np.float32))
    g = am.function(f, optimize=2)
    with am.device(cl_device):  # the device asks for fusion; the cpu does not
        graph = g.get_concrete_function(x).graph
    ops = [graph[n]["op"].name for n in graph.order()]
    assert ops.count("fused") == 1 and "exp" not in ops, graph.pretty()
    np.testing.assert_array_equal(g(x).numpy(), f(x).numpy())  # -O2 on cpu: same numbers
    with am.device(cl_device):
        got = g(x)
    assert got.device is cl_device
    assert am.testing.compare(f(x).numpy(), got.numpy())


def test_calling_a_function_under_a_device_scope_runs_there(cl_device):
    f = am.function(lambda x: x * 3 + 1)
    with am.device(cl_device):
        y = f(am.constant([1, 2]))
    assert y.device is cl_device and y.numpy().tolist() == [4, 7]
    assert f(am.constant([1, 2])).device is CPU


def test_control_flow_and_effects_in_device_graphs(cl_device, capsys):
    v = am.Variable([1.0, 2.0])

    @am.function
    def f(n):
        i, acc = am.while_loop(lambda i, a: i < n, lambda i, a: (i + 1, a * 2.0),
                               [am.constant(0), am.constant([1.0, 1.0])])
        am.print("acc", acc)
        v.assign_add(acc)
        return am.cond(i > 2, lambda: acc + v.read_value(), lambda: acc)

    with am.device(cl_device):
        out = f(am.constant(3))
    assert out.device is cl_device
    assert out.numpy().tolist() == [17.0, 18.0]
    assert v.numpy().tolist() == [9.0, 10.0]
    assert capsys.readouterr().out == "acc [8. 8.]\n"


def test_debug_level_4_prints_kernel_source(cl_device):
    script = textwrap.dedent(f"""
        import ambi as am
        with am.device("{cl_device}"):
            print(am.exp(am.constant([1.0, 2.0])).numpy())
    """)
    env = {**os.environ, "AMBI_DEBUG": "4"}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "__kernel void elementwise" in out.stdout and "exp(" in out.stdout
    assert "µs" in out.stdout  # level 2 and up: kernel timings


def test_no_platform_keeps_cpu_and_explains_what_to_install(tmp_path):
    # pyopencl's wheel points its ICD loader at the PoCL it ships (PYOPENCL_HOME, set on
    # import) and at OCL_ICD_VENDORS: aim both at an empty directory, and keep ambi from
    # adding Intel's runtime from the environment's lib/.
    script = textwrap.dedent(f"""
        import os, pyopencl
        os.environ["PYOPENCL_HOME"] = {str(tmp_path)!r}
        import ambi as am
        assert [str(d) for d in am.devices()] == ["cpu"], am.devices()
        print((am.constant([1, 2]) + 1).numpy().tolist())
        try:
            with am.device("opencl:cpu"):
                pass
        except am.errors.DeviceError as e:
            print(e)
    """)
    env = {**os.environ, "OCL_ICD_VENDORS": str(tmp_path), "AMBI_NO_INTEL_OPENCL": "1"}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("[2, 3]\n")
    assert "no OpenCL platform" in out.stdout
    assert "pip install pocl-binary-distribution" in out.stdout


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32, np.int64])
def test_large_tensors_take_the_vector_kernels(cl_device, dtype):
    """Shapes past VECTOR_MIN: 16-wide elementwise code with a tail, vector reductions
    split over work-items, and matmul panels with ragged edges."""
    rng = np.random.default_rng(5)
    x = (rng.normal(size=(3, 6007)) * 5).astype(dtype)
    y = (rng.normal(size=(3, 6007)) * 5).astype(dtype)

    def f(a, b):
        c = am.maximum(a * b - a, b) + 2
        return (c, am.reduce_sum(c, axis=1), am.reduce_max(c), am.reduce_min(a, axis=0),
                am.matmul(a[:, :101], am.transpose(b[:, :101])))

    want = f(am.constant(x), am.constant(y))
    with am.device(cl_device):
        got = f(am.constant(x), am.constant(y))
    for w, g, k in zip(want, got, (1, 6007, 3 * 6007, 3, 101)):
        assert g.device is cl_device
        verdict = am.testing.compare(w.numpy(), g.numpy(), k_terms=k)
        assert verdict, verdict


def test_a_fused_chain_feeding_a_reduction_runs_inside_it(cl_device):
    def f(x, y):
        return am.reduce_sum(am.exp(x * y) - y, axis=1), am.reduce_max(am.sin(x) + y, axis=0)

    x = np.random.default_rng(7).normal(size=(30, 50)).astype(np.float32)
    y = np.random.default_rng(8).normal(size=(50,)).astype(np.float32)
    g = am.function(f, device=str(cl_device))
    got = g(x, y)
    plan = g.get_concrete_function(x, y).graph.memo[cl_device]
    kinds = [(op.cl["kernel"], chain is not None) for _, op, *rest, chain in plan.steps]
    assert kinds == [("reduce", True), ("reduce", True)], kinds
    for w, r in zip(f(am.constant(x), am.constant(y)), got):
        assert am.testing.compare(w.numpy(), r.numpy(), k_terms=50)


def test_out_of_range_gather_is_the_cpu_error(cl_device):
    params, idx = am.constant([10, 20, 30]), am.constant([0, 3])
    with pytest.raises(am.errors.RunError, match="out of range"):
        am.gather(params, idx)
    with am.device(cl_device), pytest.raises(am.errors.RunError, match="out of range"):
        am.gather(am.constant([10, 20, 30]), am.constant([0, 3]))
    with am.device(cl_device):
        assert am.gather(am.constant([10, 20, 30]), am.constant([-1, 0])).numpy().tolist() \
            == [30, 10]
