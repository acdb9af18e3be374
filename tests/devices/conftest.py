"""The OpenCL devices the device tests run on: every device that passes ambi's
conformance probe (PoCL from PyPI everywhere; Intel's runtime too with ``.[intel]``),
unless ``AMBI_TEST_DEVICE`` names one (``opencl:gpu`` on a GPU machine)."""
import os

import pytest

from ambi.devices import opencl


def _names():
    if os.environ.get("AMBI_TEST_DEVICE"):
        return [os.environ["AMBI_TEST_DEVICE"]]
    return [d.name for d in opencl.usable()] or ["none"]


def pytest_generate_tests(metafunc):
    if "cl_device" in metafunc.fixturenames:
        metafunc.parametrize("cl_device", _names(), indirect=True, scope="session")


@pytest.fixture(scope="session")
def cl_device(request):
    if not opencl.found():
        pytest.skip(f"no OpenCL platform ({opencl._missing}); pip install "
                    "pocl-binary-distribution")
    if request.param == "none":  # every device was refused, loudly: say why
        pytest.skip("no OpenCL device passed ambi's conformance probe: "
                    + "; ".join(d.refusal() for d in opencl.found()))
    return opencl.lookup(request.param)
