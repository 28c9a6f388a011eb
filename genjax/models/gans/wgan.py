"""Wasserstein GAN with weight clipping (Arjovsky et al. 2017) and with a gradient penalty
(WGAN-GP, Gulrajani et al. 2017).

Both minimise the Kantorovich-Rubinstein estimate of the Wasserstein-1 distance::

    critic:     mean_j C(G(z_j)) - mean_i C(x_i)   (+ lambda_gp · penalty for WGAN-GP)
    generator:  -mean_j C(G(z_j))

on the critic's raw outputs, with n_critic critic updates per generator update, each on
its own real batch (`genjax.training.step.update_players`). The critic's ``adversarial``
metric is minus the distance estimate.

WGAN: Arjovsky, Chintala, Bottou, "Wasserstein Generative Adversarial Networks", ICML
2017, Algorithm 1; official code github.com/martinarjovsky/WassersteinGAN (``main.py``).
The critic stays (roughly) Lipschitz by clipping every weight into [-c, c], c = 0.01,
after each critic update: the optimiser field ``optim.critic.weight_clip``
(`genjax.training.optim.clip_params`; ``experiments/wgan.py`` sets it: a WGAN trained
without it has an unconstrained critic). RMSprop 5e-5 for both players, n_critic = 5,
batch 64, z ~ N(0, I)^100. The official schedule (``Diters``): 100 critic updates for
each of the first 25 generator updates and for every 500th, else n_critic
(`WGAN.num_updates`; ``warmup_critic_updates=0`` turns it off). The official code clamps
before each critic update rather than after; the difference is the last update's
overshoot, seen by one generator update.

WGAN-GP: Gulrajani, Ahmed, Arjovsky, Dumoulin, Courville, "Improved Training of
Wasserstein GANs", NeurIPS 2017, Algorithm 1; official code
github.com/igul222/improved_wgan_training (``gan_mnist.py``). No clipping; the critic's
loss adds ``lambda_gp · mean_i (‖∇C(x̂_i)‖₂ - 1)²`` at per-example random interpolates
``x̂_i = ε_i x_i + (1 - ε_i) G(z_i)`` (`genjax.models.adversarial.gradient_penalty`),
lambda_gp = 10, n_critic = 5, Adam 1e-4 (b1 = 0.5, b2 = 0.9), z ~ N(0, I)^128 (the
official MNIST settings; batch 50 there). The critic must score each example on its
own, so it has no batch norm: the MLP critic has none, and the DCGAN critic
(``network="conv"``) takes ``critic_normalization`` "none" (the official MNIST critic)
or "layer" (the paper's Sec. 4 recommendation).

Defaults here: MLPs as the other GANs (generator z-256-512-784, critic 784-512-256-1
with LeakyReLU 0.2), not the official conv nets, for CPU budgets; batch 64 in the
configs, as Lucic et al. 2018 used for every model.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import ml_collections

from genjax.models.adversarial import gradient_penalty
from genjax.models.gans._common import critic_schedule
from genjax.models.gans.gan import GAN_NETWORK_DEFAULTS, CriticLossGAN, gan_kwargs

DEFAULTS: dict[str, Any] = {
    **GAN_NETWORK_DEFAULTS,
    "noise": "normal",
    "n_critic": 5,
    "warmup_critic_updates": 100,
    "warmup_generator_steps": 25,
    "critic_refresh_every": 500,
}
GP_DEFAULTS: dict[str, Any] = {
    **GAN_NETWORK_DEFAULTS,
    "latent_dim": 128,
    "noise": "normal",
    "n_critic": 5,
    "lambda_gp": 10.0,
    "critic_normalization": "none",
}


def official_critic_updates(generator_step: int, *, n_critic: int = 5) -> int:
    """The official WGAN code's ``Diters`` before generator update ``generator_step``
    (0-based): ``100 if generator_step < 25 or generator_step % 500 == 0 else n_critic``.

    >>> [official_critic_updates(t) for t in (0, 24, 25, 499, 500, 501)]
    [100, 100, 5, 5, 100, 5]
    """
    return 100 if generator_step < 25 or generator_step % 500 == 0 else n_critic


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True, kw_only=True)
class WGAN(CriticLossGAN):
    """WGAN; the critic's weight clipping is its optimiser's (``weight_clip``)."""

    kind: str = "wasserstein"
    warmup_critic_updates: int = 100
    warmup_generator_steps: int = 25
    critic_refresh_every: int = 500

    @property
    def player_updates(self) -> Mapping[str, int]:
        return {"critic": max(self.n_critic, self.warmup_critic_updates), "generator": 1}

    def num_updates(self, player: str, step: jax.Array) -> jax.Array:
        """Critic updates in step ``step`` (the number of generator updates done so far):
        ``warmup_critic_updates`` while ``step < warmup_generator_steps`` or ``step`` is a
        multiple of ``critic_refresh_every``, else ``n_critic`` (`official_critic_updates`
        with the defaults); 1 for the generator. Traced: ``step`` is an int32 array."""
        if player != "critic":
            return jnp.ones((), jnp.int32)
        return critic_schedule(
            step,
            n_critic=self.n_critic,
            warmup_updates=self.warmup_critic_updates,
            warmup_steps=self.warmup_generator_steps,
            every=self.critic_refresh_every,
        )


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True, kw_only=True)
class WGANGP(CriticLossGAN):
    """WGAN-GP: the Wasserstein losses plus ``lambda_gp`` times the gradient penalty."""

    kind: str = "wasserstein"
    lambda_gp: float = 10.0

    def critic_penalty(self, critic_params, state, x, x_fake, key, *, train: bool):
        def critic_fn(x_hat):  # [b, ...] -> [b], each example on its own (no batch norm)
            return self.critic_outputs(critic_params, state, x_hat, train=train)[0]

        penalty = gradient_penalty(critic_fn, x, x_fake, key)
        return self.lambda_gp * penalty, {"penalty": penalty}


def build(config: ml_collections.ConfigDict, input_shape: tuple[int, ...]) -> WGAN:
    for field in ("warmup_critic_updates", "warmup_generator_steps", "critic_refresh_every"):
        if int(config[field]) < 0 or (field == "critic_refresh_every" and int(config[field]) < 1):
            raise ValueError(f"{field}={config[field]} must be positive")
    return WGAN(
        warmup_critic_updates=int(config.warmup_critic_updates),
        warmup_generator_steps=int(config.warmup_generator_steps),
        critic_refresh_every=int(config.critic_refresh_every),
        **gan_kwargs(config, input_shape),
    )


def build_gp(config: ml_collections.ConfigDict, input_shape: tuple[int, ...]) -> WGANGP:
    if config.critic_normalization not in ("none", "layer"):
        raise ValueError(
            f"critic_normalization={config.critic_normalization!r}; expected 'none' or "
            "'layer' (batch norm would couple the examples the penalty treats one by one)"
        )
    if float(config.lambda_gp) < 0:
        raise ValueError(f"lambda_gp={config.lambda_gp} must be >= 0")
    return WGANGP(
        lambda_gp=float(config.lambda_gp),
        **gan_kwargs(config, input_shape, normalization=str(config.critic_normalization)),
    )
