"""The training examples run as scripts: the guide's CNN on the digits reaches 95% test
accuracy with fit (60 epochs, a few seconds here), its checkpoint restores exactly, and
the Linear model prints the guide's loss trace."""
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _run(*args):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    proc = subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_mnist_like_reaches_95_percent_and_restores_its_checkpoint(tmp_path):
    out = _run(ROOT / "examples" / "mnist_like.py", "--workdir", tmp_path, "--loop-epochs", 1)
    assert out.startswith("Logits:  [[") and "Epoch 0 finished" in out
    accuracy = float(re.search(r"test accuracy ([0-9.]+)", out).group(1))
    assert accuracy >= 0.95, out
    assert "restored model predicts the same: True" in out
    assert any(p.name.startswith("events.out.tfevents") for p in (tmp_path / "tb").iterdir())


def test_linear_model_prints_the_guides_trace():
    lines = _run(ROOT / "examples" / "linear_model.py").splitlines()
    assert lines[0].startswith("Initial loss: 6") and lines[-1].startswith("W = ")
    assert lines[-2].startswith("Final loss: 0.9") or lines[-2].startswith("Final loss: 1.0")
