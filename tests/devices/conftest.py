"""The OpenCL device the device tests run on: ``opencl:cpu`` (PoCL from PyPI) unless
``AMBI_TEST_DEVICE`` names another (``opencl:gpu`` on a GPU machine)."""
import os
import tempfile

import pytest

from ambi.devices import opencl

DEVICE = os.environ.get("AMBI_TEST_DEVICE", "opencl:cpu")
# PoCL's own disk cache of built kernels (a build costs 0.5-1.5 s, a cached one 0.1 s), kept
# across test runs so the next run skips the compiler. Read when OpenCL first starts.
os.environ.setdefault("POCL_CACHE_DIR", os.path.join(tempfile.gettempdir(), "ambi-pocl-cache"))


@pytest.fixture(scope="session")
def cl_device():
    if not opencl.found():
        pytest.skip(f"no OpenCL platform ({opencl._missing}); pip install "
                    "pocl-binary-distribution")
    return opencl.lookup(DEVICE)
