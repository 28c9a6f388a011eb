"""The autoencoder critic shared by EBGAN, BEGAN and MMD-GAN: an encoder ``x -> h`` and a
decoder ``h -> x̂``, one network (``params["critic"] = {"encoder": ..., "decoder": ...}``)
owned by the critic player. Each family reads what it needs: EBGAN and BEGAN an
energy of the reconstruction ``x̂``, MMD-GAN the code ``h`` (kernel features) and
``x̂`` (its autoencoding regulariser).

Built from the shared network fields (`genjax.models.networks`) with the critic's own
widths: ``critic_hidden`` (MLP encoder widths; the decoder uses them reversed) and
``critic_code_dim`` (``h``). The conv network uses ``conv_channels`` for both halves.

`AutoencoderCriticGAN` holds what the three families' losses share: the critic player's
two passes (real, then a generated batch through ``stop_gradient``) and the generator
player's batch with the critic's parameters through ``stop_gradient``.
"""

from __future__ import annotations

import dataclasses

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections

from genjax.models.gans._common import GenerativeAdversarial
from genjax.models.networks import make_decoder, make_encoder, to_data_space


class AutoencoderCritic(nn.Module):
    """``x: [b, *shape] -> (h [b, code_dim], logits [b, *shape])``: the code and the
    decoder's pre-activations of the reconstruction."""

    encoder: nn.Module
    decoder: nn.Module

    def __call__(self, x: jax.Array, train: bool = False):
        h = self.encoder(x, train)
        return h, self.decoder(h, train)


def make_ae_critic(config: ml_collections.ConfigDict, input_shape) -> AutoencoderCritic:
    """An `AutoencoderCritic` with ``config.critic_hidden`` widths (reversed for the
    decoder) and a code of ``config.critic_code_dim``."""
    if int(config.critic_code_dim) < 1:
        raise ValueError(f"critic_code_dim={config.critic_code_dim} must be at least 1")
    widths = ml_collections.ConfigDict(config.to_dict())
    widths.encoder_hidden = tuple(config.critic_hidden)
    widths.decoder_hidden = tuple(reversed(tuple(config.critic_hidden)))
    return AutoencoderCritic(
        encoder=make_encoder(widths, input_shape, int(config.critic_code_dim)),
        decoder=make_decoder(widths, input_shape),
    )


def per_example(values: jax.Array) -> jax.Array:
    """``[b, ...] -> [b, d]`` (flattened per example)."""
    return values.reshape(values.shape[0], -1)


def squared_error(x: jax.Array, x_hat: jax.Array) -> jax.Array:
    """``‖x_i - x̂_i‖²`` summed over pixels, per example: ``[b]``."""
    return jnp.sum(jnp.square(per_example(x - x_hat)), axis=1)


@dataclasses.dataclass(frozen=True, kw_only=True)
class AutoencoderCriticGAN(GenerativeAdversarial):
    """A `GenerativeAdversarial` whose critic is an `AutoencoderCritic`; subclasses
    define the losses from `critic_passes` and `generator_pass`."""

    @property
    def reconstruction_activation(self) -> str:
        """The map of the critic decoder's logits to its reconstruction ``x̂``: the
        generator's ``output_activation`` unless a family says otherwise (BEGAN)."""
        return self.output_activation

    def view(self, v, h, x_hat):
        """What the family reads from the critic's code ``h`` and reconstruction ``x̂`` of
        a batch ``v`` (an energy, features); ``(h, x̂)`` here."""
        del v
        return h, x_hat

    def critic_pass(self, critic_params, state, v, *, train: bool):
        """``(view(v, h, x̂), new_critic_state)`` for the critic's autoencoding ``h, x̂``
        of ``v: [b, *shape]``, ``x̂`` mapped by `reconstruction_activation`."""
        (h, logits), critic_state = self.critic_outputs(critic_params, state, v, train=train)
        return self.view(v, h, to_data_space(logits, self.reconstruction_activation)), critic_state

    def critic_passes(self, params, state, x, key):
        """The critic player's passes in train mode: ``(x_fake, critic_pass of x,
        critic_pass of x_fake, new_critic_state)``, ``x_fake`` as many generated samples
        as ``x`` seen through ``stop_gradient`` (the generator's statistics updates are
        dropped)."""
        x_fake, _ = self.fake_batch(params, state, key, x.shape[0], x.dtype, train=True)
        x_fake = jax.lax.stop_gradient(x_fake)
        real, fake, critic_state = self.real_and_fake(
            self.critic_pass, params["critic"], state, x, x_fake, train=True
        )
        return x_fake, real, fake, critic_state

    def generator_pass(self, params, state, x, key):
        """The generator player's batch in train mode: ``(x_fake, new_generator_state,
        critic_params through stop_gradient)``."""
        x_fake, gen_state = self.fake_batch(params, state, key, x.shape[0], x.dtype, train=True)
        return x_fake, gen_state, jax.lax.stop_gradient(params["critic"])
