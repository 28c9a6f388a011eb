"""InfoVAE / MMD-VAE: the VAE objective with the KL of the aggregate posterior replaced
(in part) by an MMD between the codes and the prior.

Zhao, Song & Ermon, "InfoVAE: Balancing Learning and Inference in Variational
Autoencoders", AAAI 2019 (Eq. 6); official code github.com/ShengjiaZhao/InfoVAE and the
MMD-VAE tutorial github.com/ShengjiaZhao/MMD-Variational-Autoencoder (``mmd__model.py``:
``compute_kernel``, ``compute_mmd``). The objective, minimised::

    loss = mean_i [-log p(x_i|z_i)] + (1 - alpha) * mean_i KL(q(z|x_i) ‖ N(0, I))
           + (alpha + lambda_ - 1) * MMD²(z, z_p),        z_p ~ N(0, I)

with ``z_i`` the reparameterised codes of the batch. The kernel is the code's
``k(x, y) = exp(-‖x - y‖² / d²)`` (``exp(-mean_j (x_j - y_j)² / d)``): the RBF of
`genjax.divergences.mmd` at the one scale ``s = d / 2`` (its bandwidth is ``2 d s``),
with the code's biased estimator (means over all pairs, diagonals included).

Defaults: ``alpha = 1`` (no KL term: the MMD-VAE of the tutorial) and
``lambda_ = 1000``, the weight of the divergence in the paper's experiments;
Bernoulli likelihood as the VAE here.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import ml_collections

from genjax import divergences
from genjax.models.autoencoders.vae import DEFAULTS as VAE_DEFAULTS
from genjax.models.autoencoders.vae import VAE, extend
from genjax.models.autoencoders.vae import build as build_vae

DEFAULTS: dict[str, Any] = {
    **{k: v for k, v in VAE_DEFAULTS.items() if k != "beta"},
    "alpha": 1.0,
    "lambda_": 1000.0,
}


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True, kw_only=True)
class InfoVAE(VAE):
    """InfoVAE; metrics ``{"loss", "rec", "kl", "mmd"}``. The key splits into the
    reparameterisation noise and the prior sample."""

    alpha: float = 1.0
    lambda_: float = 1000.0

    def mmd(self, z, z_prior):
        # exp(-‖x - y‖² / d²) is the RBF kernel at scale d / 2 (bandwidth 2 d s = d²).
        return divergences.mmd(
            z, z_prior, kernel="rbf", scales=(self.latent_dim / 2.0,), unbiased=False
        )

    def loss(self, player, params, state, x, key):
        if player != "autoencoder":
            raise ValueError(f"player={player!r}; InfoVAE has players {self.players}")
        k_codes, k_prior = jax.random.split(key)
        z, mean, log_var, rec, new_state = self.reconstruction(
            params, state, x, k_codes, train=True
        )
        kl = jnp.mean(divergences.kl_standard_normal(mean, log_var))
        mmd = self.mmd(z, self.sample_prior(k_prior, x.shape[0], z.dtype))
        loss = rec + (1.0 - self.alpha) * kl + (self.alpha + self.lambda_ - 1.0) * mmd
        return loss, ({"loss": loss, "rec": rec, "kl": kl, "mmd": mmd}, new_state)

    def code_metrics(self, params, state, z, key):
        return {"mmd": self.mmd(z, self.sample_prior(key, z.shape[0], z.dtype))}

    def evaluate(self, params, state, x, key):
        k_vae, k_mmd = jax.random.split(key)
        metrics = super().evaluate(params, state, x, k_vae)
        z = self.encode(params, state, x)
        return {**metrics, **self.code_metrics(params, state, z, k_mmd)}


def build(config: ml_collections.ConfigDict, input_shape: tuple[int, ...]) -> InfoVAE:
    vae = build_vae(ml_collections.ConfigDict({**config.to_dict(), "beta": 1.0}), input_shape)
    return extend(
        InfoVAE,
        vae,
        alpha=float(config.alpha),
        lambda_=float(config.lambda_),
    )
