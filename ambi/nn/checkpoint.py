"""Checkpoints: every Variable reachable from the saved objects, named by its attribute
path (``model/layers/0/kernel``), in ``PATH.npz`` (arrays only; loaded with
``allow_pickle=False``, so loading never runs code) beside ``PATH.json`` (the index:
names, shapes, dtypes). Optimizer state is saved under the optimizer's path:
``optimizer/iterations`` and ``optimizer/slots/<variable path>/<slot>``."""
import json
import os

import numpy as np

from .. import core
from ..errors import ArgumentError, LoadError, ShapeError
from ..variables import Variable
from .tracking import Trackable, children
from .optimizers import Optimizer

FORMAT = "ambi-checkpoint"
VERSION = 1
SLOTS = "slots"


def _kids(obj):
    if isinstance(obj, Checkpoint):
        return list(obj._objects.items()) + [("save_counter", obj.save_counter)]
    if isinstance(obj, dict):
        return list(obj.items())
    if isinstance(obj, Optimizer):
        return [("iterations", obj.iterations)] if obj.iterations is not None else []
    return children(obj)


def _walk(root):
    """({path: Variable}, [(path, optimizer)]) for everything reachable from ``root``."""
    found, optimizers, seen = {}, [], set()

    def visit(obj, path):
        if isinstance(obj, Variable):
            if id(obj) not in seen:
                seen.add(id(obj))
                found[path] = obj
            return
        if isinstance(obj, Optimizer) and all(o is not obj for _, o in optimizers):
            optimizers.append((path, obj))
        for name, child in _kids(obj):
            visit(child, f"{path}/{name}" if path else name)
    visit(root, "")
    return found, optimizers


def _variables(root):
    """{path: Variable} of every variable under ``root`` and every optimizer slot whose
    variable is in the tree; one walk."""
    found, optimizers = _walk(root)
    by_id = {id(v): p for p, v in found.items()}
    slots = {f"{opt_path}/{SLOTS}/{by_id[id(var)]}/{slot}": value
             for opt_path, opt in optimizers for (slot, var), value in opt._slots.items()
             if id(var) in by_id}
    return {**found, **slots}


def collect(root):
    """{path: numpy array} of every variable and optimizer slot under ``root``."""
    return {p: v.numpy() for p, v in _variables(root).items()}


def write_checkpoint(path, root):
    """Write ``path.npz`` and ``path.json``; returns ``path``."""
    arrays = collect(root)
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    keys = {name: f"a{i}" for i, name in enumerate(arrays)}
    with open(path + ".npz", "wb") as f:
        np.savez(f, **{keys[n]: a for n, a in arrays.items()})
    index = {"format": FORMAT, "version": VERSION, "variables": {
        n: {"key": keys[n], "shape": list(a.shape), "dtype": a.dtype.name}
        for n, a in arrays.items()}}
    with open(path + ".json", "w") as f:
        json.dump(index, f, indent=1)
    return path


def load_arrays(path):
    """{name: array} from a checkpoint, checked against its index."""
    try:
        with open(path + ".json") as f:
            index = json.load(f)
        data = np.load(path + ".npz", allow_pickle=False)
    except FileNotFoundError as e:
        raise LoadError(f"no checkpoint at {path!r} ({e.filename} is missing)") from None
    except (ValueError, OSError) as e:
        raise LoadError(f"checkpoint {path!r} is unreadable: {e}") from None
    if index.get("format") != FORMAT or index.get("version") != VERSION:
        raise LoadError(f"{path}.json is not an ambi checkpoint of version {VERSION}")
    with data:
        return {name: _entry(data, name, meta, path)
                for name, meta in index["variables"].items()}


def _entry(data, name, meta, path):
    arr = data[meta["key"]]
    if list(arr.shape) != meta["shape"] or arr.dtype.name != meta["dtype"]:
        raise LoadError(f"checkpoint {path!r}: {name!r} does not match its index")
    return arr


def _assign(var, value, name):
    if tuple(value.shape) != tuple(var.shape):
        raise ShapeError(f"restoring {name!r}: variable {var.name!r} has shape "
                         f"{tuple(var.shape)}, the checkpoint holds {tuple(value.shape)}")
    if value.dtype != var.dtype.np:
        raise ArgumentError(f"restoring {name!r}: variable {var.name!r} is "
                            f"{var.dtype.name}, the checkpoint holds {value.dtype.name}")
    with core.suspended(traces=True):  # at once, even when a layer builds inside a trace
        var.assign(value)


class Pending:
    """A saved variable value (and its optimizer slots), applied when its variable is
    matched: at once, or when a layer creates the variable (deferred restore)."""

    def __init__(self, array, key, slots, unused):
        self.array, self.key, self.slots, self.unused = array, key, slots, unused

    def apply(self, var):
        _assign(var, self.array, self.key)
        self.unused.discard(self.key)
        for opt, slot, key, array in self.slots:
            _assign(opt.slot(var, slot), array, key)
            self.unused.discard(key)


def _sub(values, name):
    """The entries under ``name``, relative to it ("" for ``name`` itself)."""
    return {("" if k == name else k[len(name) + 1:]): v for k, v in values.items()
            if k == name or k.startswith(name + "/")}


def restore_into(obj, values):
    """Apply ``values`` ({path relative to obj: Pending}) to the variables under ``obj``.
    Values for variables a layer has not created yet wait in that layer and are applied
    when it builds (deferred restore, as TensorFlow does)."""
    if isinstance(obj, Variable):
        if "" in values:
            values[""].apply(obj)
        return
    names = set()
    for name, child in _kids(obj):
        names.add(name)
        sub = _sub(values, name)
        if sub and not isinstance(child, Optimizer):  # optimizers: _split_optimizer
            restore_into(child, sub)
    if isinstance(getattr(obj, "_deferred", None), dict):  # a layer: the rest waits there
        obj._deferred.update({k: v for k, v in values.items()
                              if k.split("/", 1)[0] not in names})


def _split_optimizer(root, values, unused):
    """Restore optimizers' step counts now; return {variable path: [slot entries]} and
    the keys that belong to optimizers."""
    _, optimizers = _walk(root)
    slots, keys = {}, set()
    for opt_path, opt in optimizers:
        step = f"{opt_path}/iterations"
        if step in values:
            if opt.iterations is None:
                opt.iterations = Variable(0, name="iterations", trainable=False, dtype="int64")
            _assign(opt.iterations, values[step], step)
            unused.discard(step)
            keys.add(step)
        prefix = f"{opt_path}/{SLOTS}/"
        for key in values:
            if key.startswith(prefix):
                var_path, slot = key[len(prefix):].rsplit("/", 1)
                slots.setdefault(var_path, []).append((opt, slot, key, values[key]))
                keys.add(key)
    return slots, keys


def read_checkpoint(path, root):
    """Restore ``root`` from ``path``; returns a ``LoadStatus``."""
    values = load_arrays(path)
    expected = set(_variables(root))  # the names only: no value is read
    unused = set(values)
    slots, opt_keys = _split_optimizer(root, values, unused)
    restore_into(root, {k: Pending(v, k, slots.get(k, []), unused)
                        for k, v in values.items() if k not in opt_keys})
    return LoadStatus(path, unused, expected - set(values))


class LoadStatus:
    """What a restore matched. ``assert_consumed()`` fails when the file held values
    that were not used yet (deferred ones included) or when objects got no value;
    ``assert_existing_objects_matched()`` only checks the objects that exist."""

    def __init__(self, path, unused, missing):
        self.path, self._unused, self.missing = path, unused, sorted(missing)

    @property
    def unused(self):
        """Saved values not restored yet (sorted names); deferred ones leave as their
        layers build."""
        return sorted(self._unused)

    def assert_consumed(self):
        if self._unused:
            raise ArgumentError(f"checkpoint {self.path!r}: values not restored into "
                                f"any object (yet): {', '.join(self.unused)}")
        return self.assert_existing_objects_matched()

    def assert_existing_objects_matched(self):
        if self.missing:
            raise ArgumentError(f"checkpoint {self.path!r} has no value for: "
                                f"{', '.join(self.missing)}")
        return self

    def expect_partial(self):
        """Silence the check for unused values (accepted for TensorFlow compatibility)."""
        return self

    def __repr__(self):
        return f"<LoadStatus {self.path!r} unused={len(self.unused)} missing={len(self.missing)}>"


STATE = "checkpoint"  # the JSON file in a checkpoint directory naming the saves


def _is_saveable(obj):
    return isinstance(obj, (Variable, Trackable, Optimizer, Checkpoint, list, tuple))


class Checkpoint:
    """Saves and restores the variables of models, layers, optimizers (slots and step
    included) and plain Variables, found by attribute path from the keyword names.

    >>> x = am.Variable(10.0)
    >>> ckpt = am.train.Checkpoint(x=x)
    >>> path = ckpt.save("/tmp/ckpt-doc/ckpt")  # "/tmp/ckpt-doc/ckpt-1"
    >>> _ = x.assign(11.0); _ = ckpt.restore(path); x.numpy()
    array(10., dtype=float32)
    """

    def __init__(self, **objects):
        for name, obj in objects.items():
            if not _is_saveable(obj):
                raise ArgumentError(f"Checkpoint({name}=...): cannot save a "
                                    f"{type(obj).__name__}; pass models, layers, "
                                    "optimizers, Variables or checkpoints")
        self._objects = dict(objects)
        self.save_counter = Variable(0, name="save_counter", trainable=False, dtype="int64")

    def __getattr__(self, name):
        objects = self.__dict__.get("_objects", {})
        if name in objects:
            return objects[name]
        raise AttributeError(name)

    def write(self, file_prefix):
        """Save to exactly ``file_prefix`` (``.npz`` and ``.json``); returns it."""
        return write_checkpoint(os.fspath(file_prefix), self)

    def save(self, file_prefix):
        """Save as ``file_prefix-N`` (N counts the saves) and record it as the latest in
        the directory's ``checkpoint`` file; returns the path."""
        with core.suspended(traces=True):
            self.save_counter.assign_add(np.int64(1))
        path = self.write(f"{os.fspath(file_prefix)}-{int(self.save_counter.numpy())}")
        state = _read_state(os.path.dirname(path))
        _write_state(os.path.dirname(path), state["all"] + [path])
        return path

    def restore(self, save_path):
        """Restore from a path that ``save`` returned (or ``latest_checkpoint`` found);
        returns a status with ``assert_consumed()``. ``None`` restores nothing."""
        if save_path is None:
            return LoadStatus(None, set(), ())
        save_path = os.fspath(save_path)
        if os.path.isdir(save_path):
            raise ArgumentError(f"{save_path!r} is a directory; restore "
                                "am.train.latest_checkpoint(directory)")
        return read_checkpoint(save_path, self)

    read = restore


def _read_state(directory):
    try:
        with open(os.path.join(directory or ".", STATE)) as f:
            state = json.load(f)
    except (FileNotFoundError, ValueError):
        return {"latest": None, "all": []}
    names = [os.path.join(directory, n) for n in state.get("all", [])]
    return {"latest": names[-1] if names else None, "all": names}


def _write_state(directory, paths):
    names = [os.path.basename(p) for p in paths]
    names = list(dict.fromkeys(names))  # a path saved twice is listed once
    with open(os.path.join(directory or ".", STATE), "w") as f:
        json.dump({"latest": names[-1] if names else None, "all": names}, f, indent=1)


def latest_checkpoint(checkpoint_dir):
    """The path of the newest checkpoint saved in ``checkpoint_dir``, or None.

    >>> am.train.latest_checkpoint("/no/such/dir") is None
    True
    """
    latest = _read_state(os.fspath(checkpoint_dir))["latest"]
    return latest if latest and os.path.exists(latest + ".json") else None


class CheckpointManager:
    """Numbered saves in a directory, keeping the newest ``max_to_keep`` (None: all).

    >>> manager = am.train.CheckpointManager(ckpt, "/tmp/run", max_to_keep=3)  # doctest: +SKIP
    >>> manager.save(); manager.latest_checkpoint  # doctest: +SKIP
    """

    def __init__(self, checkpoint, directory, max_to_keep=5, checkpoint_name="ckpt"):
        if max_to_keep is not None and max_to_keep < 1:
            raise ArgumentError(f"max_to_keep must be positive or None, not {max_to_keep!r}")
        self.checkpoint, self.directory = checkpoint, os.fspath(directory)
        self.max_to_keep, self._prefix = max_to_keep, os.path.join(self.directory,
                                                                    checkpoint_name)
        os.makedirs(self.directory, exist_ok=True)
        self._paths = [p for p in _read_state(self.directory)["all"]
                       if os.path.exists(p + ".json")]

    @property
    def checkpoints(self):
        """The paths kept, oldest first."""
        return list(self._paths)

    @property
    def latest_checkpoint(self):
        return self._paths[-1] if self._paths else None

    def save(self, checkpoint_number=None):
        """Save and drop the oldest saves beyond ``max_to_keep``; returns the path."""
        if checkpoint_number is None:
            path = self.checkpoint.save(self._prefix)
        else:
            path = self.checkpoint.write(f"{self._prefix}-{int(checkpoint_number)}")
        self._paths = [p for p in self._paths if p != path] + [path]
        while self.max_to_keep is not None and len(self._paths) > self.max_to_keep:
            old = self._paths.pop(0)
            for ext in (".npz", ".json"):
                if os.path.exists(old + ext):
                    os.remove(old + ext)
        _write_state(self.directory, self._paths)
        return path

    def restore_or_initialize(self):
        """Restore the latest save if there is one; returns its path or None."""
        latest = self.latest_checkpoint
        if latest is not None:
            self.checkpoint.restore(latest)
        return latest
