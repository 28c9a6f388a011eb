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

import functools
import numbers
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from genjax.evaluation.classifier import FeaturesFn
from genjax.evaluation.gmm import GMM, fit_gmm, gmm_log_prob, sample_gmm
from genjax.evaluation.latent import latent_statistics
from genjax.evaluation.sample_metrics import sample_metrics
from genjax.evaluation.samplers import ex_post_codes, model_prior_codes
from genjax.models.base import is_autoencoder

NUM_SHOWN = 32  # reconstructions kept for the figure (first test examples)
LATENT_KEYS = (
    "cw_normality",
    "mardia_skewness",
    "mardia_kurtosis",
    "normalized_absolute_correlation",
    "num_active",
)
# Ex-post samplers `model_outputs` can add to the GMM (`genjax.evaluation.samplers`).
EX_POST = ("gmm", "two_stage")


class ModelOutputs(NamedTuple):
    """What one trained model produces on a dataset, on the host (numpy).

    ``n``: test examples; ``m``: samples (``min(num_samples, n)``); ``s``: shape of one
    example; ``d``: latent dimension. For a generator without an encoder only
    ``x_real`` and ``x_prior`` (its samples) are set, the rest is None (``gmm_info``
    empty).

    Attributes:
      rec_errors: ``[n]`` summed squared error of each test example's reconstruction.
      z_test: ``[n, d]`` eval-mode codes of the test split.
      x_shown, x_shown_rec: ``[k, *s]`` the first ``k <= 32`` test examples and their
        reconstructions.
      x_real: ``[m, *s]`` the first ``m`` test examples (the reference for sample quality).
      z_prior, x_prior: ``[m, d]`` prior draws N(0, I) and ``[m, *s]`` their decodings.
      z_gmm, x_gmm: ``[m, d]`` draws of the GMM fitted to training codes, and decodings.
      gmm: the fitted `GMM`; gmm_info: ``fit_gmm``'s info plus the mean log-likelihood
        of training and test codes under it.
      image_grids: ``{name: (images [r, *s], ncol)}`` from the model's optional
        ``image_grids(params, state, key)`` hook (e.g. InfoGAN's code traversals).
      ex_post: ``{name: (z [m, d], x [m, *s])}``: the codes and decodings of the ex-post
        samplers asked for beyond the GMM (``"two_stage"``), or None.
      x_train: ``[m, *s]`` the first ``m`` training examples (the second reference of
        Inception FID, ``fid_*_train``), or None.
    """

    rec_errors: np.ndarray | None
    z_test: np.ndarray | None
    x_shown: np.ndarray | None
    x_shown_rec: np.ndarray | None
    x_real: np.ndarray
    z_prior: np.ndarray | None
    x_prior: np.ndarray
    z_gmm: np.ndarray | None
    x_gmm: np.ndarray | None
    gmm: GMM | None
    gmm_info: dict[str, float]
    image_grids: dict | None = None
    ex_post: dict[str, tuple[np.ndarray, np.ndarray]] | None = None
    x_train: np.ndarray | None = None


@functools.partial(jax.jit, static_argnums=0)
def _encode_decode(model, params, state, x):
    """``x [b, *s]`` → ``(z [b, d], per-example summed squared error [b], x_hat [b, *s])``."""
    z = model.encode(params, state, x)
    x_hat = model.decode(params, state, z)
    err = jnp.sum(((x_hat - x) ** 2).reshape(x.shape[0], -1), axis=-1)
    return z, err, x_hat


@functools.partial(jax.jit, static_argnums=(0, 1))
def _apply(model, method: str, params, state, x):
    """``model.<method>(params, state, x)`` ("encode" or "decode"), compiled per batch shape."""
    return getattr(model, method)(params, state, x)


def _batched(fn, x: np.ndarray, batch_size: int):
    """``fn`` over ``x [n, ...]`` in batches of exactly ``batch_size`` rows (the last one
    zero-padded, its padding dropped), so ``fn`` compiles once whatever ``n``; yields
    ``(start, count, outputs)`` per batch."""
    for start in range(0, len(x), batch_size):
        chunk = x[start : start + batch_size]
        count = len(chunk)
        if count < batch_size:
            chunk = np.concatenate([chunk, np.zeros((batch_size - count, *x.shape[1:]), x.dtype)])
        yield start, count, fn(chunk)


def _apply_all(model, method, params, state, x, batch_size) -> np.ndarray:
    fn = functools.partial(_apply, model, method, params, state)
    return np.concatenate([np.asarray(y)[:c] for _, c, y in _batched(fn, x, batch_size)])


@functools.partial(jax.jit, static_argnums=(0, 4))
def _sample(model, params, state, key, n):
    return model.sample(params, state, key, n)


def generator_samples(model, params, state, *, key, num_samples: int, batch_size: int = 500):
    """``[num_samples, *s]`` samples of ``model`` (eval mode) in jitted batches of
    ``batch_size`` (one compilation), batch ``i`` drawn with ``fold_in(key, i)``."""
    parts = [
        np.asarray(_sample(model, params, state, jax.random.fold_in(key, i), batch_size))
        for i in range(-(-num_samples // batch_size))
    ]
    return np.concatenate(parts)[:num_samples]


def model_image_grids(model, params, state, key) -> dict | None:
    """The model's own extra grids, ``{name: (images, ncol)}`` on the host, or None when
    it has no ``image_grids(params, state, key)`` hook."""
    hook = getattr(model, "image_grids", None)
    if not callable(hook):
        return None
    grids = hook(params, state, key)
    return {name: (np.asarray(images), int(ncol)) for name, (images, ncol) in grids.items()}


def model_outputs(
    model,
    params,
    state,
    dataset,
    *,
    key,
    num_samples: int = 2000,
    gmm_components: int = 10,
    gmm_max_codes: int = 10_000,
    batch_size: int = 500,
    ex_post: Sequence[str] = ("gmm",),
    two_stage_options: dict | None = None,
) -> ModelOutputs:
    """Encode, reconstruct and sample ``model`` in eval mode, in jitted fixed-size batches.

    Args:
      model: a `genjax.models.base.Model`.
      params, state: its parameters and non-trained variables (any placement: they are
        copied to the host once, and the passes run on the default device).
      dataset: anything with ``train`` ``[N, *s]`` and ``test`` ``[n, *s]`` float32 arrays.
      key: PRNG key for the prior draws, the GMM fit and its draws.
      num_samples: prior and GMM samples drawn, and real test images they are compared
        with (capped at ``n``).
      gmm_components: components of the ex-post mixture (10, Ghosh et al. 2020).
      gmm_max_codes: the GMM is fitted to the codes of the first this-many training
        examples (EM costs O(iters · N K d²)).
      batch_size: examples per compiled call.
      ex_post: the ex-post samplers, any of `EX_POST`: the GMM is always fitted (its
        fields, ``gmm_info`` and figures); ``"two_stage"`` adds a second-stage VAE fitted
        to the same training codes (`genjax.evaluation.samplers.fit_two_stage`, key
        ``fold_in(key, 2)``), its codes and decodings in ``ex_post["two_stage"]``.
      two_stage_options: keyword arguments of ``fit_two_stage`` (``hidden``,
        ``num_steps``, ...); its defaults (three 1024-unit layers, 5000 Adam steps) take
        minutes on a CPU.

    Returns:
      `ModelOutputs`; for a generator without an encoder, its ``num_samples`` samples
      (``x_prior``) and the real images only (``ex_post`` ignored).

    Cost: one encoder pass over the test split and ``gmm_max_codes`` training examples,
    one decoder pass over test codes and ``2 · num_samples`` samples, and the EM fit.
    """
    ex_post = check_ex_post(ex_post)
    x_test = np.asarray(dataset.test, np.float32)
    n = len(x_test)
    if n == 0:
        raise ValueError("dataset.test is empty")
    m = min(num_samples, n)
    # Host copies: replicated or sharded training arrays would make every device
    # compute the same evaluation (8 copies of it on a faked 8-device CPU).
    params, state = jax.device_get((params, state))
    k_prior, k_fit, k_gmm = jax.random.split(key, 3)
    grids = model_image_grids(model, params, state, jax.random.fold_in(key, 1))
    if not is_autoencoder(model):
        samples = generator_samples(
            model, params, state, key=k_prior, num_samples=m, batch_size=batch_size
        )
        return ModelOutputs(
            rec_errors=None, z_test=None, x_shown=None, x_shown_rec=None, x_real=x_test[:m],
            z_prior=None, x_prior=samples, z_gmm=None, x_gmm=None, gmm=None, gmm_info={},
            image_grids=grids, x_train=np.asarray(dataset.train[:m], np.float32),
        )  # fmt: skip
    x_train = np.asarray(dataset.train, np.float32)

    zs, errs, x_shown_rec = [], [], None
    fn = functools.partial(_encode_decode, model, params, state)
    for start, count, (z, err, x_hat) in _batched(fn, x_test, batch_size):
        zs.append(np.asarray(z)[:count])
        errs.append(np.asarray(err)[:count])
        if start == 0:
            x_shown_rec = np.asarray(x_hat)[: min(NUM_SHOWN, count)]
    z_test = np.concatenate(zs)  # [n, d]

    z_train = _apply_all(model, "encode", params, state, x_train[:gmm_max_codes], batch_size)
    gmm, info = fit_gmm(k_fit, jnp.asarray(z_train), num_components=gmm_components)
    z_gmm = np.asarray(sample_gmm(gmm, k_gmm, m))  # [m, d]
    gmm_info = {
        "gmm_converged": bool(info["converged"]),
        "gmm_num_iters": int(info["num_iters"]),
        "gmm_train_log_likelihood": float(jnp.mean(gmm_log_prob(gmm, jnp.asarray(z_train)))),
        "gmm_test_log_likelihood": float(jnp.mean(gmm_log_prob(gmm, jnp.asarray(z_test)))),
    }

    # The model's own prior (learned for VampPrior, the two-stage VAE, MaskAAE and
    # FlexAE); the codes are kept for figures.
    z_prior = np.asarray(model_prior_codes(model, params, state, k_prior, m))
    extra = {}
    for kind in (k for k in ex_post if k != "gmm"):
        k_kind = jax.random.fold_in(key, 1 + EX_POST.index(kind))  # 2 for two_stage
        z = ex_post_codes(kind, model, params, state, z_train, k_kind, m,
                          two_stage_options=two_stage_options)  # fmt: skip
        extra[kind] = (z, _apply_all(model, "decode", params, state, z, batch_size))
    return ModelOutputs(
        rec_errors=np.concatenate(errs),
        z_test=z_test,
        x_shown=x_test[: len(x_shown_rec)],
        x_shown_rec=x_shown_rec,
        x_real=x_test[:m],
        z_prior=z_prior,
        x_prior=_apply_all(model, "decode", params, state, z_prior, batch_size),
        z_gmm=z_gmm,
        x_gmm=_apply_all(model, "decode", params, state, z_gmm, batch_size),
        gmm=gmm,
        gmm_info=gmm_info,
        image_grids=grids,
        ex_post=extra or None,
        x_train=x_train[:m],
    )


def check_ex_post(ex_post: str | Sequence[str]) -> tuple[str, ...]:
    """``ex_post`` (names or ``"gmm,two_stage"``) as a tuple of distinct `EX_POST` names,
    in the order given; a ValueError names an unknown one.

    >>> check_ex_post("gmm, two_stage"), check_ex_post(["two_stage"])
    (('gmm', 'two_stage'), ('two_stage',))
    """
    text = ex_post if isinstance(ex_post, str) else ",".join(map(str, ex_post))
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    bad = [n for n in names if n not in EX_POST]
    if bad or not names:
        raise ValueError(
            f"ex_post={text}: expected some of {', '.join(EX_POST)}, e.g. gmm,two_stage"
        )
    return names


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
