"""The fuzz suite: language text, graph files, API arguments and threads.

By default each test runs a fast "dev" budget; with ``CI`` set (or
``AMBI_FUZZ=thorough``) it runs the thorough budget the issue asks for.
"""
import os

THOROUGH = (os.environ.get("AMBI_FUZZ", "").lower() == "thorough"
            or os.environ.get("CI", "").strip().lower() not in ("", "0", "false"))


def budget(dev, ci):
    """How many cases a fuzz test runs: ``dev`` by default, ``ci`` when thorough."""
    return ci if THOROUGH else dev
