"""Simulated driver faults: how the tests show that ambi survives a broken OpenCL driver.

``AMBI_CL_FAULT="TOKEN:KIND[,TOKEN:KIND...]"`` makes every kernel that TOKEN matches
misbehave the way real drivers have (NOTES.md, PoCL 3.0 on Zen 4). TOKEN is a kernel
family (``reduce``, ``matmul``, ``ew`` ...), ``wN`` for any kernel using N-wide vectors,
or ``*``; ``TOKEN:KIND@TEXT`` limits it to platforms whose name contains TEXT (say
``@portable`` for PoCL, ``@intel``). KIND is ``abort`` (the build kills the process,
as ``LLVM ERROR`` does), ``empty`` (the build returns a program without the kernel)
or ``wrong`` (the kernel's outputs come back corrupted). It is read when a kernel is
built, so the conformance probe's child process sees the same faults as the process
that will use the device.
"""
import os
import re
import sys

import numpy as np

KINDS = ("abort", "empty", "wrong")
_VECTOR = re.compile(r"\b(?:float|double|u?char|u?int|u?long)(\d+)\b")


def spec():
    return os.environ.get("AMBI_CL_FAULT", "").strip()


def parse(text):
    """[(token, kind, platform text)] from ``AMBI_CL_FAULT``; malformed entries are
    ignored."""
    out = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        rule, _, where = part.partition("@")
        token, _, kind = rule.rpartition(":")
        if token and kind in KINDS:
            out.append((token, kind, where.lower()))
    return out


def spec_for(platform):
    """The rules of ``AMBI_CL_FAULT`` that can touch kernels built on ``platform``."""
    return [r for r in parse(spec()) if r[2] in platform.lower()]


def find(family, source, platform=""):
    """The simulated fault for a kernel of ``family`` with this source built on the
    platform named ``platform``, or None."""
    rules = parse(spec())
    if not rules:
        return None
    tokens = {"*", family} | {f"w{w}" for w in _VECTOR.findall(source)}
    return next((kind for token, kind, where in rules
                 if token in tokens and where in platform.lower()), None)


def at_build(fault):
    if fault == "abort":  # what a compiler crash does to the process that builds
        sys.stderr.write("LLVM ERROR: simulated compiler crash (AMBI_CL_FAULT)\n")
        sys.stderr.flush()
        os.abort()


class _EmptyProgram:
    def __getattr__(self, name):
        raise AttributeError(f"'{name}' was not found as a program info attribute or as "
                             "a kernel name (simulated by AMBI_CL_FAULT)")


def empty_program(fault, prg):
    return _EmptyProgram() if fault == "empty" else prg


def at_launch(dev, k, global_size, local_size, args):
    """Run the kernel, then overwrite the first bytes of every buffer it writes."""
    import pyopencl as cl
    ev = k.k(dev.queue, global_size, local_size, *args)
    for i in k.outputs:
        ev = cl.enqueue_fill_buffer(dev.queue, args[i], np.uint8(0x7F), 0, 8)
    return ev
