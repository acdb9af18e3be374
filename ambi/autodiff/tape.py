"""GradientTape: records the primitive ops that touch watched tensors, in every mode.

``core.bind`` hands each primitive to every active tape (``core.taping``) after it runs
(eagerly) or is added to the graph (while tracing), so one recorder serves both modes:
eagerly the tape holds concrete tensors, inside ``am.function`` symbolic ones, and the
gradient it builds is made of ordinary ops, hence part of the traced graph.
"""
from .. import core, tree
from ..dtypes import FLOATS
from ..errors import AmbiError, ArgumentError
from ..ops.grads import zeros
from . import control
from .vjp import backward


class GradientTape:
    """Record operations to differentiate them (as TensorFlow's ``tf.GradientTape``).

    >>> w = am.Variable([[1.0]])
    >>> with am.GradientTape() as tape:
    ...     loss = w * w
    >>> tape.gradient(loss, w)
    ambi.Tensor([[2.]], shape=(1, 1), dtype=float32)
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self.persistent = persistent
        self.watch_accessed_variables = watch_accessed_variables
        self._entries = []     # (op, operands, params, outputs), in program order
        self._tracked = {}     # id(tensor) -> tensor: watched or computed from watched ones
        self._reads = {}       # id(variable) -> the tensors its recorded reads produced
        self._watched_vars = {}
        self._spent = False

    def __enter__(self):
        core.start_tape(self)
        return self

    def __exit__(self, *exc):
        core.stop_tape(self)

    def watch(self, tensor):
        """Track ``tensor`` (or a nested list/dict of tensors and Variables)."""
        for t in tree.flatten(tensor)[0]:
            if isinstance(t, core._Readable):
                self._watched_vars[id(t)] = t
            elif isinstance(t, core.Tensor):
                if t.dtype.is_float:
                    self._tracked[id(t)] = t
            else:
                raise ArgumentError(f"GradientTape.watch needs tensors or Variables, "
                                    f"not {type(t).__name__}")

    def watched_variables(self):
        """The Variables this tape has seen read (and watches)."""
        return [r[0] for r in self._reads.values()]

    # -- recording (called by core.bind) ------------------------------------------------
    def record(self, op, operands, params, out):
        if not op.differentiable:
            var = read_variable(op, params, out)
            if var is not None:
                self._read(var, out)
            return
        tracked = self._tracked
        for x in operands:
            if id(x) in tracked:
                break
        else:
            return
        outs = out if type(out) is tuple else (out,)
        self._entries.append((op, operands, params, outs))
        for o in outs:
            if o.dtype in FLOATS:
                tracked[id(o)] = o

    def _read(self, var, out):
        if id(var) in self._watched_vars or self.watch_accessed_variables and var.trainable:
            self._tracked[id(out)] = out
            self._reads.setdefault(id(var), [var]).append(out)

    # -- the gradient ---------------------------------------------------------------------
    def gradient(self, target, sources, output_gradients=None):
        """d(sum of target)/d(source) for each source, in the sources' structure.

        A source the target does not depend on gets None. A non-persistent tape can
        compute one gradient; ``GradientTape(persistent=True)`` allows many.
        """
        if self._spent:
            raise AmbiError("GradientTape.gradient was already called on this non-persistent "
                            "tape; use am.GradientTape(persistent=True) to call it again")
        self._spent = not self.persistent
        targets = [target] if isinstance(target, core.Tensor) else tree.flatten(target)[0]
        seeds = None if output_gradients is None else tree.flatten(output_gradients)[0]
        leaves, treedef = tree.flatten(sources)
        try:
            with core.without_tape(self):  # the gradient's own ops are for outer tapes
                grads = backward(self._entries, self._tracked, targets, seeds, SUBGRAPHS)
                result = [self._source_grad(s, grads) for s in leaves]
        finally:
            if self._spent:  # free the recorded tensors; remember which variables were read
                self._entries, self._tracked = [], {}
                self._reads = {k: r[:1] for k, r in self._reads.items()}
        return tree.unflatten(treedef, result)

    def _source_grad(self, source, grads):
        if isinstance(source, core._Readable):
            parts = [grads[id(t)] for t in self._reads.get(id(source), [None])[1:]
                     if id(t) in grads]
        elif isinstance(source, core.Tensor):
            parts = [grads[id(source)]] if id(source) in grads else []
        else:
            raise ArgumentError(f"GradientTape.gradient: sources must be tensors or "
                                f"Variables, not {type(source).__name__}")
        total = None
        for p in parts:
            total = p if total is None else total + p
        return total

    def reset(self):
        """Forget everything recorded so far (the tape stays active)."""
        self._entries, self._tracked, self._reads = [], {}, {}
        self._spent = False


class SubgraphContext:
    """The ``ctx`` that the gradient rules of ops holding subgraphs (``cond``, ``while``)
    receive: tracing, replaying and differentiating subgraphs, which live above the ops."""

    tensors = staticmethod(control.tensors)
    trace = staticmethod(control.trace)
    replay = staticmethod(control.replay)

    @staticmethod
    def vjp(graph, inputs, cts):
        """Cotangents of ``graph``'s inputs given its outputs' (None: no cotangent), by
        replaying it under a fresh tape. Float inputs always get a tensor (zeros where
        unconnected); other inputs get None."""
        inputs, cts = control.tensors(inputs), control.tensors(cts)
        with GradientTape() as tape:
            tape.watch(inputs)
            outs = control.replay(graph, inputs)
        pairs = [(o, g) for o, g in zip(outs, cts) if g is not None]
        grads = tape.gradient([o for o, _ in pairs], list(inputs), [g for _, g in pairs])
        return [_input_grad(x, g) for x, g in zip(inputs, grads)]


SUBGRAPHS = SubgraphContext()


def _input_grad(x, g):
    if not x.dtype.is_float:
        return None
    return zeros(x.shape, x.dtype) if g is None else g


def read_variable(op, params, out):
    """The Variable that a recorded op read with a float result (an op whose record says
    ``reads_variable``; the Variable is its ``var`` param), or None."""
    if op.reads_variable and out is not None and out.dtype.is_float:
        return params["var"]
    return None


def stop_recording():
    """Ops inside this block are recorded by no tape: ``with am.autodiff.stop_recording():``"""
    return core.suspended(tapes=True)
