"""FlexAE: a deterministic autoencoder with a learned latent prior, a generator from noise
to the latent space trained adversarially against the encoder's codes.

Mondal, Asnani, Singla & Prathosh, "FlexAE: Flexibly learning latent priors for
Wasserstein Auto-Encoders", UAI 2021. We found no official code; this follows the
paper's description as summarised in issue 10 (a learnable prior and a latent critic,
sampling through the learned prior), with WGAN-GP for the critic; the weights are our
choices.

Networks: encoder ``E``, decoder ``D``, prior generator ``G: n -> z`` (an MLP, ``n ~
N(0, I_d)``), latent critic ``C`` (large on codes). Players, in this order:

- ``"critic"`` (``n_critic`` updates a step), WGAN-GP between the codes ``z = E(x)``
  (real) and the prior's draws ``z_p = G(n)`` (fake)::

      loss = mean C(z_p) - mean C(z) + gp_weight * GP

- ``"prior"`` (G): the generator's loss ``-mean C(G(n))``: the prior moves towards the
  codes' distribution;
- ``"autoencoder"`` (encoder, decoder): ``rec(x, D(z)) + lambda_ * mean C(z)``: the
  codes move (weakly) towards the prior, which keeps the two close while the prior
  follows the codes.

Sampling (``sample_codes``, ``sample``) draws ``z = G(n)``. ``evaluate`` reports the
critic's ``w1 = mean C(z) - mean C(z_p)`` on held-out codes. Defaults (ours):
latent_dim 16, prior generator MLP (512, 512), critic (512, 512, 512), lambda_ = 0.1,
gp_weight = 10, n_critic = 5; squared-error reconstruction summed over pixels.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections

from genjax import nn as gnn
from genjax.models.autoencoders._common import (
    NETWORK_DEFAULTS,
    REC_DEFAULTS,
    Autoencoder,
    autoencoder_kwargs,
    squared_error,
)
from genjax.models.autoencoders._latent_wgan import critic_loss, critic_scores, frozen
from genjax.models.networks import init_module

DEFAULTS: dict[str, Any] = {
    **NETWORK_DEFAULTS,
    **REC_DEFAULTS,
    "latent_dim": 16,
    "lambda_": 0.1,
    "gp_weight": 10.0,
    "n_critic": 5,
    "critic_hidden": (512, 512, 512),
    "prior_hidden": (512, 512),
}


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True, kw_only=True)
class FlexAE(Autoencoder):
    """FlexAE; players ``("critic", "prior", "autoencoder")``, metrics ``{"loss", "w1",
    "gp"}``, ``{"loss"}`` + ``{"gen"}`` and ``{"loss", "rec", "match"}``."""

    critic: nn.Module
    prior: nn.Module
    lambda_: float = 0.1
    gp_weight: float = 10.0
    n_critic: int = 5

    players: ClassVar[tuple[str, ...]] = ("critic", "prior", "autoencoder")

    @property
    def player_updates(self) -> Mapping[str, int]:
        return {"critic": self.n_critic}

    @property
    def player_networks(self) -> Mapping[str, tuple[str, ...]]:
        return {"critic": ("critic",), "prior": ("prior",), "autoencoder": ("encoder", "decoder")}

    def init_variables(self, key, x):
        k_ae, k_critic, k_prior = jax.random.split(key, 3)
        params, state = super().init_variables(k_ae, x)
        z = self._example_codes(x)
        params["critic"], state["critic"] = init_module(self.critic, k_critic, z)
        params["prior"], state["prior"] = init_module(self.prior, k_prior, z)
        return params, state

    def prior_codes(self, prior_params, key, n: int, dtype=jnp.float32) -> jax.Array:
        """``G(n)``, ``n ~ N(0, I)``: ``[n, d]``."""
        noise = self.sample_prior(key, n, dtype)
        return self.prior.apply({"params": prior_params}, noise)

    def loss(self, player, params, state, x, key):
        k_prior, k_gp = jax.random.split(key)
        if player == "critic":
            fixed = frozen(params)
            z, _, _, _ = self.codes(fixed, state, x, None, train=True)
            z_p = self.prior_codes(fixed["prior"], k_prior, x.shape[0], z.dtype)
            loss, terms = critic_loss(
                self.critic, params["critic"], z, z_p, k_gp, gp_weight=self.gp_weight
            )
            return loss, ({"loss": loss, **terms}, state)
        c_params = frozen(params["critic"])
        if player == "prior":
            z_p = self.prior_codes(params["prior"], k_prior, x.shape[0], x.dtype)
            gen = -jnp.mean(critic_scores(self.critic, c_params, z_p))
            return gen, ({"loss": gen, "gen": gen}, state)
        if player == "autoencoder":
            z, _, _, enc_state = self.codes(params, state, x, None, train=True)
            logits, dec_state = self.decoder_logits(params, state, z, train=True)
            rec = self.rec_cost(x, logits)
            match = jnp.mean(critic_scores(self.critic, c_params, z))
            loss = rec + self.lambda_ * match
            new_state = {**state, "encoder": enc_state, "decoder": dec_state}
            return loss, ({"loss": loss, "rec": rec, "match": match}, new_state)
        raise ValueError(f"player={player!r}; FlexAE has players {self.players}")

    def sample_codes(self, params, state, key, n: int) -> jax.Array:
        del state
        return self.prior_codes(params["prior"], key, n)

    def sample(self, params, state, key, n):
        return self.decode(params, state, self.sample_codes(params, state, key, n))

    def evaluate(self, params, state, x, key):
        z = self.encode(params, state, x)
        z_p = self.prior_codes(params["prior"], key, x.shape[0], z.dtype)
        w1 = jnp.mean(critic_scores(self.critic, params["critic"], z)) - jnp.mean(
            critic_scores(self.critic, params["critic"], z_p)
        )
        return {"rec_error": squared_error(x, self.decode(params, state, z)), "w1": w1}


def build(config: ml_collections.ConfigDict, input_shape: tuple[int, ...]) -> FlexAE:
    if int(config.n_critic) < 1:
        raise ValueError(f"n_critic={config.n_critic} must be >= 1")
    d = int(config.latent_dim)
    return FlexAE(
        **autoencoder_kwargs(config, input_shape),
        critic=gnn.MLPCritic(hidden=tuple(config.critic_hidden)),
        prior=gnn.MLP(features=d, hidden=tuple(config.prior_hidden)),
        lambda_=float(config.lambda_),
        gp_weight=float(config.gp_weight),
        n_critic=int(config.n_critic),
    )
