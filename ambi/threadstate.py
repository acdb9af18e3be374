"""Per-thread stacks: the mode, trace, tape, device-scope and location stacks.

As in TensorFlow 2, what one thread is doing (tracing a function, recording a tape,
placing ops on a device) is invisible to every other thread. A ``ThreadStack`` looks
like a list, but each thread sees its own list, which starts as ``bottom``.

Reading a thread-local costs about 45 ns, a tenth of a tiny eager op; so every stack
also counts, in ``PUSHED[0]``, the entries pushed above the bottom in all threads
together. While it is 0 (plain eager code, the common case) ``bind`` reads no stack.
"""
import threading

PUSHED = [0]  # entries above the bottom, over all stacks and threads
_count_lock = threading.Lock()


def _count(delta):
    if delta:
        with _count_lock:
            PUSHED[0] += delta


class ThreadStack(threading.local):
    """A list per thread. Hot paths read ``.items`` (that thread's plain list); changes
    go through the list methods below, which keep ``PUSHED`` up to date."""

    def __init__(self, *bottom):
        self.items = list(bottom)  # runs once in each thread that touches the stack

    # No __getattr__: it would slow every attribute read, `.items` on the hot path too.
    def append(self, x):
        self.items.append(x)
        _count(1)

    def pop(self, i=-1):
        x = self.items.pop(i)
        _count(-1)
        return x

    def insert(self, i, x):
        self.items.insert(i, x)
        _count(1)

    def remove(self, x):
        self.items.remove(x)
        _count(-1)

    def index(self, x):
        return self.items.index(x)

    def clear(self):
        self[:] = []

    def __setitem__(self, i, value):
        before = len(self.items)
        self.items[i] = value
        _count(len(self.items) - before)

    def __getitem__(self, i):
        return self.items[i]

    def __len__(self):
        return len(self.items)

    def __bool__(self):
        return bool(self.items)

    def __iter__(self):
        return iter(self.items)

    def __contains__(self, x):
        return x in self.items

    def __repr__(self):
        return f"ThreadStack({self.items!r})"
