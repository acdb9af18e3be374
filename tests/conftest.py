"""Test-wide settings: environment defaults and hypothesis profiles."""

import atexit
import os
import shutil
import tempfile

# Before anything imports numpy: under `pytest -n 2` the two workers share the cores, so
# one BLAS thread each (NOTES.md). The OpenCL drivers keep their defaults, as a user's
# would. AMBI_CHECKS=1 verifies the IR after every change.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("AMBI_CHECKS", "1")
if not os.environ.get("XDG_CACHE_HOME"):
    # Set in the main pytest process, so xdist workers inherit (and share) this one directory.
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="ambi-test-cache-")
    atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], ignore_errors=True)

from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("dev", max_examples=25, deadline=None)
# CI draws the same examples on every run (derandomize), so its verdict is reproducible;
# the dev profile keeps exploring new ones.
settings.register_profile("ci", max_examples=150, deadline=None, print_blob=True,
                          derandomize=True, suppress_health_check=[HealthCheck.too_slow])

_ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false")
settings.load_profile(os.environ.get("AMBI_HYPOTHESIS_PROFILE") or ("ci" if _ci else "dev"))
