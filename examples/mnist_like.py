"""The TensorFlow eager guide's MNIST model on the 8x8 digits shipped with ambi, trained
both ways the guide shows: a custom loop with GradientTape and Adam, then compile/fit.
Writes TensorBoard logs and a checkpoint, and restores the checkpoint in a fresh model.

    python examples/mnist_like.py [--epochs 60] [--workdir DIR] [--verbose 0|1]
"""
import argparse
import os
import tempfile
import time

import numpy as np

import ambi as am


def build_model():
    return am.nn.Sequential([
        am.nn.Conv2D(16, [3, 3], activation='relu', input_shape=(None, None, 1)),
        am.nn.Conv2D(16, [3, 3], activation='relu'),
        am.nn.GlobalAveragePooling2D(),
        am.nn.Dense(10)
    ])


def load():
    (images, labels), (test_images, test_labels) = am.datasets.digits()
    return ((images[..., None] / 16).astype(np.float32), labels,
            (test_images[..., None] / 16).astype(np.float32), test_labels)


def custom_loop(images, labels, epochs):
    """The guide's loop: GradientTape, Adam, a loss history per batch."""
    dataset = am.data.Dataset.from_tensor_slices(
        (am.cast(images, am.float32), am.cast(labels, am.int64)))
    dataset = dataset.shuffle(1000, seed=0).batch(32)
    mnist_model = build_model()
    for images, labels in dataset.take(1):  # noqa: B007  (the guide's code)
        print("Logits: ", mnist_model(images[0:1]).numpy())
    optimizer = am.optimizers.Adam()
    loss_object = am.losses.SparseCategoricalCrossentropy(from_logits=True)
    loss_history = []

    def train_step(images, labels):
        with am.GradientTape() as tape:
            logits = mnist_model(images, training=True)
            loss_value = loss_object(labels, logits)
        loss_history.append(float(loss_value.numpy()))
        grads = tape.gradient(loss_value, mnist_model.trainable_variables)
        optimizer.apply_gradients(zip(grads, mnist_model.trainable_variables))

    for epoch in range(epochs):
        for (batch, (images, labels)) in enumerate(dataset):  # noqa: B007
            train_step(images, labels)
        print('Epoch {} finished'.format(epoch))
    return loss_history


def fit_and_evaluate(data, epochs, verbose, logdir):
    """compile/fit (one traced train step), evaluation, TensorBoard logs."""
    x, y, x_test, y_test = data
    model = build_model()
    # 1e-2: Keras' Glorot initialisation here learns slower than PyTorch's default at 3e-3
    model.compile(optimizer=am.optimizers.Adam(1e-2),
                  loss=am.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(x, y, epochs=epochs, batch_size=32, seed=0, verbose=verbose)
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    writer = am.summary.create_file_writer(logdir)
    with writer.as_default():
        for epoch, (l, a) in enumerate(zip(history.history["loss"],
                                           history.history["accuracy"])):
            am.summary.scalar("loss", l, step=epoch)
            am.summary.scalar("accuracy", a, step=epoch)
        am.summary.scalar("test_accuracy", accuracy, step=epochs)
    return model, history, seconds, loss, accuracy


def checkpoint_round_trip(model, workdir, x_test, y_test):
    """Save model and optimizer, restore into a fresh model, check it predicts the same."""
    ckpt = am.train.Checkpoint(model=model, optimizer=model.optimizer)
    path = am.train.CheckpointManager(ckpt, workdir, max_to_keep=3).save()
    fresh = build_model()
    fresh.compile(optimizer="adam", loss=am.losses.SparseCategoricalCrossentropy(True),
                  metrics=["accuracy"])
    status = am.train.Checkpoint(model=fresh, optimizer=fresh.optimizer).restore(
        am.train.latest_checkpoint(workdir))
    same = np.array_equal(fresh.predict(x_test), model.predict(x_test))
    status.assert_existing_objects_matched()
    return path, same


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--loop-epochs", type=int, default=3)
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args(argv)
    workdir = args.workdir or tempfile.mkdtemp(prefix="ambi-mnist-like-")
    data = load()
    history = custom_loop(data[0], data[1], args.loop_epochs)
    print(f"custom loop: loss {history[0]:.3f} -> {history[-1]:.3f} "
          f"over {len(history)} batches")
    model, fit_history, seconds, loss, accuracy = fit_and_evaluate(
        data, args.epochs, args.verbose, os.path.join(workdir, "tb"))
    losses = fit_history.history["loss"]
    print("fit loss per epoch:", " ".join(f"{v:.3f}" for v in losses))
    print(f"fit: {args.epochs} epochs in {seconds:.1f} s; test loss {loss:.3f}, "
          f"test accuracy {accuracy:.4f}")
    path, same = checkpoint_round_trip(model, os.path.join(workdir, "ckpt"), *data[2:])
    print(f"checkpoint {path}: restored model predicts the same: {same}")
    print(f"TensorBoard logs: tensorboard --logdir {os.path.join(workdir, 'tb')}")
    return accuracy


if __name__ == "__main__":
    main()
