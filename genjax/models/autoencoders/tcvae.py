"""beta-TCVAE: the KL term of the VAE decomposed into index-code mutual information,
total correlation and dimension-wise KL, with the total correlation up-weighted.

Chen, Li, Grosse & Duvenaud, "Isolating Sources of Disentanglement in Variational
Autoencoders", NeurIPS 2018 (Eq. 2, 4; Appendix C); official code
github.com/rtqichen/beta-tcvae (``vae_quant.py``: ``elbo_decomposition`` in
``VAE.elbo``, ``log_importance_weight_matrix``). The loss, minimised::

    loss = mean_i [ -log p(x_i|z_i)
                    + alpha * (log q(z_i|x_i) - log q(z_i))            index-code MI
                    + beta  * (log q(z_i) - Σ_d log q(z_id))           total correlation
                    + gamma * (Σ_d log q(z_id) - log p(z_i)) ]         dimension-wise KL

with ``z_i ~ q(z|x_i)`` reparameterised and the aggregate posterior ``q(z)`` and its
marginals estimated on the minibatch of ``B`` examples from a set of ``N`` with
``l[i, j, d] = log q(z_id | x_j)`` (a diagonal Gaussian, per dimension):

- minibatch-weighted sampling (``estimator="mws"``, the code's default)::

      log q(z_i)    = logsumexp_j Σ_d l[i, j, d] - log(N B)
      log q(z_id)   = logsumexp_j l[i, j, d] - log(N B)

- minibatch-stratified sampling (``"mss"``): ``logsumexp_j (log w[i, j] + ...)`` with
  ``w[i, i] = 1/N``, ``w[i, i+1 mod B] = (N - M)/(N M)`` and ``1/M`` elsewhere,
  ``M = B - 1`` (Appendix C.2; the weights of each row sum to 1). The official
  ``log_importance_weight_matrix`` fills ``W.view(-1)[::M+1]`` and ``[1::M+1]``, which for
  a ``B x B`` matrix (row stride ``B = M + 1``) are its first two *columns*, not the
  diagonal and the next one; we follow the paper's estimator.

The MWS estimate is biased: when the posteriors of a batch barely overlap, ``log q(z_i)``
is about ``log q(z_i|x_i) - log(N B)`` and ``Σ_d log q(z_id)`` about ``log q(z_i|x_i) - d
log(N B)``, so ``tc`` reads up to ``(d - 1) log(N B)`` (and ``dwkl`` correspondingly
negative) whatever the codes' dependence; its gradient still pushes the posteriors to
overlap along each dimension.

Defaults: ``alpha = gamma = 1`` (the paper's beta-TCVAE), ``beta = 6``, ``estimator =
"mws"``, ``dataset_size = 60000`` (Fashion-MNIST's training split; set it to the size of
the training set), Bernoulli likelihood as the VAE here.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import jax
import jax.numpy as jnp
import ml_collections

from genjax import divergences
from genjax.models.autoencoders._densities import gaussian_log_density
from genjax.models.autoencoders.vae import DEFAULTS as VAE_DEFAULTS
from genjax.models.autoencoders.vae import VAE, extend
from genjax.models.autoencoders.vae import build as build_vae

ESTIMATORS = ("mws", "mss")
DEFAULTS: dict[str, Any] = {
    **VAE_DEFAULTS,
    "beta": 6.0,
    "alpha": 1.0,
    "gamma": 1.0,
    "estimator": "mws",
    "dataset_size": 60_000,
}


def log_importance_weights(batch_size: int, dataset_size: int) -> jax.Array:
    """``log w [B, B]`` of minibatch-stratified sampling (see the module docstring).

    >>> import jax.numpy as jnp
    >>> w = jnp.exp(log_importance_weights(4, 10))
    >>> [round(float(v), 4) for v in w[0]], round(float(w.sum(1)[2]), 6)
    ([0.1, 0.2333, 0.3333, 0.3333], 1.0)
    """
    if batch_size < 2:
        raise ValueError(f"batch_size={batch_size}: the stratified estimator needs >= 2")
    n, m = float(dataset_size), float(batch_size - 1)
    eye = jnp.eye(batch_size)
    nxt = jnp.roll(eye, 1, axis=1)  # [i, i+1 mod B]
    w = eye / n + nxt * (n - m) / (n * m) + (1.0 - eye - nxt) / m
    return jnp.log(w)


def decomposed_log_densities(z, mean, log_var, *, dataset_size: int, estimator: str):
    """``(log q(z_i|x_i), log q(z_i), Σ_d log q(z_id), log p(z_i))``, each ``[B]``, from
    codes ``z`` drawn from ``N(mean, exp(log_var))``, all ``[B, d]``."""
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator={estimator!r}; expected one of {ESTIMATORS}")
    b = z.shape[0]
    log_qz_cond_x = jnp.sum(gaussian_log_density(z, mean, log_var), -1)  # [B]
    log_pz = jnp.sum(gaussian_log_density(z, 0.0, 0.0), -1)  # [B]
    table = gaussian_log_density(z[:, None, :], mean[None], log_var[None])  # [B, B, d]
    if estimator == "mws":
        log_w = jnp.full((b, b), -math.log(dataset_size * b), z.dtype)
    else:
        log_w = log_importance_weights(b, dataset_size).astype(z.dtype)
    log_qz = jax.nn.logsumexp(log_w + jnp.sum(table, -1), axis=1)  # [B]
    log_qz_marginals = jnp.sum(jax.nn.logsumexp(log_w[:, :, None] + table, axis=1), -1)  # [B]
    return log_qz_cond_x, log_qz, log_qz_marginals, log_pz


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True, kw_only=True)
class BetaTCVAE(VAE):
    """beta-TCVAE; metrics ``{"loss", "rec", "kl", "mi", "tc", "dwkl"}`` (``kl`` is the
    closed-form KL, for comparison with the VAE; ``mi + tc + dwkl`` estimates it)."""

    alpha: float = 1.0
    gamma: float = 1.0
    estimator: str = "mws"
    dataset_size: int = 60_000

    def terms(self, z, mean, log_var) -> dict[str, jax.Array]:
        """The batch means of the three terms of the decomposed KL."""
        log_qzx, log_qz, log_qz_prod, log_pz = decomposed_log_densities(
            z, mean, log_var, dataset_size=self.dataset_size, estimator=self.estimator
        )
        return {
            "mi": jnp.mean(log_qzx - log_qz),
            "tc": jnp.mean(log_qz - log_qz_prod),
            "dwkl": jnp.mean(log_qz_prod - log_pz),
        }

    def loss(self, player, params, state, x, key):
        if player != "autoencoder":
            raise ValueError(f"player={player!r}; BetaTCVAE has players {self.players}")
        z, mean, log_var, rec, new_state = self.reconstruction(params, state, x, key, train=True)
        t = self.terms(z, mean, log_var)
        loss = rec + self.alpha * t["mi"] + self.beta * t["tc"] + self.gamma * t["dwkl"]
        kl = jnp.mean(divergences.kl_standard_normal(mean, log_var))
        return loss, ({"loss": loss, "rec": rec, "kl": kl, **t}, new_state)

    def evaluate(self, params, state, x, key):
        metrics = super().evaluate(params, state, x, key)
        z, mean, log_var, _ = self.codes(params, state, x, key, train=False)
        return {**metrics, "tc": self.terms(z, mean, log_var)["tc"]}


def build(config: ml_collections.ConfigDict, input_shape: tuple[int, ...]) -> BetaTCVAE:
    if config.estimator not in ESTIMATORS:
        raise ValueError(f"estimator={config.estimator!r}; expected one of {ESTIMATORS}")
    if int(config.dataset_size) < 2:
        raise ValueError(f"dataset_size={config.dataset_size} must be >= 2")
    return extend(
        BetaTCVAE,
        build_vae(config, input_shape),
        alpha=float(config.alpha),
        gamma=float(config.gamma),
        estimator=str(config.estimator),
        dataset_size=int(config.dataset_size),
    )
