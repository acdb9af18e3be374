"""Run by test_checkpoint in fresh processes: train a small CNN with Dropout and Adam on
the digits, uninterrupted or in two halves with a checkpoint between them.

    python resume_helper.py full|first|resume DIRECTORY
"""
import os
import sys

import numpy as np

import ambi as am

STEPS, HALF, BATCH = 8, 4, 16


def make():
    model = am.nn.Sequential([am.nn.Conv2D(4, 3, activation="relu", seed=1),
                              am.nn.Dropout(0.25, seed=2), am.nn.GlobalAveragePooling2D(),
                              am.nn.Dense(10, seed=3)])
    optimizer = am.optimizers.Adam(3e-3)
    loss_fn = am.losses.SparseCategoricalCrossentropy(from_logits=True)

    @am.function
    def train_step(images, labels):
        with am.GradientTape() as tape:
            loss = loss_fn(labels, model(images, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss
    return model, optimizer, train_step


def batches():
    (x, y), _ = am.datasets.digits()
    x = (x[:STEPS * BATCH, ..., None] / 16).astype(np.float32)
    return [(am.constant(x[i:i + BATCH]), am.constant(y[i:i + BATCH]))
            for i in range(0, STEPS * BATCH, BATCH)]


def main(mode, directory):
    model, optimizer, train_step = make()
    data = batches()
    ckpt = am.train.Checkpoint(model=model, optimizer=optimizer)
    status = None
    if mode == "resume":  # restored before the model is built: the weights wait for it
        status = ckpt.restore(am.train.latest_checkpoint(directory))
    todo = {"full": data, "first": data[:HALF], "resume": data[HALF:]}[mode]
    for images, labels in todo:
        train_step(images, labels)
    if mode == "first":
        am.train.CheckpointManager(ckpt, directory, max_to_keep=2).save()
    if status is not None:
        status.assert_consumed()
    np.savez(os.path.join(directory, f"{mode}.npz"), *model.get_weights(),
             *[v.numpy() for v in optimizer._slots.values()])


if __name__ == "__main__":
    main(*sys.argv[1:])
