"""A trained model's outputs on held-out data, computed once for every metric and
figure: reconstructions, codes, prior and GMM samples and any ex-post sampler's
(`model_outputs` -> `ModelOutputs`), in fixed-size jitted batches in eval mode.
`genjax.evaluation.report.output_metrics` turns them into numbers and
`genjax.evaluation.figures.write_figures` into pictures.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from genjax.evaluation.gmm import GMM, fit_gmm, gmm_log_prob, sample_gmm
from genjax.evaluation.samplers import ex_post_codes, model_prior_codes
from genjax.models.base import is_autoencoder

NUM_SHOWN = 32  # reconstructions kept for the figure (first test examples)
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
