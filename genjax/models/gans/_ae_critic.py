"""The autoencoder critic shared by EBGAN, BEGAN and MMD-GAN: an encoder ``x -> h`` and a
decoder ``h -> x̂``, one network (``params["critic"] = {"encoder": ..., "decoder": ...}``)
owned by the critic player. Each family reads what it needs: EBGAN and BEGAN an
energy of the reconstruction ``x̂``, MMD-GAN the code ``h`` (kernel features) and
``x̂`` (its autoencoding regulariser).

Built from the shared network fields (`genjax.models.networks`) with the critic's own
widths: ``critic_hidden`` (MLP encoder widths; the decoder uses them reversed) and
``critic_code_dim`` (``h``). The conv network uses ``conv_channels`` for both halves.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections

from genjax.models.networks import make_decoder, make_encoder


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
