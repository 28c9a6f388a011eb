"""Features of real data computed once and kept on disk (Inception features of 10k
test images take minutes on a CPU; every evaluation of every model needs them).

A file per (dataset name, split, count, extractor weights, image content):
``<cache>/features/<dataset>_<split>_<n>_<weights sha256[:12]>_<images sha256[:12]>.npy``
under `genjax.evaluation.inception.weights.cache_dir` (``$GENJAX_CACHE`` or
``~/.cache/genjax``). The content hash makes a stale file impossible to
pick up when a dataset's files change; the name says what it holds.
"""

from __future__ import annotations

import hashlib
import pathlib
import re

import numpy as np

from genjax.evaluation.inception.weights import cache_dir


def features_path(
    images: np.ndarray, *, dataset: str, split: str, weights_sha256: str, directory=None
):
    """The cache file for ``extractor(images)`` (see the module docstring); ``directory``
    replaces ``cache_dir()``."""
    images = np.ascontiguousarray(images, np.float32)
    content = hashlib.sha256(images.tobytes()).hexdigest()[:12]
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", dataset).strip("-") or "data"
    name = f"{safe}_{split}_{len(images)}_{weights_sha256[:12]}_{content}.npy"
    return (cache_dir() if directory is None else pathlib.Path(directory)) / "features" / name


def cached_features(
    extractor, images, *, dataset: str, split: str, weights_sha256: str, directory=None
):
    """``extractor(images)`` as float32 ``[n, k]``, read from the cache when there, else
    computed and written (atomically) for next time. ``directory``: see `features_path`.

    >>> import tempfile
    >>> where = dict(dataset="toy", split="test", weights_sha256="ab", directory=tempfile.mkdtemp())
    >>> calls = []
    >>> def extractor(x):
    ...     calls.append(len(x))
    ...     return x.reshape(len(x), -1)[:, :2]
    >>> x = np.ones((3, 2, 2, 1), np.float32)
    >>> a = cached_features(extractor, x, **where)
    >>> b = cached_features(extractor, x, **where)
    >>> calls, b.shape, bool((a == b).all())
    ([3], (3, 2), True)
    """
    images = np.asarray(images, np.float32)
    path = features_path(
        images, dataset=dataset, split=split, weights_sha256=weights_sha256, directory=directory
    )
    if path.is_file():
        try:
            features = np.load(path, allow_pickle=False)
            if features.ndim == 2 and features.shape[0] == len(images):
                return features
        except (OSError, ValueError):
            pass  # unreadable (a crash mid-write elsewhere): recompute and overwrite
    features = np.asarray(extractor(images), np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with open(partial, "wb") as f:
        np.save(f, features, allow_pickle=False)
    partial.replace(path)
    return features
