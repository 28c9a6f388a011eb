"""Two-stage VAE: a VAE, then a second VAE on the first one's codes, used as its sampler.

Dai & Wipf, "Diagnosing and Enhancing VAE Models", ICLR 2019 (Sec. 4, Algorithm 1);
official code github.com/daib13/TwoStageVAE (``two_stage_vae_model.py``: the learned
``gamma`` (``loggamma``) of both stages, the second stage's fully connected networks;
``demo.py``: the two training phases, then sampling ``u ~ stage 2``, ``x = D_1(u)``).

Stage 1 is a VAE with a Gaussian likelihood whose variance ``gamma`` is learned
(``likelihood="gaussian_learned"``, as the paper). Stage 2 (`CodeVAE`) is a VAE on
``u ~ q_1(u|x)``, the stage-1 codes of the training data, with MLP encoder and decoder
(``stage2_hidden``, by default the stage-1 encoder's widths; the paper: three layers
of 1024, with dense connections which we omit) and its own learned gamma::

    stage 2 loss = mean_i [ -log N(u_i; D_2(z_i), gamma_2 I) + KL(q_2(z|u_i) ‖ N(0, I)) ]

Sampling (``sample_codes``): ``z ~ N(0, I)``, ``u = D_2(z) + sqrt(gamma_2) eps`` (the
paper decodes ``D_2(z)``; see `CodeVAE.sample`), then ``x = D_1(u)``.

One run, two phases (one model, players ``("stage1", "stage2")``, one optimiser
each). The trainer hands a loss no step, so the model keeps a step counter in its state
(the network ``"counter"``: no parameters, one int32, checkpointed with everything
else; the stage-2 loss advances it, after both players have read it):

- phase 1, ``t < phase1_steps``: stage 1 trains; stage 2 trains too, on the codes of the
  stage-1 encoder as it is (a warm start, free of any effect on stage 1: the codes are
  ``stop_gradient``);
- phase 2, ``t >= phase1_steps``: stage 1 is `frozen` (the trainer keeps its parameters
  and Adam state as they were; its loss is also multiplied by 0) and only stage 2
  trains, now on the codes of the final stage-1 encoder. A zero gradient alone was not
  enough: Adam's momentum kept moving stage 1 after the switch, and in a 30,000-step
  run on Fashion-MNIST that doubled its held-out rec_error (7.7 -> 15.0).

Stage 2 is not idle in phase 1 because a loss multiplied by 0 has no gradient, and
every player must have one at step 0 (the registry-wide gradient checks). A run killed in
either phase resumes from its checkpoint with the counter it had (tested).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any, ClassVar

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections

from genjax import divergences
from genjax import nn as gnn
from genjax.models.autoencoders._densities import (
    COUNTER,
    counter_value,
    incremented,
    init_counter,
)
from genjax.models.autoencoders.vae import DEFAULTS as VAE_DEFAULTS
from genjax.models.autoencoders.vae import VAE, extend
from genjax.models.autoencoders.vae import build as build_vae
from genjax.models.networks import init_module

DEFAULTS: dict[str, Any] = {
    **VAE_DEFAULTS,
    "likelihood": "gaussian_learned",
    "output_activation": "sigmoid",
    "phase1_steps": 20_000,
    # () means the stage-1 encoder's widths (so that small test configs stay small);
    # experiments/two_stage_vae.py sets the paper's (1024, 1024, 1024).
    "stage2_hidden": (),
}


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True, kw_only=True)
class CodeVAE:
    """The second stage: a VAE on codes ``u: [b, d]`` with a Gaussian likelihood of
    learned variance. Its networks are ``"encoder2"``, ``"decoder2"``, ``"likelihood2"``
    (``{"log_var": scalar}``, initialised at 0)."""

    latent_dim: int
    encoder: nn.Module
    decoder: nn.Module

    networks: ClassVar[tuple[str, ...]] = ("encoder2", "decoder2", "likelihood2")

    @classmethod
    def make(cls, latent_dim: int, hidden) -> CodeVAE:
        hidden = tuple(int(w) for w in hidden)
        return cls(
            latent_dim=latent_dim,
            encoder=gnn.MLP(features=2 * latent_dim, hidden=hidden),
            decoder=gnn.MLP(features=latent_dim, hidden=hidden),
        )

    def init(self, key, u) -> dict:
        k_enc, k_dec = jax.random.split(key)
        return {
            "encoder2": init_module(self.encoder, k_enc, u)[0],
            "decoder2": init_module(self.decoder, k_dec, u)[0],
            "likelihood2": {"log_var": jnp.zeros((), u.dtype)},
        }

    def loss(self, params, u, key) -> tuple[jax.Array, dict[str, jax.Array]]:
        """``(loss, {"rec", "kl", "log_var_u"})`` on codes ``u: [b, d]``."""
        h = self.encoder.apply({"params": params["encoder2"]}, u)
        mean, log_var = jnp.split(h, 2, axis=-1)
        z = mean + jnp.exp(0.5 * log_var) * jax.random.normal(key, mean.shape, mean.dtype)
        u_hat = self.decoder.apply({"params": params["decoder2"]}, z)
        log_gamma = params["likelihood2"]["log_var"]
        per_dim = 0.5 * (jnp.square(u - u_hat) * jnp.exp(-log_gamma) + log_gamma)
        rec = jnp.mean(jnp.sum(per_dim + 0.5 * math.log(2 * math.pi), axis=-1))
        kl = jnp.mean(divergences.kl_standard_normal(mean, log_var))
        return rec + kl, {"rec": rec, "kl": kl, "log_var_u": log_gamma}

    def sample(self, params, key, n: int, dtype=jnp.float32) -> jax.Array:
        """``u = D_2(z) + sqrt(gamma_2) * eps``, ``z, eps ~ N(0, I)``: ``[n, d]``, a draw
        of the second stage's marginal. With the noise (our choice; the paper decodes
        ``D_2(z)``): a second stage that explains its codes as noise, a stationary point
        when the codes are Gaussian already, still samples their spread."""
        k_z, k_eps = jax.random.split(key)
        z = jax.random.normal(k_z, (n, self.latent_dim), dtype)
        u = self.decoder.apply({"params": params["decoder2"]}, z)
        eps = jax.random.normal(k_eps, u.shape, u.dtype)
        return u + jnp.exp(0.5 * params["likelihood2"]["log_var"]) * eps


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True, kw_only=True)
class TwoStageVAE(VAE):
    """Players ``("stage1", "stage2")``; metrics ``{"loss", "rec", "kl", "log_var_x",
    "phase"}`` (``phase`` 1 or 2) and ``{"loss", "rec", "kl", "log_var_u"}``."""

    stage2: CodeVAE
    phase1_steps: int = 20_000

    players: ClassVar[tuple[str, ...]] = ("stage1", "stage2")

    @property
    def player_networks(self) -> Mapping[str, tuple[str, ...]]:
        return {
            "stage1": super().player_networks["autoencoder"],
            "stage2": CodeVAE.networks,
        }

    def init_variables(self, key, x):
        k_vae, k_2 = jax.random.split(key)
        params, state = super().init_variables(k_vae, x)
        params.update(self.stage2.init(k_2, self._example_codes(x)))
        state.update({n: {} for n in CodeVAE.networks})
        params[COUNTER], state[COUNTER] = init_counter()
        return params, state

    def in_phase2(self, state) -> jax.Array:
        return counter_value(state) >= self.phase1_steps

    def frozen(self, player, state) -> jax.Array:
        """Stage 1 in phase 2 (see the module docstring)."""
        return jnp.logical_and(player == "stage1", self.in_phase2(state))

    def loss(self, player, params, state, x, key):
        if player == "stage1":
            loss, (metrics, new_state) = super().loss("autoencoder", params, state, x, key)
            phase2 = self.in_phase2(state)
            gated = jnp.where(phase2, 0.0, 1.0).astype(loss.dtype) * loss
            return gated, ({**metrics, "loss": gated, "phase": 1.0 + phase2}, new_state)
        if player == "stage2":
            k_codes, k_2 = jax.random.split(key)
            u, _, _, _ = self.codes(params, state, x, k_codes, train=False)
            u = jax.lax.stop_gradient(u)
            loss, metrics = self.stage2.loss(params, u, k_2)
            return loss, ({"loss": loss, **metrics}, incremented(state))
        raise ValueError(f"player={player!r}; TwoStageVAE has players {self.players}")

    def evaluate(self, params, state, x, key):
        """The stage-1 VAE's metrics, plus ``stage2_neg_elbo`` on its codes."""
        k_1, k_codes, k_2 = jax.random.split(key, 3)
        metrics = super().evaluate(params, state, x, k_1)
        u, _, _, _ = self.codes(params, state, x, k_codes, train=False)
        return {**metrics, "stage2_neg_elbo": self.stage2.loss(params, u, k_2)[0]}

    def sample_codes(self, params, state, key, n: int) -> jax.Array:
        """``n`` codes ``[n, d]`` through the second stage."""
        del state
        return self.stage2.sample(params, key, n)

    def sample(self, params, state, key, n):
        return self.decode(params, state, self.sample_codes(params, state, key, n))


def build(config: ml_collections.ConfigDict, input_shape: tuple[int, ...]) -> TwoStageVAE:
    if int(config.phase1_steps) < 0:
        raise ValueError(f"phase1_steps={config.phase1_steps} must be >= 0")
    vae = build_vae(config, input_shape)
    return extend(
        TwoStageVAE,
        vae,
        stage2=CodeVAE.make(
            vae.latent_dim, tuple(config.stage2_hidden) or tuple(config.encoder_hidden)
        ),
        phase1_steps=int(config.phase1_steps),
    )
