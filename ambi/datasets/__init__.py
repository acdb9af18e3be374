"""Data sets shipped with ambi (no downloads): ``am.datasets.digits()``."""
import functools
import gzip
import importlib.resources

import numpy as np

TEST_EVERY = 5  # sample i is in the test split when i % 5 == 0: 1,437 train, 360 test


@functools.cache
def _digits_rows():
    raw = importlib.resources.files(__name__).joinpath("data", "digits.csv.gz").read_bytes()
    text = gzip.decompress(raw).decode("ascii")
    return np.loadtxt(text.splitlines(), delimiter=",", dtype=np.int32)


def digits():
    """The UCI / scikit-learn 8x8 handwritten digits (1,797 images, BSD licence), split
    by a fixed rule: sample ``i`` (in file order) is a test sample when ``i % 5 == 0``
    (1,437 train and 360 test). Returns ``(x_train, y_train), (x_test, y_test)`` as
    ``keras.datasets.mnist.load_data()`` does, but in int32 (ambi has no uint8): images
    of shape (N, 8, 8) with pixels 0..16, and labels 0..9.

    >>> (x_train, y_train), (x_test, y_test) = am.datasets.digits()
    >>> x_train.shape, x_test.shape
    ((1437, 8, 8), (360, 8, 8))
    """
    rows = _digits_rows()
    x, y = rows[:, :64].reshape(-1, 8, 8), rows[:, 64]
    test = np.arange(len(rows)) % TEST_EVERY == 0
    return (x[~test].copy(), y[~test].copy()), (x[test].copy(), y[test].copy())


def digits_description():
    """scikit-learn's description of the digits data (``DESCR.rst``)."""
    return importlib.resources.files(__name__).joinpath("data", "DESCR.rst").read_text()
