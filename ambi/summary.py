"""``am.summary``: TensorBoard logs. tensorboardX makes the protocol buffers and writes
the event file; we write synchronously (no background thread), so a flushed file is
complete and a summary's cost is paid where it is called.

>>> writer = am.summary.create_file_writer("/tmp/tb-doc")
>>> with writer.as_default():
...     am.summary.scalar("loss", 0.5, step=1)
True
"""
import contextlib
import os
import time

import numpy as np

from .core import Tensor
from .errors import ArgumentError, TracingError

_default = []  # the writers made default with ``as_default``, innermost last


class SummaryWriter:
    """Writes TensorBoard event files under ``logdir`` (``create_file_writer`` makes it)."""

    def __init__(self, logdir, filename_suffix=""):
        from tensorboardX.event_file_writer import EventsWriter
        self.logdir = os.fspath(logdir)
        os.makedirs(self.logdir, exist_ok=True)
        self._events = EventsWriter(os.path.join(self.logdir, "events"), filename_suffix or "")
        self._step = None

    def _write(self, summary, step):
        from tensorboardX.proto.event_pb2 import Event
        self._events.write_event(Event(wall_time=time.time(), step=step, summary=summary))

    @contextlib.contextmanager
    def as_default(self, step=None):
        """Make this the writer ``am.summary.scalar`` uses inside the block."""
        _default.append(self)
        saved, self._step = self._step, step if step is not None else self._step
        try:
            yield self
        finally:
            _default.remove(self)
            self._step = saved
            self.flush()

    def set_as_default(self, step=None):
        """Make this the default writer until another one is set."""
        _default[:] = [self]
        if step is not None:
            self._step = step

    def flush(self):
        self._events.flush()

    def close(self):
        self._events.close()

    def _resolve_step(self, step):
        step = self._step if step is None else step
        if step is None:
            raise ArgumentError("a summary needs a step: pass step= or "
                                "writer.as_default(step=...)")
        return int(_value(step, "step"))


def create_file_writer(logdir, max_queue=None, flush_millis=None, filename_suffix=None):
    """A writer for TensorBoard event files in ``logdir``. Events are written at once
    (``max_queue`` and ``flush_millis`` are accepted for TensorFlow compatibility); the
    file is flushed when an ``as_default`` block ends, on ``flush()`` and ``close()``."""
    return SummaryWriter(logdir, filename_suffix)


def _value(x, what):
    if isinstance(x, Tensor) or hasattr(x, "read_value"):
        try:
            return np.asarray(x)
        except Exception as e:  # a symbolic tensor
            raise TracingError(f"am.summary: {what} must be a concrete value; write "
                               "summaries outside am.function (from the values it "
                               "returns)") from e
    return np.asarray(x)


def _writer():
    return _default[-1] if _default else None


def scalar(name, data, step=None, description=None):
    """Record a scalar; returns False (and writes nothing) when no writer is default."""
    w = _writer()
    if w is None:
        return False
    value = _value(data, "data")
    if value.size != 1:
        raise ArgumentError(f"am.summary.scalar({name!r}): data must be a scalar, got "
                            f"shape {value.shape}")
    from tensorboardX import summary
    w._write(summary.scalar(name, float(value.reshape(()))), w._resolve_step(step))
    return True


def histogram(name, data, step=None, buckets=None, description=None):
    """Record the distribution of ``data``'s values (``buckets`` bins, default 30)."""
    w = _writer()
    if w is None:
        return False
    values = _value(data, "data").astype(np.float64).ravel()
    from tensorboardX import summary
    w._write(summary.histogram(name, values, bins=buckets or 30), w._resolve_step(step))
    return True


def text(name, data, step=None, description=None):
    """Record a string."""
    w = _writer()
    if w is None:
        return False
    from tensorboardX import summary
    w._write(summary.text(name, str(data)), w._resolve_step(step))
    return True


def flush(writer=None):
    """Flush ``writer`` (default: the default writer) to disk."""
    w = writer or _writer()
    if w is not None:
        w.flush()
