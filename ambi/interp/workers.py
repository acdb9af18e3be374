"""Threads that help the calling thread through a loop of independent items.

The cpu device runs a big fused elementwise group block by block (``blocks.py``); the
blocks do not depend on one another and numpy's kernels release the GIL, so the cores
can share them, as XLA's and TensorFlow's cpu runtimes share an op's work. Each thread
takes the next block when it is free (a slow or busy core takes fewer), and each block
meets the same kernels as it would alone, so the result is the same bits.

``config.CPU_THREADS`` threads take part (``AMBI_CPU_THREADS``; 1: the caller alone).
The helpers run in a copy of the caller's context, so numpy's error state
(``np.errstate``) holds there as it does in the caller.
"""
import concurrent.futures
import contextvars
import os
import threading

from .. import config

_END = object()
_pool = None  # (executor, its thread count), made on first use
_pool_lock = threading.Lock()


def for_each(do, items, helpers):
    """Call ``do(item)`` for every item, in this thread and in up to ``helpers`` pool
    threads at once. The first error stops the rest and is raised here, after every
    helper has stopped; a helper that never started is called off, not waited for."""
    helpers = min(helpers, config.CPU_THREADS - 1)
    if helpers <= 0:
        for item in items:
            do(item)
        return
    items, lock, failed = iter(items), threading.Lock(), []

    def loop():
        while not failed:
            with lock:
                item = next(items, _END)
            if item is _END:
                return
            try:
                do(item)
            except BaseException as e:
                failed.append(e)
                raise

    pool = _executor(helpers)
    futures = [pool.submit(contextvars.copy_context().run, loop) for _ in range(helpers)]
    try:
        loop()
    finally:
        for f in futures:
            if not f.cancel():
                f.exception()  # wait for it; its error, if first, is in ``failed``
    if failed:
        raise failed[0]


def _executor(helpers):
    global _pool
    with _pool_lock:
        if _pool is None or _pool[1] < helpers:
            _pool = (concurrent.futures.ThreadPoolExecutor(
                helpers, thread_name_prefix="ambi-cpu"), helpers)
        return _pool[0]


def _forget_pool():
    """A forked child has none of its parent's threads: it makes its own pool."""
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):  # POSIX; elsewhere no process forks
    os.register_at_fork(after_in_child=_forget_pool)
