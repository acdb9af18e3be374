"""OpenCL runtimes that ambi makes visible by itself: Intel's CPU runtime from PyPI.

``pip install ambi[intel]`` puts ``libintelocl.so`` and its libraries in the
environment's ``lib/``, where no OpenCL loader looks. Before the loader first runs, this
preloads those libraries (so the runtime's own dependencies resolve with no
``LD_LIBRARY_PATH``) and points ``OCL_ICD_VENDORS`` at a folder of ambi's own holding an
``.icd`` file naming the runtime, next to links to the ICDs the system already lists
(``/etc/OpenCL/vendors``, or the folder the user's ``OCL_ICD_VENDORS`` names), so those
stay visible. pyopencl's bundled PoCL is found as before.
"""
import ctypes
import os
import sys
from pathlib import Path

INTEL = "libintelocl.so"
INTEL_DEPS = ("libintlc.so.5", "libimf.so", "libsvml.so", "libirng.so", "libtbb.so.12")
SYSTEM_VENDORS = "/etc/OpenCL/vendors"


def lib_dirs():
    """Where pip puts a package's shared libraries: the environment's ``lib/``."""
    seen = []
    for prefix in (sys.prefix,):
        d = Path(prefix) / "lib"
        if d not in seen:
            seen.append(d)
    return seen


def find_intel():
    return next((d / INTEL for d in lib_dirs() if (d / INTEL).exists()), None)


def register_runtimes():
    """Make Intel's runtime (when installed) visible to the OpenCL loader; the folder
    ``OCL_ICD_VENDORS`` names, or None when there is nothing to add."""
    lib = find_intel()
    if lib is None or os.environ.get("AMBI_NO_INTEL_OPENCL"):
        return None
    for dep in INTEL_DEPS:
        try:
            ctypes.CDLL(str(lib.parent / dep), mode=ctypes.RTLD_GLOBAL)
        except OSError:
            return None  # an incomplete install: leave the loader as it was
    from .probe import cache_dir
    folder = cache_dir() / "icd"
    folder.mkdir(parents=True, exist_ok=True)
    _write(folder / "ambi-intel.icd", f"{lib}\n")
    for icd in _system_icds(folder):
        if icd.read_text().strip() != str(lib):  # not ours again, from another ambi folder
            _write(folder / f"system-{icd.name.removeprefix('system-')}", icd.read_text())
    os.environ["OCL_ICD_VENDORS"] = str(folder)
    return folder


def _system_icds(ours):
    where = Path(os.environ.get("OCL_ICD_VENDORS") or SYSTEM_VENDORS)
    if where == ours or not where.is_dir():
        return []
    return sorted(p for p in where.glob("*.icd") if p.is_file())


def _write(path, text):
    if not path.exists() or path.read_text() != text:
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text)
        os.replace(tmp, path)
