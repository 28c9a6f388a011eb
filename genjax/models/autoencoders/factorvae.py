"""FactorVAE: the VAE objective plus gamma times the total correlation of the aggregate
posterior, estimated by a discriminator (the density-ratio trick).

Kim & Mnih, "Disentangling by Factorising", ICML 2018 (Eq. 2-3, Algorithm 2 and
Appendix: permute-dims, the discriminator and its optimiser); reference implementation
github.com/1Konny/FactorVAE (``solver.py``, ``ops.permute_dims``). Two players:

- ``"autoencoder"`` (encoder, decoder)::

      loss = mean_i [-log p(x_i|z_i)] + mean_i KL(q(z|x_i) ‖ N(0, I))
             + gamma * tc,        tc = mean_i log(D(z_i) / (1 - D(z_i))) = mean_i logit_i

  where ``D(z)`` is the discriminator's probability that ``z`` came from ``q(z)`` rather
  than from the product of its marginals;
- ``"discriminator"``: the cross-entropy of telling codes ``z`` of one half of the batch
  (label "joint") from `permute_dims` of the codes of the other half (label
  "product of marginals"), `genjax.models.adversarial.gan_critic_loss`. The paper draws
  a second batch for the permuted codes; the two halves of one batch are two
  independent batches of half the size.

Gradient isolation as in `genjax.models.autoencoders._latent_adversarial`: the
autoencoder's loss sees the discriminator through ``stop_gradient``, the
discriminator's loss sees the codes through ``stop_gradient``.

Defaults (the paper's): ``gamma = 10`` (the low end of its dSprites sweep, gamma in
10..100), discriminator an MLP of 6 hidden layers of 1000 with leaky ReLU (flax's slope
0.01; the paper's 0.2), latent_dim 10, Bernoulli likelihood. The paper's optimisers
(Adam 1e-4 for the VAE, 1e-4 with b1 = 0.5, b2 = 0.9 for the discriminator) are in
``experiments/factorvae.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections

from genjax import divergences
from genjax import nn as gnn
from genjax.models.adversarial import gan_critic_loss
from genjax.models.autoencoders.vae import DEFAULTS as VAE_DEFAULTS
from genjax.models.autoencoders.vae import VAE, extend
from genjax.models.autoencoders.vae import build as build_vae
from genjax.models.networks import apply_module, init_module

DEFAULTS: dict[str, Any] = {
    **{k: v for k, v in VAE_DEFAULTS.items() if k != "beta"},
    "latent_dim": 10,
    "gamma": 10.0,
    "critic_hidden": (1000,) * 6,
}


def permute_dims(z: jax.Array, key: jax.Array) -> jax.Array:
    """Each column of ``z: [b, d]`` permuted independently (Algorithm 1 of the paper):
    a sample of the product of the marginals of the batch's codes.

    >>> import jax, jax.numpy as jnp
    >>> z = jnp.arange(8.0).reshape(4, 2)
    >>> jnp.sort(permute_dims(z, jax.random.key(0)), axis=0).tolist() == z.tolist()
    True
    """
    keys = jax.random.split(key, z.shape[1])
    return jax.vmap(lambda k, column: jax.random.permutation(k, column), (0, 1), 1)(keys, z)


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True, kw_only=True)
class FactorVAE(VAE):
    """FactorVAE; players ``("autoencoder", "discriminator")``, metrics ``{"loss",
    "rec", "kl", "tc"}`` and ``{"loss", "d_joint", "d_product"}``."""

    discriminator: nn.Module
    gamma: float = 10.0

    players: ClassVar[tuple[str, ...]] = ("autoencoder", "discriminator")

    @property
    def player_networks(self) -> Mapping[str, tuple[str, ...]]:
        return {"autoencoder": ("encoder", "decoder"), "discriminator": ("discriminator",)}

    def init_variables(self, key, x):
        k_vae, k_d = jax.random.split(key)
        params, state = super().init_variables(k_vae, x)
        params["discriminator"], state["discriminator"] = init_module(
            self.discriminator, k_d, self._example_codes(x)
        )
        return params, state

    def discriminator_logits(self, d_params, state, z):
        """``log D(z) / (1 - D(z))``, ``[b]``, for codes ``z: [b, d]``."""
        return apply_module(self.discriminator, d_params, state["discriminator"], z, train=False)[0]

    def loss(self, player, params, state, x, key):
        if player == "autoencoder":
            z, mean, log_var, rec, new_state = self.reconstruction(
                params, state, x, key, train=True
            )
            kl = jnp.mean(divergences.kl_standard_normal(mean, log_var))
            d_params = jax.lax.stop_gradient(params["discriminator"])
            tc = jnp.mean(self.discriminator_logits(d_params, state, z))
            loss = rec + kl + self.gamma * tc
            return loss, ({"loss": loss, "rec": rec, "kl": kl, "tc": tc}, new_state)
        if player == "discriminator":
            k_codes, k_perm = jax.random.split(key)
            z, _, _, _ = self.codes(params, state, x, k_codes, train=True)
            z = jax.lax.stop_gradient(z)  # the discriminator must not train the encoder
            half = z.shape[0] // 2
            joint = self.discriminator_logits(params["discriminator"], state, z[:half])
            product = self.discriminator_logits(
                params["discriminator"], state, permute_dims(z[half : 2 * half], k_perm)
            )
            loss = gan_critic_loss(joint, product)
            metrics = {
                "loss": loss,
                "d_joint": jnp.mean(jax.nn.sigmoid(joint)),
                "d_product": jnp.mean(jax.nn.sigmoid(product)),
            }
            return loss, (metrics, state)
        raise ValueError(f"player={player!r}; FactorVAE has players {self.players}")

    def evaluate(self, params, state, x, key):
        """The VAE's metrics plus ``tc``, the discriminator's estimate on held-out codes."""
        metrics = super().evaluate(params, state, x, key)
        z, _, _, _ = self.codes(params, state, x, key, train=False)
        tc = jnp.mean(self.discriminator_logits(params["discriminator"], state, z))
        return {**metrics, "tc": tc}


def build(config: ml_collections.ConfigDict, input_shape: tuple[int, ...]) -> FactorVAE:
    vae = build_vae(ml_collections.ConfigDict({**config.to_dict(), "beta": 1.0}), input_shape)
    return extend(
        FactorVAE,
        vae,
        discriminator=gnn.MLPCritic(hidden=tuple(config.critic_hidden), activation="leaky_relu"),
        gamma=float(config.gamma),
    )
