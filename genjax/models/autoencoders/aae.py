"""Adversarial autoencoder (AAE).

Makhzani, Shlens, Jaitly, Goodfellow, Frey, "Adversarial Autoencoders", ICLR workshop
2016 (arXiv:1511.05644). No official code; the pythae implementation
(github.com/clementchadebec/benchmark_VAE, ``models/adversarial_ae``) is the reference
for the Gaussian-posterior variant.

The paper trains, per mini-batch, a reconstruction phase (encoder and decoder) then a
regularisation phase: the discriminator learns to tell prior draws ``z_p ~ N(0, I)`` from
codes ``z = E(x)``, then the encoder (the GAN's generator) learns to fool it. Here the
reconstruction and generator updates share one optimiser step (players
``("autoencoder", "critic")``, see `genjax.models.autoencoders._latent_adversarial`)::

    autoencoder:  rec + lambda_ * mean_i -log D(z_i)                     (non-saturating)
    critic:       mean_i -log D(z_p,i) + mean_i -log(1 - D(z_i))

with ``rec = mean_i Σ_j (x_ij - x_hat_ij)²`` by default. The paper discusses deterministic,
Gaussian and "universal approximator" posteriors q(z|x); here q(z|x) is deterministic by
default or Gaussian with reparameterised samples (``gaussian_encoder=True``, pythae's).
MNIST networks in the paper: two ReLU layers of 1000 units for the encoder, decoder and
discriminator.

Compared with `genjax.models.autoencoders.wae.WAEGAN`, the same algorithm up to the critic's loss
weight (1 here, lambda_ there), the defaults (no 0.05 reconstruction scale; 1000-unit
networks) and the optional stochastic encoder.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import ml_collections

from genjax import nn as gnn
from genjax.models.autoencoders._common import (
    NETWORK_DEFAULTS,
    REC_DEFAULTS,
    make_decoder,
    make_encoder,
    rec_kwargs,
)
from genjax.models.autoencoders._latent_adversarial import LatentAdversarialAutoencoder

DEFAULTS: dict[str, Any] = {
    **NETWORK_DEFAULTS,
    **REC_DEFAULTS,
    "latent_dim": 8,
    "encoder_hidden": (1000, 1000),
    "decoder_hidden": (1000, 1000),
    "critic_hidden": (1000, 1000),
    "lambda_": 1.0,
    "gaussian_encoder": False,
}


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True, kw_only=True)
class AAE(LatentAdversarialAutoencoder):
    """Adversarial autoencoder; players ``("autoencoder", "critic")``."""

    scale_critic_loss: bool = False


def build(config: ml_collections.ConfigDict, input_shape: tuple[int, ...]) -> AAE:
    latent_dim = int(config.latent_dim)
    gaussian = bool(config.gaussian_encoder)
    return AAE(
        latent_dim=latent_dim,
        input_shape=tuple(input_shape),
        encoder=make_encoder(config, input_shape, 2 * latent_dim if gaussian else latent_dim),
        decoder=make_decoder(config, input_shape),
        critic=gnn.MLPCritic(hidden=tuple(config.critic_hidden)),
        gaussian_encoder=gaussian,
        lambda_=float(config.lambda_),
        **rec_kwargs(config),
    )
