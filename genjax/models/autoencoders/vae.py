"""Variational autoencoder and beta-VAE.

Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014; Higgins et al.,
"beta-VAE: Learning Basic Visual Concepts with a Constrained Variational Framework",
ICLR 2017. Reference code: pythae (github.com/clementchadebec/benchmark_VAE,
``models/vae/vae_model.py``, ``models/beta_vae/beta_vae_model.py``).

Gaussian encoder ``q(z|x) = N(mean, diag exp(log_var))`` (the encoder outputs
``[b, 2 * latent_dim]``), reparameterised ``z = mean + exp(log_var / 2) * eps``,
``eps ~ N(0, I)`` drawn with the loss's key. One player::

    loss = mean_i [ -log p(x_i | z_i) ] + beta * mean_i KL(q(z|x_i) ‖ N(0, I))
    rec  = mean_i [ -log p(x_i | z_i) ]          (summed over the data dimensions)
    kl   = mean_i kl_standard_normal(mean_i, log_var_i)

which is the negative ELBO for ``beta = 1`` (VAE) and the beta-VAE objective otherwise
(``beta = 4`` by default for ``beta_vae``, the paper's dSprites value). Likelihoods
(``likelihood=``):

- ``"bernoulli"``: ``-log p = Σ_j softplus(l_j) - x_j l_j`` from the decoder logits ``l``
  (Kingma & Welling's MNIST choice);
- ``"gaussian"``: ``N(x; mu, sigma² I)`` with fixed ``sigma² = gaussian_variance``,
  ``-log p = ½ Σ_j [(x_j - mu_j)² / sigma² + log(2 pi sigma²)]``,
  ``mu = output_activation(l)``; for sigma² = 1 this is pythae's ``"mse"`` loss
  ``½ Σ (x - mu)²`` plus a constant;
- ``"gaussian_learned"``: the same with one learned ``log sigma²`` shared by all
  dimensions (as the sigma-VAE, Rybkin et al. 2021), stored as the network
  ``"likelihood"`` (``params["likelihood"] = {"log_var": scalar}``, initialised at 0),
  trained by the autoencoder player.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import ml_collections

from genjax import divergences
from genjax.models.autoencoders._common import (
    NETWORK_DEFAULTS,
    Autoencoder,
    bernoulli_nll,
    make_decoder,
    make_encoder,
    squared_error,
    to_data_space,
)

LIKELIHOODS = ("bernoulli", "gaussian", "gaussian_learned")

DEFAULTS: dict[str, Any] = {
    **NETWORK_DEFAULTS,
    "latent_dim": 16,
    "likelihood": "bernoulli",
    "gaussian_variance": 1.0,
    "beta": 1.0,
}
BETA_DEFAULTS: dict[str, Any] = {**DEFAULTS, "beta": 4.0}


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True, kw_only=True)
class VAE(Autoencoder):
    """VAE / beta-VAE; metrics ``{"loss", "rec", "kl"}`` (+ ``"log_var_x"`` when the
    likelihood variance is learned)."""

    gaussian_encoder: bool = True
    likelihood: str = "bernoulli"
    gaussian_variance: float = 1.0
    beta: float = 1.0

    @property
    def player_networks(self) -> Mapping[str, tuple[str, ...]]:
        if self.likelihood == "gaussian_learned":
            return {"autoencoder": ("encoder", "decoder", "likelihood")}
        return {"autoencoder": ("encoder", "decoder")}

    def init_variables(self, key, x):
        params, state = super().init_variables(key, x)
        if self.likelihood == "gaussian_learned":
            params["likelihood"] = {"log_var": jnp.zeros((), x.dtype)}
            state["likelihood"] = {}
        return params, state

    def log_var_x(self, params) -> jax.Array:
        """log sigma² of the Gaussian likelihood (learned or fixed)."""
        if self.likelihood == "gaussian_learned":
            return params["likelihood"]["log_var"]
        return jnp.log(jnp.asarray(self.gaussian_variance, jnp.float32))

    def nll(self, params, x, logits) -> jax.Array:
        """``mean_i -log p(x_i | z_i)``, summed over the data dimensions."""
        if self.likelihood == "bernoulli":
            per_dim = bernoulli_nll(x, logits)
        else:
            mu = to_data_space(logits, self.output_activation)
            log_var = self.log_var_x(params)
            per_dim = 0.5 * (
                jnp.square(x - mu) * jnp.exp(-log_var) + log_var + math.log(2 * math.pi)
            )
        return jnp.mean(jnp.sum(per_dim.reshape(x.shape[0], -1), axis=1))

    def reconstruction(self, params, state, x, key, *, train: bool):
        """``(z, mean, log_var, rec, new_state)``: codes ``z`` of ``x`` drawn with ``key``,
        ``rec = mean_i -log p(x_i | z_i)`` (`nll`) and the state with the encoder's and
        the decoder's updates."""
        z, mean, log_var, enc_state = self.codes(params, state, x, key, train=train)
        logits, dec_state = self.decoder_logits(params, state, z, train=train)
        rec = self.nll(params, x, logits)
        return z, mean, log_var, rec, {**state, "encoder": enc_state, "decoder": dec_state}

    def kl_term(self, params, state, z, mean, log_var, *, train: bool) -> jax.Array:
        """``mean_i KL(q(z|x_i) ‖ p(z))``: in closed form against N(0, I) here (a
        subclass with another prior estimates it from the codes ``z``)."""
        del params, state, z, train
        return jnp.mean(divergences.kl_standard_normal(mean, log_var))

    def loss(self, player, params, state, x, key):
        if player != "autoencoder":
            raise ValueError(f"player={player!r}; VAE has players {self.players}")
        z, mean, log_var, rec, new_state = self.reconstruction(params, state, x, key, train=True)
        kl = self.kl_term(params, state, z, mean, log_var, train=True)
        loss = rec + self.beta * kl
        metrics = {"loss": loss, "rec": rec, "kl": kl}
        if self.likelihood == "gaussian_learned":
            metrics["log_var_x"] = self.log_var_x(params)
        return loss, (metrics, new_state)

    def evaluate(self, params, state, x, key):
        """``rec_error`` (decoding the posterior means), ``kl`` and ``neg_elbo``
        (``rec + kl`` with one posterior sample drawn with ``key``), in eval mode."""
        z, mean, log_var, _ = self.codes(params, state, x, key, train=False)
        x_hat = self.decode(params, state, mean)
        logits, _ = self.decoder_logits(params, state, z, train=False)
        kl = self.kl_term(params, state, z, mean, log_var, train=False)
        return {
            "rec_error": squared_error(x, x_hat),
            "kl": kl,
            "neg_elbo": self.nll(params, x, logits) + kl,
        }


def extend(cls: type[VAE], vae: VAE, **fields) -> VAE:
    """A ``cls`` (a subclass of `VAE`) with the fields of ``vae`` (from `build`, which
    validated them) and ``fields``: the builders of the VAE variants."""
    return cls(**{f.name: getattr(vae, f.name) for f in dataclasses.fields(vae)}, **fields)


def build(config: ml_collections.ConfigDict, input_shape: tuple[int, ...]) -> VAE:
    if config.likelihood not in LIKELIHOODS:
        raise ValueError(f"likelihood={config.likelihood!r}; expected one of {LIKELIHOODS}")
    if config.likelihood == "bernoulli" and config.output_activation != "sigmoid":
        raise ValueError("likelihood='bernoulli' needs output_activation='sigmoid'")
    if float(config.gaussian_variance) <= 0:
        raise ValueError(f"gaussian_variance={config.gaussian_variance} must be positive")
    latent_dim = int(config.latent_dim)
    return VAE(
        latent_dim=latent_dim,
        input_shape=tuple(input_shape),
        encoder=make_encoder(config, input_shape, 2 * latent_dim),
        decoder=make_decoder(config, input_shape),
        output_activation=str(config.output_activation),
        likelihood=str(config.likelihood),
        gaussian_variance=float(config.gaussian_variance),
        beta=float(config.beta),
    )
