"""The seeds' training snippets with ``tf.``/``tf.keras.`` replaced by ``am.`` (and
``keras.layers`` by ``am.nn``, as SPEC names it), run as written."""
import os

import numpy as np

import ambi as am


def test_keras_example_of_seed_003(capsys):
    # Input data and labels
    X = am.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=am.float32)
    y = am.constant([[0.0], [1.0], [0.0]], dtype=am.float32)
    # Define model
    model = am.nn.Sequential([
        am.nn.Dense(4, activation='relu', input_shape=(2,)),
        am.nn.Dense(1, activation='sigmoid')
    ])
    model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
    # Train
    history = model.fit(X, y, epochs=10, verbose=0)
    # Predict and inspect
    predictions = model.predict(X)
    print(predictions)
    # Inspect weights
    weights = model.get_weights()
    print(weights[0])  # First layer weights
    assert predictions.shape == (3, 1) and ((predictions > 0) & (predictions < 1)).all()
    assert weights[0].shape == (2, 4) and len(history.history["accuracy"]) == 10
    assert capsys.readouterr().err == ""  # verbose=0: no progress bar


def test_the_guides_custom_training_loop():
    (mnist_images, mnist_labels), _ = am.datasets.digits()
    dataset = am.data.Dataset.from_tensor_slices(
        (am.cast(mnist_images[..., np.newaxis] / 16, am.float32),
         am.cast(mnist_labels, am.int64)))
    dataset = dataset.shuffle(1000, seed=0).batch(32, drop_remainder=True)
    mnist_model = am.nn.Sequential([
        am.nn.Conv2D(16, [3, 3], activation='relu', input_shape=(None, None, 1)),
        am.nn.Conv2D(16, [3, 3], activation='relu'),
        am.nn.GlobalAveragePooling2D(),
        am.nn.Dense(10)
    ])
    for images, labels in dataset.take(1):  # noqa: B007
        assert mnist_model(images[0:1]).numpy().shape == (1, 10)
    optimizer = am.optimizers.Adam()
    loss_object = am.losses.SparseCategoricalCrossentropy(from_logits=True)
    loss_history = []

    def train_step(images, labels):
        with am.GradientTape() as tape:
            logits = mnist_model(images, training=True)
            assert logits.shape == (32, 10)
            loss_value = loss_object(labels, logits)
        loss_history.append(loss_value.numpy().mean())
        grads = tape.gradient(loss_value, mnist_model.trainable_variables)
        optimizer.apply_gradients(zip(grads, mnist_model.trainable_variables))

    def train(epochs):
        for epoch in range(epochs):  # noqa: B007
            for (batch, (images, labels)) in enumerate(dataset):  # noqa: B007
                train_step(images, labels)
    train(epochs=2)
    assert len(loss_history) == 88 and np.mean(loss_history[-10:]) < np.mean(loss_history[:10])


def test_the_guides_model_and_optimizer_checkpoint(tmp_path):
    model = am.nn.Sequential([
        am.nn.Conv2D(16, [3, 3], activation='relu'),
        am.nn.GlobalAveragePooling2D(),
        am.nn.Dense(10)
    ])
    optimizer = am.optimizers.Adam(learning_rate=0.001)
    checkpoint_dir = str(tmp_path / "model_dir")
    if not os.path.exists(checkpoint_dir):
        os.makedirs(checkpoint_dir)
    checkpoint_prefix = os.path.join(checkpoint_dir, "ckpt")
    root = am.train.Checkpoint(optimizer=optimizer, model=model)
    model(am.ones([1, 5, 5, 1]))
    root.save(checkpoint_prefix)
    saved = model.get_weights()
    model.set_weights([w * 0 for w in saved])
    root.restore(am.train.latest_checkpoint(checkpoint_dir))
    for a, b in zip(model.get_weights(), saved):
        np.testing.assert_array_equal(a, b)
    os.chdir(tmp_path)
    model.save_weights('weights')
    status = model.load_weights('weights')
    status.assert_consumed()
