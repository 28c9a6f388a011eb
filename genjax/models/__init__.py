"""genjax.models: autoencoder and GAN families, one file each, behind one registry.

Every model satisfies `genjax.models.base.Model`; autoencoders (`genjax.models.
autoencoders`) add `encode`/`decode` (`genjax.models.base.Autoencoder`), generators
(`genjax.models.gans`) only sample. Build one from a config::

    config = default_model_config("wae_mmd")   # every field, paper defaults
    config.latent_dim = 16                     # override any field
    model = build_model(config, input_shape=(28, 28, 1))

Fields shared by every model (see `genjax.models.networks.NETWORK_DEFAULTS`):
``name``, ``latent_dim``, ``network`` ("mlp" | "conv"), ``encoder_hidden`` and
``decoder_hidden`` (MLP widths), ``conv_channels`` (encoder widths; the decoder uses them
reversed), ``upsampling`` ("pixel_shuffle" | "resize" | "transpose"), ``resize_method``,
``output_activation`` ("sigmoid" | "identity"). All but the VAEs add ``rec_loss``
("squared_error" | "bernoulli" | "l1" | "bernoulli_l1"), ``rec_reduction`` ("sum" |
"mean" over data dimensions) and ``rec_scale``. Each family's module docstring gives its
loss, its own fields and where its defaults come from.
"""

from __future__ import annotations

from collections.abc import Callable

import ml_collections

from genjax.models import autoencoders, gans
from genjax.models.autoencoders import AAE, AE, CWAE, RAE, SWAE, VAE, WAEGAN, WAEMMD
from genjax.models.base import Autoencoder, Model, is_autoencoder

_REGISTRY: dict[str, tuple[dict, Callable[..., Model]]] = {
    **autoencoders.REGISTRY,
    **gans.REGISTRY,
}
AUTOENCODER_NAMES = tuple(autoencoders.REGISTRY)
GAN_NAMES = tuple(gans.REGISTRY)
MODEL_NAMES = AUTOENCODER_NAMES + GAN_NAMES


def _check_name(name: str) -> None:
    if name not in _REGISTRY:
        raise ValueError(f"unknown model {name!r}; known models: {', '.join(MODEL_NAMES)}")


def default_model_config(name: str) -> ml_collections.ConfigDict:
    """Every field model ``name`` reads, with its paper default (JSON-friendly values)."""
    _check_name(name)
    defaults, _ = _REGISTRY[name]
    return ml_collections.ConfigDict({"name": name, **defaults})


def build_model(config: ml_collections.ConfigDict, input_shape: tuple[int, ...]) -> Model:
    """The model ``config.name`` for examples of shape ``input_shape`` (no batch axis).

    Fields missing from ``config`` take their defaults; a field the model does not read
    (e.g. a misspelling) is a ValueError, as is an unknown name or option.
    """
    name = config.get("name") if hasattr(config, "get") else None
    if name is None:
        raise ValueError(f"config has no 'name'; known models: {', '.join(MODEL_NAMES)}")
    _check_name(name)
    defaults, build = _REGISTRY[name]
    given = config.to_dict() if isinstance(config, ml_collections.ConfigDict) else dict(config)
    unknown = sorted(set(given) - set(defaults) - {"name"})
    if unknown:
        raise ValueError(
            f"unknown field(s) {unknown} for model {name!r}; its fields: {sorted(defaults)}"
        )
    merged = ml_collections.ConfigDict({"name": name, **defaults})
    merged.update(given)
    if "latent_dim" in merged and int(merged.latent_dim) < 1:
        raise ValueError(f"latent_dim={merged.latent_dim} must be at least 1")
    return build(merged, tuple(int(n) for n in input_shape))


__all__ = [
    "AAE",
    "AE",
    "AUTOENCODER_NAMES",
    "Autoencoder",
    "CWAE",
    "GAN_NAMES",
    "MODEL_NAMES",
    "RAE",
    "SWAE",
    "VAE",
    "WAEGAN",
    "WAEMMD",
    "Model",
    "build_model",
    "default_model_config",
    "is_autoencoder",
]
