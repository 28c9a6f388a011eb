"""Which features judge sample quality: `resolve_extractor` turns what a user passes
(a dataset name, a path to stored classifier weights, ``"inception"``, a `FeaturesFn`,
or None) into a features function, a description for the report, and notes saying
why sample quality is skipped when nothing fits the data."""

from __future__ import annotations

import functools

from genjax.evaluation.classifier import IMAGE_SHAPE, FeatureExtractor, load_feature_extractor
from genjax.evaluation.inception import InceptionExtractor


@functools.lru_cache(maxsize=4)
def _cached_extractor(name: str) -> FeatureExtractor | InceptionExtractor:
    # Periodic evaluation calls this every time; reading and hashing weights once suffices.
    return load_feature_extractor(name)


def _resolve_inception(example_shape):
    if len(example_shape) != 3 or example_shape[-1] not in (1, 3):
        return None, None, [f"sample quality skipped: Inception takes [h, w, 1 or 3] images, "
                            f"the data is {tuple(example_shape)}"]  # fmt: skip
    try:
        extractor = _cached_extractor("inception")
    except FileNotFoundError as e:
        return None, None, [f"sample quality skipped: {e}"]
    sha = extractor.info["weights_sha256"][:12]
    description = (
        f"FID Inception-v3 (TF graph 2015-12-05, pool features 2048; weights "
        f"{extractor.info['source']}, sha256 {sha}...)"
    )
    return extractor, description, []


def resolve_extractor(extractor, example_shape, dataset_name: str | None = None):
    """``(features_fn or None, description, notes)`` for `output_metrics`.

    A dataset name loads genjax's classifier for it, a path to ``<name>.npz`` the
    classifier stored there, ``"inception"`` the FID Inception-v3; ``None``, a classifier
    whose input shape (28x28x1) differs from ``example_shape``, or Inception weights that
    were never fetched, give ``None`` and a note saying why sample quality is skipped.
    A user's `FeaturesFn` is taken as it is.

    >>> features, description, notes = resolve_extractor(None, (28, 28, 1))
    >>> features, notes
    (None, ['sample quality skipped: no feature extractor given'])
    >>> resolve_extractor(lambda x: x.reshape(len(x), -1), (8, 8, 1))[1]
    '<lambda>'
    """
    notes = []
    if extractor is None:
        return None, None, ["sample quality skipped: no feature extractor given"]
    if extractor == "inception":
        return _resolve_inception(tuple(example_shape))
    if isinstance(extractor, InceptionExtractor):
        return extractor, "FID Inception-v3 (user's params)", notes
    if isinstance(extractor, str) and extractor.endswith(".npz"):
        try:
            extractor = _cached_extractor(extractor)
        except (FileNotFoundError, ValueError) as e:
            return None, None, [f"sample quality skipped: {e}"]
    if isinstance(extractor, str):
        if tuple(example_shape) != IMAGE_SHAPE:
            return (
                None,
                None,
                [
                    f"sample quality skipped: the {extractor!r} classifier takes {IMAGE_SHAPE} "
                    f"images, the data is {tuple(example_shape)}; pass a FeaturesFn for it"
                ],
            )
        try:
            extractor = _cached_extractor(extractor)
        except FileNotFoundError as e:
            return None, None, [f"sample quality skipped: {e}"]
    if isinstance(extractor, FeatureExtractor):
        if tuple(example_shape) != IMAGE_SHAPE:
            return (
                None,
                None,
                [
                    f"sample quality skipped: the classifier takes {IMAGE_SHAPE} images, "
                    f"the data is {tuple(example_shape)}"
                ],
            )
        trained_on = extractor.info.get("dataset", "?")
        sha = str(extractor.info.get("weights_sha256", "?"))[:12]
        description = f"genjax classifier trained on {trained_on} (weights sha256 {sha}...)"
        if dataset_name is not None and trained_on not in ("?", dataset_name):
            notes.append(
                f"features from a classifier trained on {trained_on}, data is {dataset_name}"
            )
        return extractor, description, notes
    return extractor, getattr(extractor, "__name__", type(extractor).__name__), notes
