"""A small Dense network learns XOR (Adam, mean squared error), as an am.function step.

Run: python examples/xor.py
"""
import numpy as np

import ambi as am

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
Y = np.array([[0], [1], [1], [0]], np.float32)


def train(steps=300, graph=True):
    """Train a fresh 2-8-1 network; returns (model, final loss)."""
    model = am.nn.Sequential([am.nn.Dense(8, activation="tanh", seed=1),
                              am.nn.Dense(1, activation="sigmoid", seed=2)])
    optimizer = am.optimizers.Adam(learning_rate=0.05)

    def step(x, y):
        with am.GradientTape() as tape:
            loss = am.reduce_mean(am.losses.mean_squared_error(y, model(x)))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    step = am.function(step) if graph else step
    x, y = am.constant(X), am.constant(Y)
    for _ in range(steps):
        loss = step(x, y)
    return model, float(loss)


if __name__ == "__main__":
    model, loss = train()
    pred = model(am.constant(X)).numpy()
    for x, p in zip(X, pred[:, 0]):
        print(f"{int(x[0])} xor {int(x[1])} -> {p:.3f} ({int(p > 0.5)})")
    print(f"loss {loss:.4f}")
