"""Image datasets through tensorflow-datasets, without TensorFlow.

`tfds.data_source` reads array_record files by random access and decodes
images with PIL, so *reading* prepared data needs neither TensorFlow nor
``tfds.load`` (tested on a real array_record dataset). *Preparing* is another
matter (measured with tfds 4.9.10): the stock ``mnist``, ``fashion_mnist`` and
``cifar10`` builders read their downloads with ``tf.io.gfile`` and encode
images with ``tf.image.encode_png``, so without TensorFlow they cannot be
prepared; we then do not download at all (offline, a tfds download retries
for minutes before failing) and report how to get the data instead: local IDX
files for (fashion_)mnist, or ``tfds build <name> --file_format=array_record
--data_dir=DIR`` on a machine with TensorFlow. ``celeb_a``'s builder stores
the JPEG files as they are and can be prepared without TensorFlow.

CelebA is centre-cropped to 140x140 (rows 39..178, columns 19..158 of the
218x178 image, as in the WAE paper) and resized to 64x64
with PIL's antialiased bilinear filter: `celeb_a_64`.

The whole split is converted to one float32 array in memory: 8 GB for all of
CelebA's 162 770 training images at 64x64x3; use ``max_train`` on small machines.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PIL import Image

from genjax.data.dataset import Dataset, subset_indices, to_float

CELEB_A_CROP = 140
CELEB_A_SIZE = 64


def celeb_a_64(image: np.ndarray) -> np.ndarray:
    """``uint8 [218, 178, 3] -> uint8 [64, 64, 3]``: centre 140x140 crop, bilinear resize.

    >>> celeb_a_64(np.zeros((218, 178, 3), np.uint8)).shape
    (64, 64, 3)
    """
    h, w = image.shape[:2]
    top, left = (h - CELEB_A_CROP) // 2, (w - CELEB_A_CROP) // 2
    crop = image[top : top + CELEB_A_CROP, left : left + CELEB_A_CROP]
    resized = Image.fromarray(crop).resize((CELEB_A_SIZE, CELEB_A_SIZE), Image.BILINEAR)
    return np.asarray(resized)


# tfds builders that call TensorFlow while preparing (tfds 4.9.10).
NEEDS_TENSORFLOW_TO_PREPARE = ("mnist", "fashion_mnist", "cifar10")

# name -> per-image transform applied while reading (None: keep the stored image).
TFDS_SOURCES: dict[str, Callable[[np.ndarray], np.ndarray] | None] = {
    "mnist": None,
    "fashion_mnist": None,
    "cifar10": None,
    "celeb_a": celeb_a_64,
}


def arrays_from_source(
    source: Sequence[dict[str, Any]],
    indices: np.ndarray | None = None,
    *,
    transform: Callable[[np.ndarray], np.ndarray] | None = None,
    image_key: str = "image",
    label_key: str = "label",
) -> tuple[np.ndarray, np.ndarray | None]:
    """Stacks the images (and labels) of a random-access source of examples.

    Args:
      source: anything with ``len`` and ``source[i] -> {"image": uint8 [H, W, C], ...}``,
        e.g. a `tfds.data_source` split.
      indices: which examples, in order; all when None.
      transform: applied to each image (e.g. `celeb_a_64`).

    Returns:
      ``uint8 [n, H', W', C]`` images and ``int32 [n]`` labels, or None when the
      examples have no ``label_key``.

    One Python call per example is unavoidable here: tfds decodes each image
    (PNG / JPEG) separately. It runs once per load, not per batch.

    >>> source = [{"image": np.full((2, 2, 1), i, np.uint8), "label": i} for i in range(5)]
    >>> images, labels = arrays_from_source(source, np.array([4, 1]))
    >>> images.shape, labels.tolist()
    ((2, 2, 2, 1), [4, 1])
    """
    if indices is None:
        indices = np.arange(len(source))
    if len(indices) == 0:
        raise ValueError("arrays_from_source: no examples to read")
    images, labels = None, None
    for row, i in enumerate(indices):
        example = source[int(i)]
        image = np.asarray(example[image_key])
        if transform is not None:
            image = transform(image)
        if images is None:  # allocate once the first example gives the shape
            images = np.empty((len(indices), *image.shape), dtype=image.dtype)
            if label_key in example:
                labels = np.empty(len(indices), dtype=np.int32)
        images[row] = image
        if labels is not None:
            labels[row] = example[label_key]
    return images, labels


def load_tfds(
    name: str,
    *,
    data_dir: str | None = None,
    download: bool = True,
    max_train: int | None = None,
    max_test: int | None = None,
    seed: int = 0,
    transform: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Dataset:
    """The ``train`` and ``test`` splits of tfds dataset ``name`` as a `Dataset`.

    Only the kept subset (``max_train`` / ``max_test``, chosen as in `subset`)
    is decoded. ``download`` lets tfds download and prepare the data when it is
    not prepared in ``data_dir`` (ignored for `NEEDS_TENSORFLOW_TO_PREPARE`
    when TensorFlow is not installed). Raises ``FileNotFoundError`` (chained to
    tfds's error) when the data cannot be had.
    """
    import tensorflow_datasets as tfds  # slow import (0.6 s): only when needed

    can_prepare = name not in NEEDS_TENSORFLOW_TO_PREPARE or _has_tensorflow()
    arrays = {}
    for split, n, split_seed in (("train", max_train, seed), ("test", max_test, seed + 1)):
        try:
            source = tfds.data_source(
                name, split=split, data_dir=data_dir, download=download and can_prepare
            )
        except _not_available_errors(tfds) as e:
            where = data_dir or "the tfds data_dir"
            if isinstance(e, NotImplementedError):
                # tfds's own text here wrongly says the data "is already prepared".
                why = f"not prepared as array_record (or parquet) in {where}"
            else:
                why = f"{type(e).__name__}: {e}"
            if download and not can_prepare:
                why = (
                    f"not prepared as array_record in {where}, and tfds needs "
                    f"TensorFlow to prepare {name!r}, which is not installed"
                )
            raise FileNotFoundError(f"tensorflow-datasets could not provide {name!r}: {why}") from e
        keep = subset_indices(len(source), n, split_seed)
        images, labels = arrays_from_source(source, keep, transform=transform)
        arrays[split] = (to_float(images), labels)
    return Dataset(
        name=name,
        train=arrays["train"][0],
        test=arrays["test"][0],
        train_labels=arrays["train"][1],
        test_labels=arrays["test"][1],
    )


def _not_available_errors(tfds) -> tuple[type[BaseException], ...]:
    """What ``tfds.data_source`` raises when it cannot provide the data (tfds 4.9.10):

    NotImplementedError (nothing prepared in a random-access format, or prepared
    as TFRecord), DatasetNotFoundError (unknown name), OSError (no network, a
    read-only data_dir; requests' errors are OSErrors), ImportError (preparing
    needs a missing package), and the download manager's errors. Anything else
    is a bug and propagates as it is.
    """
    from tensorflow_datasets.core.download import download_manager, extractor, util

    return (
        NotImplementedError,
        OSError,
        ImportError,
        tfds.core.registered.DatasetNotFoundError,
        util.DownloadError,
        download_manager.NonMatchingChecksumError,
        extractor.ExtractError,
    )


def _has_tensorflow() -> bool:
    return importlib.util.find_spec("tensorflow") is not None
