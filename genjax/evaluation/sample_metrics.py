"""Sample quality of a model's samplers in an extractor's features: Fréchet distance
(FID with Inception), KID, precision / recall / density / coverage and, when the
extractor is a classifier, the class coverage of the samples (mode collapse made
visible). `genjax.evaluation.report.output_metrics` calls `sample_metrics` with the
prior's, the GMM's and each ex-post sampler's images.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import numpy as np

from genjax.evaluation.classifier import FeaturesFn, sample_quality
from genjax.evaluation.extractors import resolve_extractor
from genjax.evaluation.feature_cache import cached_features
from genjax.evaluation.frechet import frechet_distance
from genjax.evaluation.inception import InceptionExtractor

MIN_CLASS_FRACTION = 0.01


def class_coverage(
    labels, num_classes: int, *, min_fraction: float = MIN_CLASS_FRACTION
) -> tuple[int, float]:
    """``(classes, kl)`` of predicted ``labels: [n]`` ints in ``[0, num_classes)``:
    how many classes hold at least ``min_fraction`` of the labels (1% by default, a
    tenth of a class's share among 10 uniform classes: stray misclassified samples of a
    collapsed generator do not count), and ``KL(p ‖ uniform) = Σ_k p_k log(K p_k)`` of
    the label histogram ``p`` (0 for uniform classes, ``log K`` when all are one class).

    >>> classes, kl = class_coverage(np.array([0, 0, 1, 1]), 4)
    >>> classes, round(kl, 4)  # two of four classes, KL = log 2
    (2, 0.6931)
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(f"labels must be a non-empty [n] array, got shape {labels.shape}")
    p = np.bincount(labels, minlength=num_classes)[:num_classes] / labels.size
    kl = float(np.sum(p[p > 0] * np.log(num_classes * p[p > 0])))
    return int(np.sum(p >= min_fraction)), kl


def _class_metrics(features, samplers) -> dict[str, Any]:
    """``num_classes_<name>``, ``class_kl_<name>`` for each ``(name, images)``, when the
    extractor is a classifier (has ``logits``); else nothing."""
    logits_fn = getattr(features, "logits", None)
    if not callable(logits_fn):
        return {}
    metrics = {}
    for name, images in samplers:
        logits = np.asarray(logits_fn(np.clip(images, 0.0, 1.0)))  # [n, K]
        classes, kl = class_coverage(np.argmax(logits, axis=-1), logits.shape[-1])
        metrics[f"num_classes_{name}"] = classes
        metrics[f"class_kl_{name}"] = kl
    return metrics


def sampler_columns(quality: dict[str, float], sampler: str) -> dict[str, float]:
    """`genjax.evaluation.classifier.sample_quality`'s keys named for ``sampler``:
    ``fd_classifier -> fd_classifier_<sampler>``, ``kid_classifier_std ->
    kid_classifier_<sampler>_std``, ``precision_classifier -> precision_<sampler>``;
    with Inception ``fd_inception -> fid_<sampler>``, ``kid_inception -> kid_<sampler>``.

    >>> sampler_columns({"fd_inception": 3.0, "kid_inception_std": 0.1, "recall_inception": 0.5},
    ...                 "gmm")
    {'fid_gmm': 3.0, 'kid_gmm_std': 0.1, 'recall_gmm': 0.5}
    """
    out = {}
    for name, value in quality.items():
        std = "_std" if name.endswith("_std") else ""
        base = name.removesuffix("_std")
        if base.startswith(("fd_inception", "kid_inception")):
            base = base.replace("fd_inception", "fid").replace("kid_inception", "kid")
            out[f"{base}_{sampler}{std}"] = value
        elif base.startswith(("fd_", "kid_")):
            out[f"{base}_{sampler}{std}"] = value
        else:
            out[f"{base.rsplit('_', 1)[0]}_{sampler}"] = value
    return out


def sample_metrics(
    x_real: np.ndarray,
    samplers: Sequence[tuple[str, np.ndarray, jax.Array]],
    *,
    extractor: str | FeaturesFn | None = "fashion_mnist",
    dataset_name: str | None = None,
    x_train: np.ndarray | None = None,
) -> dict[str, Any]:
    """Each sampler's images against ``x_real: [m, *s]`` held-out images.

    Args:
      x_real: the real images, in [0, 1].
      samplers: ``(name, images [n, *s], key)`` per sampler; the key draws KID's subsets.
        Images are clipped to [0, 1] first: decoders without a sigmoid stray outside it,
        and saved images are clipped too, so the features see what a reader sees.
      extractor: as in `genjax.evaluation.report.evaluate_model`. With ``"inception"``
        the metrics are ``fid_<name>`` and ``kid_<name>`` against ``x_real``,
        ``fid_<name>_train`` against ``x_train`` (when given, e.g. the first ``m``
        training images) and ``fid_real_test_vs_train`` (``x_real`` scored as samples
        against ``x_train``: the floor of FID at this ``m``); the real images' features
        are cached on disk under ``dataset_name`` (`genjax.evaluation.feature_cache`).
        Otherwise ``fd_classifier_<name>``, ``kid_classifier_<name>``,
        ``precision_<name>``, ... (`genjax.evaluation.classifier.sample_quality`).
      dataset_name: names the data in notes and in that cache.
      x_train: training images for the Inception train-set FIDs, or None.

    Returns:
      ``{metric: value}`` with ``feature_extractor`` (its description), ``notes`` (why
      a metric is missing, e.g. no extractor for these images), and, for a classifier,
      ``num_classes_<name>`` / ``class_kl_<name>`` (`class_coverage`) of ``"real"``
      and of each sampler.

    >>> rng = np.random.default_rng(0)
    >>> x = rng.random((40, 4, 4, 1)).astype(np.float32)
    >>> pixels = lambda images: np.asarray(images).reshape(len(images), -1)
    >>> metrics = sample_metrics(x, [("prior", x[::-1], jax.random.key(0))], extractor=pixels)
    >>> abs(metrics["fd_classifier_prior"]) < 1e-6, metrics["precision_prior"]  # same set
    (True, 1.0)
    """
    metrics: dict[str, Any] = {}
    features, description, notes = resolve_extractor(extractor, x_real.shape[1:], dataset_name)
    if features is not None:
        metrics["feature_extractor"] = description
        inception = isinstance(features, InceptionExtractor)
        real_features = train_features = None
        if inception:
            # The reference features: minutes of CPU for 10k images, the same for every
            # model evaluated on this dataset, so kept on disk (`cached_features`).
            def reference(images, split):
                return cached_features(
                    features,
                    images,
                    dataset=dataset_name or "unnamed",
                    split=split,
                    weights_sha256=features.info.get("weights_sha256", "user-params"),
                )

            real_features = reference(x_real, "test")
            if x_train is not None:
                train_features = reference(x_train, "train")
                metrics["fid_real_test_vs_train"] = frechet_distance(train_features, real_features)
        for sampler, images, k in samplers:
            # Decoders without a sigmoid stray outside [0, 1]; saved images are clipped
            # too, so the features see what a reader sees.
            images = np.clip(images, 0.0, 1.0)
            fake_features = np.asarray(features(images)) if inception else None
            quality = sample_quality(
                x_real,
                images,
                extractor=features,
                key=k,
                name="inception" if inception else "classifier",
                real_features=real_features,
                fake_features=fake_features,
            )
            if train_features is not None:
                metrics[f"fid_{sampler}_train"] = frechet_distance(train_features, fake_features)
            metrics.update(sampler_columns(quality, sampler))
        metrics.update(
            _class_metrics(
                features,
                [("real", x_real), *((name, images) for name, images, _ in samplers)],
            )
        )
    metrics["notes"] = notes
    return metrics
