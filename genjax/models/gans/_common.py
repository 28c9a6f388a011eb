"""What the GAN families share: a generator from noise to data space, a critic, and the
`GenerativeAdversarial` base class implementing the `genjax.models.base.Model` contract
(init, sample, evaluate) for them; each family file adds its losses.

Players, updated in this order in a step: ``"critic"`` (the critic's networks), then
``"generator"``. A critic with ``n_critic > 1`` takes that many updates per step, each
on its own real batch (`genjax.training.step.update_players`).

Gradient isolation, so that each loss is correct whichever parameters it is
differentiated against: the critic's loss sees generated samples through
``stop_gradient``; the generator's loss sees the critic's parameters through
``stop_gradient``. Batch-norm statistics of the generator are updated by the generator
player only, the critic's by the critic player only.

Noise: ``z ~ N(0, I)`` of ``latent_dim`` by default (``noise="uniform"``: U[-1, 1], as
in the DCGAN and BEGAN papers).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import ClassVar

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections

from genjax.models.networks import apply_module, init_module, make_decoder, to_data_space

NOISES = ("normal", "uniform")


def critic_schedule(step, *, n_critic: int, warmup_updates: int, warmup_steps: int,
                    every: int) -> jax.Array:  # fmt: skip
    """Critic updates before generator update ``step`` (traced int32): the official WGAN
    code's ``Diters``, also used by MMD-GAN: ``max(n_critic, warmup_updates)`` while
    ``step < warmup_steps`` or ``step % every == 0``, else ``n_critic``
    (``warmup_updates <= 0`` turns the warm-up off).

    >>> [int(critic_schedule(t, n_critic=5, warmup_updates=100, warmup_steps=25, every=500))
    ...  for t in (0, 24, 25, 499, 500, 501)]
    [100, 100, 5, 5, 100, 5]
    """
    if warmup_updates <= 0:
        return jnp.asarray(n_critic, jnp.int32)
    step = jnp.asarray(step, jnp.int32)
    warm = (step < warmup_steps) | (step % every == 0)
    return jnp.where(warm, max(n_critic, warmup_updates), n_critic).astype(jnp.int32)


@dataclasses.dataclass(frozen=True, kw_only=True)
class GenerativeAdversarial:
    """A generator ``z: [b, latent_dim] -> logits [b, *input_shape]`` (mapped to data
    space by ``output_activation``) and a critic ``x -> [b]`` (or any output its family's
    loss reads). Parameters and state: ``{"generator": ..., "critic": ...}``.

    Subclasses define ``critic_loss(params, state, x, key)`` and
    ``generator_loss(params, state, x, key)``, each returning
    ``(loss, (metrics, new_state))``; ``loss`` dispatches on the player.
    """

    latent_dim: int
    input_shape: tuple[int, ...]
    generator: nn.Module
    critic: nn.Module
    output_activation: str = "sigmoid"
    noise: str = "normal"
    n_critic: int = 1

    players: ClassVar[tuple[str, ...]] = ("critic", "generator")

    @property
    def player_networks(self) -> Mapping[str, tuple[str, ...]]:
        return {"critic": ("critic",), "generator": ("generator",)}

    @property
    def player_updates(self) -> Mapping[str, int]:
        return {"critic": int(self.n_critic), "generator": 1}

    # -- initialisation

    def init(self, key: jax.Array, x: jax.Array) -> tuple[dict, dict]:
        # One compilation for every network (see `Autoencoder.init`).
        return jax.jit(self.init_variables)(key, x)

    def init_variables(self, key: jax.Array, x: jax.Array) -> tuple[dict, dict]:
        """`init` without the jit; subclasses with more networks extend this."""
        k_gen, k_critic = jax.random.split(key)
        z = jnp.zeros((x.shape[0], self.latent_dim), x.dtype)
        gen_params, gen_state = init_module(self.generator, k_gen, z)
        critic_params, critic_state = init_module(self.critic, k_critic, x)
        return (
            {"generator": gen_params, "critic": critic_params},
            {"generator": gen_state, "critic": critic_state},
        )

    # -- forward passes

    def sample_noise(self, key: jax.Array, n: int, dtype=jnp.float32) -> jax.Array:
        """``[n, latent_dim]`` draws of the generator's noise distribution."""
        if self.noise == "normal":
            return jax.random.normal(key, (n, self.latent_dim), dtype)
        if self.noise == "uniform":
            return jax.random.uniform(key, (n, self.latent_dim), dtype, -1.0, 1.0)
        raise ValueError(f"noise={self.noise!r}; expected one of {NOISES}")

    # The Autoencoder's name for the same thing, used by the evaluation's sample figures.
    sample_prior = sample_noise

    def generate(self, params, state, z: jax.Array, *, train: bool):
        """``(x_fake [b, *input_shape] in data space, new_generator_state)``."""
        logits, gen_state = apply_module(
            self.generator, params["generator"], state["generator"], z, train=train
        )
        return to_data_space(logits, self.output_activation), gen_state

    def fake_batch(self, params, state, key, n: int, dtype, *, train: bool):
        """``(x_fake [n, *input_shape], new_generator_state)`` from fresh noise."""
        return self.generate(params, state, self.sample_noise(key, n, dtype), train=train)

    def critic_outputs(self, critic_params, state, x: jax.Array, *, train: bool):
        """``(outputs, new_critic_state)`` of the critic on ``x: [b, *input_shape]``."""
        return apply_module(self.critic, critic_params, state["critic"], x, train=train)

    def real_and_fake(self, critic_fn, critic_params, state, x, x_fake, *, train: bool):
        """``(out_real, out_fake, new_critic_state)``: ``critic_fn(critic_params, state, v,
        train=train) -> (out, new_critic_state)`` (`critic_outputs` or a family's view of
        it) on the real batch, then on the generated one from the state the first call
        left. Two calls, as the DCGAN code: batch norm normalises each batch on its own."""
        real, critic_state = critic_fn(critic_params, state, x, train=train)
        fake, critic_state = critic_fn(
            critic_params, {**state, "critic": critic_state}, x_fake, train=train
        )
        return real, fake, critic_state

    # -- the contract

    def loss(self, player, params, state, x, key):
        if player == "critic":
            return self.critic_loss(params, state, x, key)
        if player == "generator":
            return self.generator_loss(params, state, x, key)
        raise ValueError(f"player={player!r}; {type(self).__name__} has players {self.players}")

    def critic_loss(self, params, state, x, key):
        raise NotImplementedError

    def generator_loss(self, params, state, x, key):
        raise NotImplementedError

    def sample(self, params, state, key: jax.Array, n: int) -> jax.Array:
        return self.generate(params, state, self.sample_noise(key, n), train=False)[0]

    def evaluate(self, params, state, x: jax.Array, key: jax.Array) -> dict[str, jax.Array]:
        """The critic's view of held-out data ``x`` against as many samples (eval mode):
        the family's critic loss terms computed without updating any state."""
        _, (metrics, _) = self.critic_loss(params, state, x, key)
        return metrics


def adversarial_kwargs(config: ml_collections.ConfigDict, input_shape, *, critic: nn.Module):
    """The `GenerativeAdversarial` fields of a family with a `make_decoder` generator
    (EBGAN, BEGAN, InfoGAN, MMD-GAN) and the given ``critic``, read from ``config``."""
    return dict(
        latent_dim=int(config.latent_dim),
        input_shape=input_shape,
        generator=make_decoder(config, input_shape),
        critic=critic,
        output_activation=config.output_activation,
        noise=config.noise,
        n_critic=int(config.n_critic),
    )
