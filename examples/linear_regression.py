"""The seeds' linear regression: fit y = 3x + 2 + noise with SGD, eagerly and as a graph.

Run: python examples/linear_regression.py
"""
import ambi as am

NUM_EXAMPLES, STEPS, LEARNING_RATE = 1000, 300, 0.01


def data():
    x = am.random.normal([NUM_EXAMPLES], seed=0)
    noise = am.random.normal([NUM_EXAMPLES], seed=1)
    return x, x * 3 + 2 + noise


class Model:
    def __init__(self):
        self.W = am.Variable(5.0, name="W")
        self.B = am.Variable(10.0, name="B")

    def __call__(self, x):
        return x * self.W + self.B


def loss(model, inputs, targets):
    error = model(inputs) - targets
    return am.reduce_mean(am.square(error))


def make_step(model, optimizer):
    def step(inputs, targets):
        with am.GradientTape() as tape:
            loss_value = loss(model, inputs, targets)
        grads = tape.gradient(loss_value, [model.W, model.B])
        optimizer.apply_gradients(zip(grads, [model.W, model.B]))
        return loss_value
    return step


def train(graph=False, steps=STEPS):
    """Train a fresh model; returns (W, B, final loss) as floats."""
    x, y = data()
    model = Model()
    step = make_step(model, am.optimizers.SGD(LEARNING_RATE))
    if graph:
        step = am.function(step)
    for _ in range(steps):
        step(x, y)
    return float(model.W.numpy()), float(model.B.numpy()), float(loss(model, x, y))


if __name__ == "__main__":
    for graph in (False, True):
        w, b, final = train(graph)
        print(f"{'graph' if graph else 'eager'}: W = {w:.3f}, B = {b:.3f}, loss = {final:.3f}")
