"""am.train checkpoints: the guide's snippets, file format, errors, CheckpointManager,
deferred restore, and a run resumed in a new process ending at the very same weights."""
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import ambi as am

HERE = pathlib.Path(__file__).resolve().parent


def test_the_guides_variable_checkpoint(tmp_path):
    x = am.Variable(10.)
    checkpoint = am.train.Checkpoint(x=x)
    x.assign(2.)   # Assign a new value to the variables and save.
    checkpoint_path = str(tmp_path / "ckpt") + "/"
    checkpoint.save(checkpoint_path)
    x.assign(11.)  # Change the variable after saving.
    checkpoint.restore(am.train.latest_checkpoint(checkpoint_path))
    assert x.numpy() == 2.0  # => 2.0


def _model():
    return am.nn.Sequential([am.nn.Conv2D(4, [3, 3], activation="relu"),
                             am.nn.GlobalAveragePooling2D(), am.nn.Dense(10)])


def _train(model, optimizer, steps=2):
    x = am.random.normal([4, 6, 6, 1], seed=1)
    for _ in range(steps):
        with am.GradientTape() as tape:
            loss = am.reduce_mean(am.square(model(x)))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))


def test_model_and_optimizer_round_trip_with_numbered_saves(tmp_path):
    model, optimizer = _model(), am.optimizers.Adam(learning_rate=0.001)
    _train(model, optimizer)
    root = am.train.Checkpoint(optimizer=optimizer, model=model)
    prefix = os.path.join(tmp_path, "ckpt")
    assert root.save(prefix).endswith("ckpt-1") and root.save(prefix).endswith("ckpt-2")
    index = json.loads((tmp_path / "ckpt-2.json").read_text())
    names = set(index["variables"])
    assert {"model/layers/0/kernel", "optimizer/iterations", "save_counter",
            "optimizer/slots/model/layers/0/kernel/m"} <= names
    with np.load(tmp_path / "ckpt-2.npz", allow_pickle=False) as data:
        assert all(k.startswith("a") for k in data.files)
    saved = model.get_weights() + [optimizer.iterations.numpy()]
    _train(model, optimizer)
    status = root.restore(am.train.latest_checkpoint(tmp_path))
    status.assert_consumed()
    for a, b in zip(model.get_weights() + [optimizer.iterations.numpy()], saved):
        np.testing.assert_array_equal(a, b)


def test_restore_before_build_is_deferred_until_the_layers_build(tmp_path):
    model = _model()
    model(am.ones([1, 6, 6, 1]))
    path = am.train.Checkpoint(model=model).save(str(tmp_path / "c"))
    fresh = _model()
    status = am.train.Checkpoint(model=fresh).restore(path)
    with pytest.raises(am.AmbiError, match="not restored"):
        status.assert_consumed()
    fresh(am.ones([1, 6, 6, 1]))
    status.assert_consumed()
    for a, b in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_shape_and_name_mismatches_name_the_variable(tmp_path):
    small = am.nn.Sequential([am.nn.Dense(2)])
    small(am.ones([1, 3]))
    path = am.train.Checkpoint(model=small).save(str(tmp_path / "c"))
    wide = am.nn.Sequential([am.nn.Dense(5)])
    wide(am.ones([1, 3]))
    with pytest.raises(am.errors.ShapeError, match="model/layers/0/kernel"):
        am.train.Checkpoint(model=wide).restore(path)
    status = am.train.Checkpoint(net=small).restore(path)
    with pytest.raises(am.AmbiError, match="model/layers/0/kernel"):
        status.assert_consumed()
    with pytest.raises(am.errors.LoadError, match="no checkpoint"):
        am.train.Checkpoint(model=small).restore(str(tmp_path / "missing"))
    with pytest.raises(am.AmbiError, match="cannot save"):
        am.train.Checkpoint(model=lambda: 0)


def test_a_tampered_checkpoint_is_refused(tmp_path):
    v = am.Variable([1.0, 2.0])
    path = am.train.Checkpoint(v=v).save(str(tmp_path / "c"))
    np.save(str(tmp_path / "evil.npy"), np.array([object()], dtype=object), allow_pickle=True)
    os.replace(tmp_path / "evil.npy", path + ".npz")
    with pytest.raises(am.errors.LoadError, match="unreadable"):
        am.train.Checkpoint(v=v).restore(path)


def test_checkpoint_manager_keeps_the_newest(tmp_path):
    step = am.Variable(0)
    manager = am.train.CheckpointManager(am.train.Checkpoint(step=step), tmp_path,
                                         max_to_keep=2)
    for i in range(4):
        step.assign(i)
        manager.save()
    assert [os.path.basename(p) for p in manager.checkpoints] == ["ckpt-3", "ckpt-4"]
    assert not (tmp_path / "ckpt-1.npz").exists()
    assert am.train.latest_checkpoint(tmp_path) == manager.latest_checkpoint
    again = am.train.CheckpointManager(am.train.Checkpoint(step=step), tmp_path,
                                       max_to_keep=2)
    step.assign(9)
    assert again.restore_or_initialize().endswith("ckpt-4") and step.numpy() == 3


def test_save_and_load_weights(tmp_path):
    model = _model()
    model(am.ones([2, 6, 6, 1]))
    model.save_weights(str(tmp_path / "weights"))
    other = _model()
    other(am.ones([2, 6, 6, 1]))
    other.load_weights(str(tmp_path / "weights")).assert_consumed()
    for a, b in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_resuming_in_a_new_process_reaches_the_same_weights(tmp_path):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(HERE.parents[1]), env.get("PYTHONPATH", "")])
    for mode in ("full", "first", "resume"):
        proc = subprocess.run([sys.executable, str(HERE / "resume_helper.py"), mode,
                               str(tmp_path)], capture_output=True, text=True, env=env,
                              timeout=300)
        assert proc.returncode == 0, proc.stderr
    with np.load(tmp_path / "full.npz") as full, np.load(tmp_path / "resume.npz") as resumed:
        assert len(full.files) == 13  # 4 weights, Dropout's count, 2 Adam slots a weight
        for k in full.files:
            np.testing.assert_array_equal(resumed[k], full[k])
