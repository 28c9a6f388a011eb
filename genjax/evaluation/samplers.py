"""Ex-post samplers of an autoencoder's latent space, chosen at evaluation time.

A sampler turns the codes of the training set into a way of drawing new codes, which the
model's decoder turns into samples. Three kinds (`SAMPLERS`):

- ``"prior"``: the model's own prior: `model_prior_codes` (``model.sample_codes`` for the
  models whose prior is learned: VampPrior, 2-stage VAE, MaskAAE's masked N(0, I),
  FlexAE's generator; else ``model.sample_prior``, N(0, I));
- ``"gmm"``: a full-covariance Gaussian mixture fitted by EM to the codes (Ghosh et al.,
  "From Variational to Deterministic Autoencoders", ICLR 2020: 10 components),
  `genjax.evaluation.fit_gmm`;
- ``"two_stage"``: a second-stage VAE trained on the codes (Dai & Wipf, ICLR 2019),
  `genjax.models.autoencoders.two_stage_vae.CodeVAE`, with Adam: the sampler of
  "WAE + 2-stage" rows.

`genjax.evaluation.outputs.model_outputs` draws its prior samples with
`model_prior_codes`, so that a learned prior is evaluated as such, and with
``ex_post=("gmm", "two_stage")`` adds the codes of `ex_post_codes("two_stage", ...)`, scored
as ``*_two_stage`` next to the GMM's ``*_gmm``: the rows "AE + GMM", "RAE + GMM" and
"WAE + 2-stage" of one comparison (``python -m experiments.compare
--ex_post=gmm,two_stage``).

>>> import jax
>>> z_train = jax.random.normal(jax.random.key(0), (200, 2))
>>> sample = fit_sampler("gmm", z_train, jax.random.key(1), gmm_components=2)
>>> sample(jax.random.key(2), 5).shape
(5, 2)
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax

from genjax.evaluation.gmm import fit_gmm, sample_gmm
from genjax.models.autoencoders.two_stage_vae import CodeVAE

SAMPLERS = ("prior", "gmm", "two_stage")
Sampler = Callable[[jax.Array, int], jax.Array]


def model_prior_codes(model, params, state, key: jax.Array, n: int) -> jax.Array:
    """``n`` codes ``[n, d]`` from the model's own prior, learned or N(0, I)."""
    sample_codes = getattr(model, "sample_codes", None)
    if sample_codes is not None:
        return sample_codes(params, state, key, n)
    sample_prior = getattr(model, "sample_prior", None)
    if sample_prior is not None:
        return sample_prior(key, n)
    return jax.random.normal(key, (n, model.latent_dim))


def fit_two_stage(
    z_train: jax.Array,
    key: jax.Array,
    *,
    hidden=(1024, 1024, 1024),
    num_steps: int = 5000,
    batch_size: int = 100,
    learning_rate: float = 1e-3,
) -> tuple[CodeVAE, dict, tuple[jax.Array, jax.Array]]:
    """A `CodeVAE` trained on ``z_train: [N, d]`` standardised per dimension (batches
    drawn with replacement), Adam at ``learning_rate``; one jitted ``lax.scan`` over
    ``num_steps``. Returns ``(vae, params, (mean, std))``: samples are
    ``mean + std * vae.sample(...)``. Standardising is our choice: the codes of an
    autoencoder may have any scale, and with one learned variance shared by all
    dimensions, a dimension much narrower than the others is explained as noise."""
    z_train = jnp.asarray(z_train)
    mean, std = jnp.mean(z_train, 0), jnp.std(z_train, 0) + 1e-6
    z_train = (z_train - mean) / std
    n, d = z_train.shape
    vae = CodeVAE.make(d, hidden)
    k_init, k_run = jax.random.split(key)
    params = vae.init(k_init, z_train[:2])
    tx = optax.adam(learning_rate)

    @jax.jit
    def train(params):
        def step(carry, t):
            params, opt_state = carry
            k_batch, k_loss = jax.random.split(jax.random.fold_in(k_run, t))
            u = z_train[jax.random.randint(k_batch, (batch_size,), 0, n)]
            grads = jax.grad(lambda p: vae.loss(p, u, k_loss)[0])(params)
            updates, opt_state = tx.update(grads, opt_state, params)
            return (optax.apply_updates(params, updates), opt_state), None

        (params, _), _ = jax.lax.scan(step, (params, tx.init(params)), jnp.arange(num_steps))
        return params

    return vae, train(params), (mean, std)


def fit_sampler(
    kind: str,
    z_train: jax.Array,
    key: jax.Array,
    *,
    model=None,
    params=None,
    state=None,
    gmm_components: int = 10,
    two_stage_options: dict | None = None,
) -> Sampler:
    """A function ``(key, n) -> codes [n, d]`` of sampler ``kind`` (see `SAMPLERS`);
    ``"prior"`` needs ``model, params, state``, the others fit ``z_train: [N, d]``."""
    if kind == "prior":
        if model is None:
            raise ValueError("kind='prior' needs model, params and state")
        return lambda k, n: model_prior_codes(model, params, state, k, n)
    if kind == "gmm":
        gmm, _ = fit_gmm(key, jnp.asarray(z_train), num_components=gmm_components)
        return lambda k, n: sample_gmm(gmm, k, n)
    if kind == "two_stage":
        vae, vae_params, (mean, std) = fit_two_stage(z_train, key, **(two_stage_options or {}))
        return lambda k, n: mean + std * vae.sample(vae_params, k, n, mean.dtype)
    raise ValueError(f"kind={kind!r}; expected one of {SAMPLERS}")


def ex_post_codes(kind, model, params, state, z_train, key, n: int, **options) -> np.ndarray:
    """``n`` codes ``[n, d]`` (numpy) from sampler ``kind`` fitted to ``z_train``."""
    k_fit, k_draw = jax.random.split(key)
    sampler = fit_sampler(kind, z_train, k_fit, model=model, params=params, state=state, **options)
    return np.asarray(sampler(k_draw, n))
