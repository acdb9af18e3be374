"""am.data.Dataset: slicing, batching, shuffling with a seed, map and take."""
import numpy as np
import pytest

import ambi as am

Dataset = am.data.Dataset


def test_from_tensor_slices_of_a_tuple_batches_with_a_short_last_batch():
    ds = Dataset.from_tensor_slices((np.arange(10), np.arange(10) * 2.0)).batch(4)
    batches = list(ds)
    assert [b[0].numpy().tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert isinstance(batches[0][1], am.Tensor) and batches[0][1].dtype == am.float64
    assert len(ds) == 3
    dropped = Dataset.from_tensor_slices(np.arange(10)).batch(4, drop_remainder=True)
    assert [b.shape for b in dropped] == [(4,), (4,)] and len(dropped) == 2


def test_dicts_map_and_take():
    ds = Dataset.from_tensor_slices({"x": np.arange(6.0), "y": np.arange(6)})
    ds = ds.map(lambda e: {"x": e["x"] * 10, "y": e["y"]}).take(3).batch(3)
    (element,) = list(ds)
    assert element["x"].numpy().tolist() == [0.0, 10.0, 20.0]
    pairs = Dataset.from_tensor_slices((np.arange(3), np.arange(3))).map(lambda a, b: a + b)
    assert [int(v) for v in pairs] == [0, 2, 4]


def test_shuffle_is_a_permutation_deterministic_with_a_seed():
    def order(seed, passes=2):
        ds = Dataset.from_tensor_slices(np.arange(50)).shuffle(10, seed=seed)
        return [[int(v) for v in ds] for _ in range(passes)]
    a, b = order(1), order(1)
    assert a == b and sorted(a[0]) == list(range(50)) and a[0] != list(range(50))
    assert a[0] != a[1]  # a new order each pass, as tf.data reshuffles
    fixed = Dataset.from_tensor_slices(np.arange(20)).shuffle(
        20, seed=2, reshuffle_each_iteration=False)
    assert [int(v) for v in fixed] == [int(v) for v in fixed]


def test_the_guides_pipeline_on_the_digits():
    (images, labels), _ = am.datasets.digits()
    dataset = Dataset.from_tensor_slices(
        (am.cast(images[..., None] / 16, am.float32), am.cast(labels, am.int64)))
    dataset = dataset.shuffle(1000, seed=0).batch(32)
    for images, labels in dataset.take(1):
        assert images.shape == (32, 8, 8, 1) and labels.shape == (32,)


def test_dataset_errors():
    with pytest.raises(am.AmbiError, match="first dimensions"):
        Dataset.from_tensor_slices((np.arange(3), np.arange(4)))
    with pytest.raises(am.AmbiError, match="batch_size"):
        Dataset.from_tensor_slices(np.arange(3)).batch(0)
    with pytest.raises(am.AmbiError, match="buffer_size"):
        Dataset.from_tensor_slices(np.arange(3)).shuffle(0)
