"""The model registry: names, default configs, building, and errors that name the problem."""

import functools
import json

import jax
import jax.numpy as jnp
import ml_collections
import pytest

from genjax.models import (
    AUTOENCODER_NAMES,
    GAN_NAMES,
    MODEL_NAMES,
    build_model,
    default_model_config,
    is_autoencoder,
)

SHARED_FIELDS = {
    "name",
    "latent_dim",
    "network",
    "encoder_hidden",
    "decoder_hidden",
    "conv_channels",
    "upsampling",
    "resize_method",
    "output_activation",
}


def test_names():
    assert AUTOENCODER_NAMES == (
        "ae", "vae", "beta_vae", "wae_mmd", "wae_gan", "aae", "swae", "cwae", "rae"
    )  # fmt: skip
    assert {"gan", "dcgan", "fgan", "lsgan", "wgan", "wgan_gp"} <= set(GAN_NAMES)
    assert MODEL_NAMES == AUTOENCODER_NAMES + GAN_NAMES


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_default_config_is_complete_and_json_friendly(name):
    config = default_model_config(name)
    assert config.name == name and SHARED_FIELDS <= set(config)
    assert json.loads(config.to_json()) == json.loads(json.dumps(config.to_dict()))
    config.lock()  # as run.py locks it: overriding an existing field still works
    config.latent_dim = 5
    model = build_model(config, (28, 28, 1))
    assert model.latent_dim == 5 and model.input_shape == (28, 28, 1)
    assert set(model.player_networks) == set(model.players)


@pytest.mark.parametrize("name", MODEL_NAMES)
@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (64, 64, 3)])
def test_conv_models_map_images_to_images(name, shape):
    """Paper-size conv networks, checked abstractly (shapes only, nothing compiled)."""
    config = default_model_config(name)
    config.network = "conv"
    model = build_model(config, shape)
    x = jax.ShapeDtypeStruct((2, *shape), jnp.float32)
    params, state = jax.eval_shape(model.init, jax.random.key(0), x)
    if not is_autoencoder(model):  # a generator: noise to images
        sample = functools.partial(model.sample, n=2)
        assert jax.eval_shape(sample, params, state, jax.random.key(1)).shape == (2, *shape)
        return
    z = jax.eval_shape(model.encode, params, state, x)
    assert z.shape == (2, config.latent_dim)
    assert jax.eval_shape(model.decode, params, state, z).shape == (2, *shape)


def test_paper_defaults():
    wae = default_model_config("wae_mmd")
    assert (wae.lambda_, wae.rec_scale, wae.latent_dim, wae.mmd_kernel) == (10.0, 0.05, 8, "imq")
    assert default_model_config("wae_gan").lambda_ == 1.0
    assert default_model_config("cwae").encoder_hidden == (200, 200, 200)
    assert default_model_config("beta_vae").beta > 1.0 == default_model_config("vae").beta
    assert default_model_config("swae").num_projections == 50
    assert default_model_config("ae").upsampling == "transpose"


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="known models: ae, vae, beta_vae"):
        default_model_config("vqvae")
    config = default_model_config("ae")
    config.name = "vqvae"
    with pytest.raises(ValueError, match="cwae"):
        build_model(config, (28, 28, 1))


def test_misspelt_and_missing_fields():
    config = default_model_config("wae_mmd").to_dict()
    config["lamda"] = 3.0
    del config["mmd_scales"]
    with pytest.raises(ValueError, match="lamda"):
        build_model(ml_collections.ConfigDict(config), (28, 28, 1))
    del config["lamda"]
    model = build_model(ml_collections.ConfigDict(config), (28, 28, 1))  # missing: default
    assert model.mmd_scales == (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)


@pytest.mark.parametrize(
    "name, field, value, match",
    [
        ("ae", "network", "transformer", "network"),
        ("ae", "upsampling", "deconv", "upsampling"),
        ("ae", "resize_method", "cubic", "resize_method"),
        ("ae", "output_activation", "tanh", "output_activation"),
        ("ae", "rec_loss", "huber", "rec_loss"),
        ("ae", "rec_reduction", "max", "rec_reduction"),
        ("vae", "likelihood", "poisson", "likelihood"),
        ("vae", "output_activation", "identity", "bernoulli"),
        ("swae", "output_activation", "identity", "bernoulli"),
        ("wae_mmd", "mmd_kernel", "laplace", "mmd_kernel"),
        ("cwae", "cost", "additive", "cost"),
        ("cwae", "cw_kernel", "approx", "cw_kernel"),
        ("rae", "decoder_reg", "spectral_norm", "decoder_reg"),
        ("ae", "latent_dim", 0, "latent_dim"),
    ],
)
def test_bad_options(name, field, value, match):
    config = default_model_config(name)
    config[field] = value
    with pytest.raises(ValueError, match=match):
        build_model(config, (28, 28, 1))


def test_conv_needs_images():
    config = default_model_config("ae")
    config.network = "conv"
    with pytest.raises(ValueError, match="network='mlp' for vectors"):
        build_model(config, (784,))
