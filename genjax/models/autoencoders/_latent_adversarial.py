"""Autoencoders whose codes are matched to the prior by a latent critic (WAE-GAN, AAE).

Two players, updated in this order in a step:

- ``"autoencoder"`` (encoder, decoder)::

      loss = rec + lambda_ * match,   match = mean_i -log D(z_i)

  the non-saturating generator loss (the encoder wants its codes called "prior");
- ``"critic"`` (critic)::

      loss = s * gan,   gan = mean_i -log D(z_p,i) + mean_i -log(1 - D(z_i))

  with ``D = sigmoid(critic logits)``, ``z_p ~ N(0, I)``, ``s = lambda_`` when
  ``scale_critic_loss`` (the WAE code) and 1 otherwise (AAE).

Gradient isolation, so that either loss is correct even when differentiated with respect
to every network: the autoencoder's loss sees the critic's parameters through
``stop_gradient``, and the critic's loss sees the codes through ``stop_gradient``.
Batch-norm statistics of the encoder and decoder are updated by the autoencoder player
only; the critic player runs the encoder in train mode (the codes it judges are those the
autoencoder trains on) but keeps the encoder's state.

Keys: each loss splits its key into ``(k_codes, k_prior)``; ``k_codes`` draws the
reparameterised codes of a Gaussian encoder, ``k_prior`` the prior sample ``z_p``
(as many as the batch).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import ClassVar

import flax.linen as nn
import jax
import jax.numpy as jnp

from genjax.models.adversarial import gan_critic_loss, gan_generator_loss
from genjax.models.autoencoders._common import Autoencoder
from genjax.models.networks import apply_module, init_module


@dataclasses.dataclass(frozen=True, kw_only=True)
class LatentAdversarialAutoencoder(Autoencoder):
    critic: nn.Module
    lambda_: float = 1.0
    scale_critic_loss: bool = False

    players: ClassVar[tuple[str, ...]] = ("autoencoder", "critic")

    @property
    def player_networks(self) -> Mapping[str, tuple[str, ...]]:
        return {"autoencoder": ("encoder", "decoder"), "critic": ("critic",)}

    def init_variables(self, key, x):
        k_ae, k_critic = jax.random.split(key)
        params, state = super().init_variables(k_ae, x)
        params["critic"], state["critic"] = init_module(
            self.critic, k_critic, self._example_codes(x)
        )
        return params, state

    def critic_logits(self, critic_params, state, z, *, train: bool):
        """``(logits [b], new_critic_state)`` of the critic on codes ``z: [b, d]``."""
        return apply_module(self.critic, critic_params, state["critic"], z, train=train)

    def loss(self, player, params, state, x, key):
        k_codes, k_prior = jax.random.split(key)
        if player == "autoencoder":
            return self._autoencoder_loss(params, state, x, k_codes)
        if player == "critic":
            return self._critic_loss(params, state, x, k_codes, k_prior)
        raise ValueError(f"player={player!r}; {type(self).__name__} has players {self.players}")

    def _autoencoder_loss(self, params, state, x, k_codes):
        z, _, _, enc_state = self.codes(params, state, x, k_codes, train=True)
        logits, dec_state = self.decoder_logits(params, state, z, train=True)
        rec = self.rec_cost(x, logits)
        # The critic is the other player's: frozen here, and its running statistics (if
        # any) are the critic player's to update.
        critic_params = jax.lax.stop_gradient(params["critic"])
        logits_codes, _ = self.critic_logits(critic_params, state, z, train=True)
        match = gan_generator_loss(logits_codes, kind="ns")
        loss = rec + self.lambda_ * match
        new_state = {**state, "encoder": enc_state, "decoder": dec_state}
        return loss, ({"loss": loss, "rec": rec, "match": match}, new_state)

    def _critic_loss(self, params, state, x, k_codes, k_prior):
        z, _, _, _ = self.codes(params, state, x, k_codes, train=True)
        z = jax.lax.stop_gradient(z)  # the critic's loss must not train the encoder
        z_prior = self.sample_prior(k_prior, x.shape[0], z.dtype)
        logits_prior, critic_state = self.critic_logits(
            params["critic"], state, z_prior, train=True
        )
        logits_codes, critic_state = self.critic_logits(
            params["critic"], {**state, "critic": critic_state}, z, train=True
        )
        gan = gan_critic_loss(logits_prior, logits_codes)
        loss = self.lambda_ * gan if self.scale_critic_loss else gan
        metrics = {
            "loss": loss,
            "gan": gan,
            "d_prior": jnp.mean(jax.nn.sigmoid(logits_prior)),
            "d_codes": jnp.mean(jax.nn.sigmoid(logits_codes)),
        }
        return loss, (metrics, {**state, "critic": critic_state})

    def code_metrics(self, params, state, z, key):
        """The critic's view of held-out codes (eval mode): its loss ``gan`` (about
        2 log 2 ≈ 1.386 when it cannot tell codes from prior draws) and ``d_codes``."""
        z_prior = self.sample_prior(key, z.shape[0], z.dtype)
        logits_prior, _ = self.critic_logits(params["critic"], state, z_prior, train=False)
        logits_codes, _ = self.critic_logits(params["critic"], state, z, train=False)
        return {
            "gan": gan_critic_loss(logits_prior, logits_codes),
            "d_codes": jnp.mean(jax.nn.sigmoid(logits_codes)),
        }
