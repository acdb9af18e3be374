"""am.summary writes event files that TensorBoard's own reader reads back."""
import numpy as np
import pytest

import ambi as am

event_accumulator = pytest.importorskip(
    "tensorboard.backend.event_processing.event_accumulator",
    reason="tensorboard (in the [dev] extra) reads the event files back")


def _read(logdir):
    acc = event_accumulator.EventAccumulator(str(logdir), size_guidance={"scalars": 0,
                                                                         "histograms": 0})
    acc.Reload()
    return acc


def test_the_guides_loss_summary(tmp_path):
    logdir = tmp_path / "tb"
    writer = am.summary.create_file_writer(str(logdir))
    steps = 1000
    with writer.as_default():  # or call writer.set_as_default() before the loop.
        for i in range(steps):
            step = i + 1
            # Calculate loss with your real train function.
            loss = 1 - 0.001 * step
            if step % 100 == 0:
                am.summary.scalar('loss', loss, step=step)
    events = _read(logdir).Scalars("loss")
    assert [e.step for e in events] == list(range(100, 1001, 100))
    np.testing.assert_allclose([e.value for e in events], [1 - 0.1 * k for k in range(1, 11)],
                               atol=1e-6)


def test_tensors_histograms_and_default_step(tmp_path):
    writer = am.summary.create_file_writer(str(tmp_path))
    with writer.as_default(step=7):
        assert am.summary.scalar("acc", am.constant(0.25))
        assert am.summary.histogram("w", am.random.normal([100], seed=1))
        writer.flush()
    acc = _read(tmp_path)
    assert [(e.step, e.value) for e in acc.Scalars("acc")] == [(7, 0.25)]
    hist = acc.Histograms("w")[0]
    assert hist.step == 7 and hist.histogram_value.num == 100


def test_without_a_writer_nothing_is_written_and_errors_are_clear(tmp_path):
    assert am.summary.scalar("x", 1.0, step=1) is False
    writer = am.summary.create_file_writer(str(tmp_path))
    with writer.as_default():
        with pytest.raises(am.AmbiError, match="step"):
            am.summary.scalar("x", 1.0)
        with pytest.raises(am.AmbiError, match="scalar"):
            am.summary.scalar("x", [1.0, 2.0], step=1)
