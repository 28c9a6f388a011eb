"""Every number a paper table needs about one trained model.

`evaluate_model` = `model_outputs` (encode, decode and sample in eval mode, in
fixed-size jitted batches) followed by `output_metrics` (reconstruction error,
latent statistics, and `genjax.evaluation.sample_metrics` of the prior's, the GMM's
and any ex-post sampler's samples). A generator without
an encoder (a GAN, `genjax.models.base.is_autoencoder` false) gets sample quality
of its samples only (the ``prior`` ones), and every model the class coverage of its
samples as the evaluation classifier sees them (mode collapse made visible). The figures of
`genjax.evaluation.figures` take the same `ModelOutputs`, so a report computes
the network passes once; `genjax.evaluation.figures.markdown_table` lays out the
numbers of several models for a draft.

Nothing here imports `genjax.training`: a model is anything satisfying
`genjax.models.base.Model`, its parameters and state plain pytrees.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from genjax.evaluation.classifier import FeaturesFn
from genjax.evaluation.latent import latent_statistics
from genjax.evaluation.outputs import (
    EX_POST,
    ModelOutputs,
    model_outputs,
)
from genjax.evaluation.sample_metrics import sample_metrics

LATENT_KEYS = (
    "cw_normality",
    "mardia_skewness",
    "mardia_kurtosis",
    "normalized_absolute_correlation",
    "num_active",
)


def output_metrics(
    outputs: ModelOutputs,
    *,
    key,
    extractor: str | FeaturesFn | None = "fashion_mnist",
    dataset_name: str | None = None,
) -> dict[str, Any]:
    """The numbers of a paper table from `ModelOutputs` (see `evaluate_model` for each
    entry); ``m`` = ``len(outputs.x_real)`` real images, prior and GMM samples compared,
    and those of each sampler in ``outputs.ex_post`` (its metrics suffixed by its name,
    e.g. ``fd_classifier_two_stage``, KID's subsets drawn with ``fold_in(key, 2)``).

    Args:
      outputs: `model_outputs`'s ``ModelOutputs`` (images ``[m, *s]``, codes ``[m, d]``).
      key: PRNG key for KID's subsets.
      extractor: as in `evaluate_model`: ``"inception"`` reports ``fid_{prior,gmm}`` and
        ``kid_{prior,gmm}`` against the test images, ``fid_{prior,gmm}_train`` against
        the first ``m`` training images (``outputs.x_train``, when set) and
        ``fid_real_test_vs_train`` (the test images scored as samples against those
        training images: the floor of FID at this ``m``), the real images' features
        cached on disk under ``dataset_name`` (`genjax.evaluation.feature_cache`).
      dataset_name: names the data in notes and in that cache.

    Example (fake outputs; the pixels as features):
      >>> from genjax.evaluation.gmm import GMM
      >>> rng = np.random.default_rng(0)
      >>> m, d = 50, 2
      >>> def images():
      ...     return rng.random((m, 8, 8, 1)).astype(np.float32)
      >>> outputs = ModelOutputs(
      ...     rec_errors=rng.random(m), z_test=rng.normal(size=(m, d)), x_shown=images()[:4],
      ...     x_shown_rec=images()[:4], x_real=images(), z_prior=rng.normal(size=(m, d)),
      ...     x_prior=images(), z_gmm=rng.normal(size=(m, d)), x_gmm=images(),
      ...     gmm=GMM(jnp.ones(1), jnp.zeros((1, d)), jnp.eye(d)[None]), gmm_info={})
      >>> pixels = lambda x: np.asarray(x).reshape(len(x), -1)
      >>> metrics = output_metrics(outputs, key=jax.random.key(0), extractor=pixels)
      >>> metrics["num_samples"], metrics["latent_dim"], 0 <= metrics["precision_prior"] <= 1
      (50, 2, True)
    """
    m = len(outputs.x_real)
    autoencoder = outputs.z_test is not None
    metrics: dict[str, Any] = {"num_samples": m}
    if autoencoder:
        z = jnp.asarray(outputs.z_test[:m])
        stats = latent_statistics(z)
        metrics = {
            "rec_error": float(np.mean(outputs.rec_errors, dtype=np.float64)),
            "num_test": len(outputs.rec_errors),
            **{k: float(stats[k]) for k in LATENT_KEYS if k != "num_active"},
            "num_active": int(stats["num_active"]),
            "latent_dim": int(outputs.z_test.shape[1]),
            "num_codes": m,
            "num_samples": m,
            **outputs.gmm_info,
        }
    k_prior, k_gmm = jax.random.split(key)
    samplers = [("prior", outputs.x_prior, k_prior)]
    if outputs.x_gmm is not None:
        samplers.append(("gmm", outputs.x_gmm, k_gmm))
    for kind, (_, images) in (outputs.ex_post or {}).items():
        samplers.append((kind, images, jax.random.fold_in(key, 1 + EX_POST.index(kind))))
    metrics.update(
        sample_metrics(
            np.asarray(outputs.x_real),
            samplers,
            extractor=extractor,
            dataset_name=dataset_name,
            x_train=outputs.x_train,
        )
    )
    return metrics


def evaluate_model(
    model,
    params,
    state,
    dataset,
    *,
    key,
    extractor: str | FeaturesFn | None = "fashion_mnist",
    num_samples: int = 2000,
    gmm_components: int = 10,
    gmm_max_codes: int = 10_000,
    batch_size: int = 500,
    ex_post: Sequence[str] = ("gmm",),
    two_stage_options: dict | None = None,
) -> dict[str, Any]:
    """All the numbers a paper table needs about a trained model, in eval mode.

    For an autoencoder:

    - ``rec_error``: mean over the whole test split of ``Σ_j (x_j − x̂_j)²``, the same
      quantity as the models' own ``evaluate``;
    - ``cw_normality``, ``mardia_skewness``, ``mardia_kurtosis``,
      ``normalized_absolute_correlation``, ``num_active``: `latent_statistics` of the
      codes of the first ``num_codes = min(num_samples, n_test)`` test examples
      (skewness has expectation d(d+2)(d+4)/n under N(0, I): compare at equal n);
    - sample quality (`sample_quality` on the classifier's features, against the first
      ``num_samples`` test images), for decoded prior draws and for decoded draws of a
      ``gmm_components`` full-covariance GMM fitted to training codes (RAE's ex-post
      sampler): ``fd_classifier_{prior,gmm}``, ``kid_classifier_{prior,gmm}`` (and
      ``_std``), ``{precision,recall,density,coverage}_{prior,gmm}``. Skipped, with a
      line in ``notes``, when no extractor fits the data (tabular or 32x32x3 data);
    - with ``ex_post=("gmm", "two_stage")``: the same sample quality (and class coverage)
      of decoded draws of a second-stage VAE fitted to the training codes (Dai & Wipf
      2019), named ``*_two_stage`` (``fd_classifier_two_stage``, ``precision_two_stage``,
      ...): the "WAE + 2-stage" entry of a table;
    - ``gmm_converged``, ``gmm_num_iters``, ``gmm_{train,test}_log_likelihood``;
    - ``latent_dim``, ``num_test``, ``num_samples``, ``feature_extractor``, ``notes``.

    For a generator without an encoder (a GAN): the sample quality of its samples, named
    as the prior samples' (``fd_classifier_prior``, ...), ``num_samples``,
    ``feature_extractor`` and ``notes``; no reconstruction, codes or GMM.

    For every model, when the extractor is a classifier (genjax's is): the class
    coverage of the samples, ``num_classes_{prior,gmm}`` (classes the classifier
    predicts for at least 1% of them) and ``class_kl_{prior,gmm}`` (KL of the predicted
    class histogram from uniform, `class_coverage`), and the same for the real test
    images (``num_classes_real``, ``class_kl_real``: the classifier's own floor).

    Args:
      model, params, state, dataset, num_samples, gmm_components, gmm_max_codes,
        batch_size, ex_post, two_stage_options: as in `model_outputs`.
      key: PRNG key; the same key gives the same numbers.
      extractor: a dataset name for genjax's classifier (``"fashion_mnist"``) or a path
        to its ``.npz``; ``"inception"`` for the FID Inception-v3, reported as
        ``fid_{prior,gmm}`` and ``kid_{prior,gmm}`` against the test images (citable at
        ``num_samples=10000``), ``fid_{prior,gmm}_train`` against as many training
        images and ``fid_real_test_vs_train`` (the floor at that count; the real images'
        features cached on disk); any `FeaturesFn` (``[n, H, W, C]`` in
        [0, 1] → ``[n, k]``); or None to skip sample quality.

    Returns:
      A JSON-serialisable dict (Python scalars, ``notes`` a list of strings).
      FD is biased upwards like 1/n: compare models only at equal ``num_samples``.

    References: Heusel et al. 2017 (FD), Bińkowski et al. 2018 (KID), Kynkäänniemi et al.
    2019 and Naeem et al. 2020 (precision/recall, density/coverage), Ghosh et al. 2020
    (ex-post GMM), Tabor et al. 2018 (latent normality statistics).

    Example (an untrained tiny autoencoder on random 8x8 images, pixels as features;
    ``extractor="inception"`` gives ``fid_prior``, ``fid_gmm``, ``kid_prior``, ...):
      >>> import types
      >>> from genjax.models import build_model, default_model_config
      >>> config = default_model_config("ae")
      >>> config.latent_dim, config.encoder_hidden, config.decoder_hidden = 2, (16,), (16,)
      >>> model = build_model(config, input_shape=(8, 8, 1))
      >>> rng = np.random.default_rng(0)
      >>> dataset = types.SimpleNamespace(
      ...     name="toy", train=rng.random((64, 8, 8, 1), np.float32),
      ...     test=rng.random((40, 8, 8, 1), np.float32))
      >>> params, state = model.init(jax.random.key(0), jnp.asarray(dataset.train[:2]))
      >>> pixels = lambda x: np.asarray(x).reshape(len(x), -1)  # [n, 8, 8, 1] -> [n, 64]
      >>> metrics = evaluate_model(model, params, state, dataset, key=jax.random.key(1),
      ...                          extractor=pixels, num_samples=40, gmm_components=2)
      >>> metrics["num_test"], metrics["num_samples"], metrics["latent_dim"]
      (40, 40, 2)
      >>> sorted(k for k in metrics if k.startswith("fd_"))
      ['fd_classifier_gmm', 'fd_classifier_prior']
    """
    k_outputs, k_metrics = jax.random.split(key)
    outputs = model_outputs(
        model,
        params,
        state,
        dataset,
        key=k_outputs,
        num_samples=num_samples,
        gmm_components=gmm_components,
        gmm_max_codes=gmm_max_codes,
        batch_size=batch_size,
        ex_post=ex_post,
        two_stage_options=two_stage_options,
    )
    return output_metrics(
        outputs, key=k_metrics, extractor=extractor, dataset_name=getattr(dataset, "name", None)
    )


HEADLINE = (
    "rec_error",
    "fid_prior",
    "fid_gmm",
    "fid_prior_train",
    "fid_real_test_vs_train",
    "fd_classifier_prior",
    "fd_classifier_gmm",
    "precision_prior",
    "recall_prior",
    "num_classes_prior",
    "class_kl_prior",
    "cw_normality",
    "mardia_skewness",
    "mardia_kurtosis",
    "num_active",
)


def scalar_metrics(metrics: Mapping[str, Any]) -> dict[str, float]:
    """The numeric entries of ``metrics`` as floats (for a JSONL metrics log), the
    `HEADLINE` ones first so that a terminal line showing the first few shows those."""
    scalars = {
        k: float(v)
        for k, v in metrics.items()
        if isinstance(v, numbers.Real | np.ndarray) and np.ndim(v) == 0
    }
    return {**{k: scalars[k] for k in HEADLINE if k in scalars}, **scalars}
