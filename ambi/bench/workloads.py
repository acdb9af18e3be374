"""The workloads of ``ambi bench``: the TensorFlow articles' comparisons, as functions.

Each workload gives, for one size, the ambi function, its arguments and a plain-numpy
version (or None). Sizes come from a ``Budget`` (full, ``--quick``, or the tests' tiny).
"""
import dataclasses

import numpy as np

import ambi as am  # the public API, as a user writes these; am.nn loads when first used


@dataclasses.dataclass(frozen=True)
class Budget:
    """How big and how often: the sizes of each workload and the timing repeats."""

    chain_sizes: tuple = (10**2, 10**3, 10**4, 10**5, 10**6, 10**7)
    matmul: tuple = (1000, 200)        # (n, steps): an n x n matrix multiplied `steps` times
    batch: int = 60                    # the dummy model's batch, as in the article
    cnn_batch: int = 32
    repeat: int = 5
    first_repeat: int = 3
    min_time: float = 0.05


FULL = Budget()
QUICK = Budget(chain_sizes=(10**2, 10**4, 10**6), matmul=(256, 20), repeat=3, first_repeat=2,
               min_time=0.01)
TINY = Budget(chain_sizes=(10**2, 10**3), matmul=(16, 3), batch=4, cnn_batch=4, repeat=1,
              first_repeat=1, min_time=0.001)


@dataclasses.dataclass
class Case:
    """One measurement to make: ``fn(*args)`` eagerly and traced, ``reference`` in numpy."""

    workload: str
    fn: object
    args: tuple
    reference: object = None
    size: int | None = None


def square_cases(budget):
    """The comparison article's ``x**2`` on 5 elements."""
    x = np.arange(1, 6, dtype=np.float32)
    return [Case("x**2, 5 elements", lambda t: t ** 2, (x,), lambda a: a ** 2, 5)]


def dummy_model():
    return am.nn.Sequential([am.nn.Flatten(), am.nn.Dense(256, activation="relu", seed=1),
                             am.nn.Dense(256, activation="relu", seed=2),
                             am.nn.Dense(10, activation="softmax", seed=3)])


def model_cases(budget):
    """The article's dummy model (flatten 28x28, 256 relu, 256 relu, 10 softmax)."""
    model = dummy_model()
    x = np.random.default_rng(0).random((budget.batch, 28, 28), dtype=np.float32)
    model(am.constant(x))  # creates the weights outside the timing
    weights = [np.asarray(w) for w in model.get_weights()]
    return [Case(f"dummy model, batch {budget.batch}", lambda t: model(t), (x,),
                 lambda a: _numpy_model(a, weights), x.size)]


def _numpy_model(x, weights):
    w1, b1, w2, b2, w3, b3 = weights
    h = np.maximum(x.reshape(len(x), -1) @ w1 + b1, 0)
    h = np.maximum(h @ w2 + b2, 0)
    z = h @ w3 + b3
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def chain(x, y, lib):
    """The 10-op elementwise chain; ``lib`` is numpy or ambi."""
    t = lib.sin(x) * 0.5 + y
    t = lib.exp(t) - lib.sqrt(x + 2.0) * lib.cos(y)
    return lib.tanh(t) * x


def chain_cases(budget):
    """The chain at growing sizes: where does the graph start to win?"""
    rng = np.random.default_rng(0)
    cases = []
    for n in budget.chain_sizes:
        x, y = (rng.random(n, dtype=np.float32) for _ in range(2))
        cases.append(Case("10-op chain", lambda a, b: chain(a, b, am), (x, y),
                          lambda a, b: chain(a, b, np), n))
    return cases


def matmul_cases(budget):
    """The eager guide's "multiply a 1000x1000 matrix by itself 200 times". A permutation
    matrix keeps every power exact and finite (the guide's random matrix overflows)."""
    n, steps = budget.matmul
    x = np.eye(n, dtype=np.float32)[np.random.default_rng(0).permutation(n)]
    return [Case(f"matmul {n}x{n} x{steps}", lambda a: _power(a, steps, am.matmul), (x,),
                 lambda a: _power(a, steps, np.matmul), n * n)]


def _power(x, steps, matmul):
    for _ in range(steps):
        x = matmul(x, x)
    return x


def training_cases(budget):
    """One training step (forward, gradients, Adam) of the digits CNN."""
    (images, labels), _ = am.datasets.digits()
    x = (images[:budget.cnn_batch, ..., None] / 16).astype(np.float32)
    y = labels[:budget.cnn_batch].astype(np.int64)
    model = am.nn.Sequential([am.nn.Conv2D(16, [3, 3], activation="relu", seed=1),
                              am.nn.Conv2D(16, [3, 3], activation="relu", seed=2),
                              am.nn.GlobalAveragePooling2D(), am.nn.Dense(10, seed=3)])
    model.compile(optimizer=am.optimizers.Adam(1e-3),
                  loss=am.losses.SparseCategoricalCrossentropy(from_logits=True))
    model(am.constant(x))
    return [Case(f"digits CNN train step, batch {budget.cnn_batch}", model.train_step, (x, y),
                 None, x.size)]


WORKLOADS = {"square": square_cases, "model": model_cases, "chain": chain_cases,
             "matmul": matmul_cases, "training": training_cases}
