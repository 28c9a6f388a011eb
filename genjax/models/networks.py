"""What every model family shares about its networks: the shared config fields, networks
built from them, applying a flax module with its batch-norm state, and the output
activation that maps network outputs to data space.

Used by `genjax.models.autoencoders` and `genjax.models.gans` alike.
"""

from __future__ import annotations

from typing import Any

import flax.linen as nn
import jax
import ml_collections

from genjax import nn as gnn

OUTPUT_ACTIVATIONS = ("sigmoid", "identity")
NETWORKS = ("mlp", "conv")

# Fields every model's config has (see `genjax.models.default_model_config`).
NETWORK_DEFAULTS: dict[str, Any] = {
    "latent_dim": 8,
    # "mlp" works on any input shape; "conv" (DCGAN, as in the WAE paper) needs [h, w, c].
    "network": "mlp",
    "encoder_hidden": (512,),
    "decoder_hidden": (512,),
    "conv_channels": (128, 256, 512, 1024),
    # How convolutions are computed: "auto" (matrix products on a CPU, XLA's own
    # convolution on accelerators), "matmul" or "xla" (see genjax.nn.conv_impl).
    "conv_impl": "auto",
    "upsampling": "transpose",
    "resize_method": "nearest",
    # Maps decoder outputs to data space: "sigmoid" for data in [0, 1].
    "output_activation": "sigmoid",
}


# --- applying flax modules ---------------------------------------------------------


def init_module(module: nn.Module, key: jax.Array, *args) -> tuple[Any, dict]:
    """``(params, state)`` of ``module`` for example inputs ``args``; ``state`` holds the
    non-trained collections (``{"batch_stats": ...}``, or ``{}`` for none)."""
    variables = dict(module.init(key, *args, train=False))
    params = variables.pop("params", {})
    return params, variables


def apply_module(
    module: nn.Module, params: Any, state: dict, *args, train: bool
) -> tuple[jax.Array, dict]:
    """``(output, new_state)``. In train mode batch norm normalises with the batch's
    statistics and the running averages in the new state are updated; in eval mode it
    uses the running averages and the state is returned unchanged."""
    variables = {"params": params, **state}
    if train and state:
        out, updates = module.apply(variables, *args, train=True, mutable=list(state))
        return out, {**state, **updates}
    return module.apply(variables, *args, train=train), state


# --- output activation --------------------------------------------------------------


def to_data_space(logits: jax.Array, output_activation: str) -> jax.Array:
    """Decoder pre-activations -> data space (Bernoulli means for "sigmoid")."""
    if output_activation == "sigmoid":
        return jax.nn.sigmoid(logits)
    if output_activation == "identity":
        return logits
    raise ValueError(
        f"output_activation={output_activation!r}; expected one of {OUTPUT_ACTIVATIONS}"
    )


# --- networks from a config ----------------------------------------------------------


def check_choices(config: ml_collections.ConfigDict) -> None:
    """ValueError naming the field when a shared option is not one of its choices."""
    choices = {
        "network": NETWORKS,
        "upsampling": gnn.UPSAMPLINGS,
        "resize_method": gnn.RESIZE_METHODS,
        "output_activation": OUTPUT_ACTIVATIONS,
        "conv_impl": gnn.CONV_IMPLS,
    }
    for field, allowed in choices.items():
        if config[field] not in allowed:
            raise ValueError(f"{field}={config[field]!r}; expected one of {allowed}")


def make_encoder(config: ml_collections.ConfigDict, input_shape, features: int) -> nn.Module:
    check_choices(config)
    if config.network == "mlp":
        return gnn.MLPEncoder(features=features, hidden=tuple(config.encoder_hidden))
    if config.network == "conv":
        _check_image_shape(input_shape)
        return gnn.ConvEncoder(
            features=features, channels=tuple(config.conv_channels), impl=config.conv_impl
        )
    raise ValueError(f"network={config.network!r}; expected one of {NETWORKS}")


def make_decoder(config: ml_collections.ConfigDict, input_shape) -> nn.Module:
    if config.network == "mlp":
        return gnn.MLPDecoder(output_shape=tuple(input_shape), hidden=tuple(config.decoder_hidden))
    if config.network == "conv":
        _check_image_shape(input_shape)
        return gnn.ConvDecoder(
            output_shape=tuple(input_shape),
            channels=tuple(reversed(tuple(config.conv_channels))),
            upsampling=config.upsampling,
            resize_method=config.resize_method,
            impl=config.conv_impl,
        )
    raise ValueError(f"network={config.network!r}; expected one of {NETWORKS}")


# --- GAN networks ---------------------------------------------------------------------
#
# A GAN reads the shared fields too: ``decoder_hidden`` sizes the generator's MLP,
# ``encoder_hidden`` the critic's, ``conv_channels`` the DCGAN discriminator's widths
# (the generator uses them reversed). ``network="conv"`` gives the DCGAN networks of
# `genjax.nn.dcgan`, not the autoencoders' conv nets.


def make_generator(config: ml_collections.ConfigDict, input_shape) -> nn.Module:
    """``z: [b, latent_dim] -> [b, *input_shape]`` logits: an MLP (ReLU) or DCGAN's."""
    network = _gan_network(config)
    if network == "mlp":
        return gnn.MLPDecoder(output_shape=tuple(input_shape), hidden=tuple(config.decoder_hidden))
    _check_image_shape(input_shape)
    return gnn.DCGANGenerator(
        output_shape=tuple(input_shape),
        channels=tuple(config.conv_channels),
        impl=config.get("conv_impl", "auto"),
    )


def make_critic(config: ml_collections.ConfigDict, input_shape, *, normalization="batch"):
    """``x: [b, *input_shape] -> [b]`` logits: an MLP (LeakyReLU 0.2, no normalisation)
    or DCGAN's discriminator with ``normalization`` ("batch", "layer" or "none")."""
    network = _gan_network(config)
    if network == "mlp":
        return gnn.MLPDiscriminator(hidden=tuple(config.encoder_hidden))
    _check_image_shape(input_shape)
    return gnn.DCGANDiscriminator(
        channels=tuple(config.conv_channels),
        normalization=normalization,
        impl=config.get("conv_impl", "auto"),
    )


def _gan_network(config) -> str:
    network = config.network
    if network not in NETWORKS:
        raise ValueError(f"network={network!r}; expected one of {NETWORKS}")
    if config.output_activation not in OUTPUT_ACTIVATIONS:
        raise ValueError(
            f"output_activation={config.output_activation!r}; expected one of {OUTPUT_ACTIVATIONS}"
        )
    return network


def _check_image_shape(input_shape) -> None:
    if len(input_shape) != 3:
        raise ValueError(
            f"network='conv' needs images of shape (h, w, c), got input_shape={input_shape}; "
            "use network='mlp' for vectors"
        )
