"""The tensorflow-datasets path, without TensorFlow.

Two checks: `tfds.testing.mock_data` (which in tfds 4.9.10 mocks
`tfds.data_source` too, with random examples of the dataset's real feature
shapes), and a real array_record dataset prepared here from a tiny builder,
read back through `tfds.data_source` — the same code path as a prepared MNIST.
"""

import io
import sys

import numpy as np
import pytest
from PIL import Image

from genjax.data import load
from genjax.data.tfds_source import arrays_from_source, celeb_a_64, load_tfds

tfds = pytest.importorskip("tensorflow_datasets")

NO_TF = pytest.mark.skipif(
    "tensorflow" in sys.modules, reason="TensorFlow was imported by something else"
)


@pytest.fixture(autouse=True)
def _no_tensorflow_imported():
    imported_before = "tensorflow" in sys.modules
    yield
    assert imported_before or "tensorflow" not in sys.modules, "the tfds path imported TensorFlow"


@NO_TF
@pytest.mark.parametrize(
    "name, shape, labelled",
    [("mnist", (28, 28, 1), True), ("cifar10", (32, 32, 3), True), ("celeb_a", (64, 64, 3), False)],
)
def test_mock_data_source(tmp_path, name, shape, labelled):
    with tfds.testing.mock_data(num_examples=6):
        ds = load(name, data_dir=str(tmp_path), max_train=4, seed=0)
    assert ds.name == name and ds.shape == shape
    assert ds.train.shape == (4, *shape) and ds.test.shape == (6, *shape)
    assert ds.train.dtype == np.float32 and 0 <= ds.train.min() and ds.train.max() <= 1
    assert ds.train.std() > 0  # real (random) pixels, not zeros
    if labelled:
        assert ds.train_labels.shape == (4,) and ds.train_labels.dtype == np.int32
    else:
        assert ds.train_labels is None


def test_arrays_from_source_on_a_plain_sequence():
    rng = np.random.default_rng(0)
    source = [
        {"image": rng.integers(0, 256, (5, 4, 3), dtype=np.uint8), "label": i % 2} for i in range(7)
    ]
    images, labels = arrays_from_source(source, np.array([1, 4, 6]))
    np.testing.assert_array_equal(images, np.stack([source[i]["image"] for i in (1, 4, 6)]))
    np.testing.assert_array_equal(labels, [1, 0, 0])
    images, labels = arrays_from_source([{"image": s["image"]} for s in source])
    assert images.shape == (7, 5, 4, 3) and labels is None


def test_celeb_a_64_crops_the_centre():
    image = np.zeros((218, 178, 3), np.uint8)
    image[39:179, 19:159] = 200  # exactly the 140x140 centre crop
    out = celeb_a_64(image)
    assert out.shape == (64, 64, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out, 200)


def _png(x):
    buf = io.BytesIO()
    Image.fromarray(x).save(buf, format="PNG")
    return buf.getvalue()


class GenjaxTinyImages(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """8x6 grayscale images; yields PNG bytes (encoding numpy images needs TensorFlow)."""

    VERSION = tfds.core.Version("1.0.0")

    def _info(self):
        return tfds.core.DatasetInfo(
            builder=self,
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(8, 6, 1)),
                    "label": tfds.features.ClassLabel(num_classes=3),
                }
            ),
        )

    def _split_generators(self, dl_manager):
        del dl_manager
        return {"train": self._generate_examples(10, 0), "test": self._generate_examples(4, 1)}

    def _generate_examples(self, n, seed):
        for i, image in enumerate(tiny_images(n, seed)):
            yield i, {"image": _png(image), "label": i % 3}


def tiny_images(n, seed):
    return np.random.default_rng(seed).integers(0, 256, (n, 8, 6), dtype=np.uint8)


@NO_TF
def test_real_array_record_data_source(tmp_path):
    GenjaxTinyImages(data_dir=str(tmp_path), file_format="array_record").download_and_prepare()
    source = tfds.data_source("genjax_tiny_images", split="train", data_dir=str(tmp_path))
    assert len(source) == 10
    # tfds may shuffle examples when writing: compare as sets of (image, label).
    ds = load_tfds("genjax_tiny_images", data_dir=str(tmp_path), download=False)
    assert ds.train.shape == (10, 8, 6, 1) and ds.test.shape == (4, 8, 6, 1)
    got = {(x.tobytes(), int(y)) for x, y in zip(ds.train, ds.train_labels, strict=True)}
    want = {
        ((x[..., None] / np.float32(255)).astype(np.float32).tobytes(), i % 3)
        for i, x in enumerate(tiny_images(10, 0))
    }
    assert got == want
    small = load_tfds("genjax_tiny_images", data_dir=str(tmp_path), download=False, max_train=3)
    assert small.train.shape == (3, 8, 6, 1)


@pytest.mark.parametrize(
    "error, expected",
    [
        (NotImplementedError("... The dataset is already prepared at ..."), FileNotFoundError),
        (ConnectionError("no network"), FileNotFoundError),
        (KeyError("a bug, not missing data"), KeyError),
        (TypeError("a bug, not missing data"), TypeError),
    ],
)
def test_only_unavailable_data_becomes_file_not_found(monkeypatch, tmp_path, error, expected):
    def data_source(*args, **kwargs):
        raise error

    monkeypatch.setattr(tfds, "data_source", data_source)
    with pytest.raises(expected) as e:
        load_tfds("celeb_a", data_dir=str(tmp_path), download=False)
    if expected is FileNotFoundError:
        assert "celeb_a" in str(e.value) and "already prepared" not in str(e.value)
    else:
        assert e.value is error  # propagated as it is
