"""The TensorFlow eager guide's Linear model, with ``tf.`` replaced by ``am.``: an
``am.nn.Model`` subclass fitted by 300 SGD steps (the loss goes from about 68 to 1)."""
import ambi as am

NUM_EXAMPLES = 2000


class Linear(am.nn.Model):
    def __init__(self):
        super(Linear, self).__init__()
        self.W = am.Variable(5., name='weight')
        self.B = am.Variable(10., name='bias')

    def call(self, inputs):
        return inputs * self.W + self.B


def loss(model, inputs, targets):
    error = model(inputs) - targets
    return am.reduce_mean(am.square(error))


def grad(model, inputs, targets):
    with am.GradientTape() as tape:
        loss_value = loss(model, inputs, targets)
    return tape.gradient(loss_value, [model.W, model.B])


def train(steps=300, verbose=False):
    """Returns the loss before each step and after the last, and the final W and B."""
    # A toy dataset of points around 3 * x + 2
    training_inputs = am.random.normal([NUM_EXAMPLES], seed=1)
    noise = am.random.normal([NUM_EXAMPLES], seed=2)
    training_outputs = training_inputs * 3 + 2 + noise
    model = Linear()
    optimizer = am.optimizers.SGD(learning_rate=0.01)
    losses = [float(loss(model, training_inputs, training_outputs))]
    if verbose:
        print("Initial loss: {:.3f}".format(losses[0]))
    for i in range(steps):
        grads = grad(model, training_inputs, training_outputs)
        optimizer.apply_gradients(zip(grads, [model.W, model.B]))
        losses.append(float(loss(model, training_inputs, training_outputs)))
        if verbose and i % 20 == 0:
            print("Loss at step {:03d}: {:.3f}".format(i, losses[-1]))
    if verbose:
        print("Final loss: {:.3f}".format(losses[-1]))
        print("W = {}, B = {}".format(model.W.numpy(), model.B.numpy()))
    return losses, float(model.W.numpy()), float(model.B.numpy())


if __name__ == "__main__":
    train(verbose=True)
