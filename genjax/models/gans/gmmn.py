"""GMMN (Li, Swersky & Zemel, "Generative Moment Matching Networks", ICML 2015): a
generator trained by minimising the kernel MMD between a batch of samples and a batch of
data, in data space (GMMN) or in the code space of an autoencoder (GMMN+AE).

Loss (one player, ``"generator"``), with the biased (V-statistic) MMD² of the authors'
code and the sum of Gaussian kernels ``k(a, b) = Σ_σ exp(-‖a - b‖² / (2σ))`` (their
``sigma`` is a variance: ``gmmn/core/generative.py``, ``GaussianKernelMmdLoss``)::

    L_G = sqrt(MMD²_b(G(z), x))          data space, sigma ∈ {2, 5, 10, 20, 40, 80}
    L_G = sqrt(MMD²_b(G(z), Enc(x)))     code space, sigma = 1; samples are Dec(G(z))

(the code's ``LOSS_NAME_MMDGEN_SQRT_GAUSSIAN``; a ``1e-12`` inside the root keeps the
gradient finite at 0). ``space="code"`` takes its autoencoder from one of two places:

- ``autoencoder_workdir = "<path>"``: a genjax autoencoder run (any registered
  autoencoder); its ``config.json`` builds the model and its latest checkpoint, read
  through `genjax.training.checkpoint` when the GMMN is initialised, gives frozen
  parameters kept in ``state["autoencoder"]`` (so a GMMN checkpoint is self-contained).
  This is the paper's procedure: the autoencoder is trained first, then fixed.
- ``autoencoder_workdir = ""`` (default): the autoencoder is trained in the same run as
  a first player ``"autoencoder"`` (``784-1024-32`` with sigmoid codes and its mirror,
  Bernoulli cross-entropy as in the code, without its dropout and layer-wise
  pre-training), and the generator matches the codes of its current encoder. One command,
  no earlier run, at the price of a moving target early in training.

Defaults (``train.py``, ``mnist_mmd_input_space`` and ``mnist_mmd_code_space``): noise
``z ~ U[-1, 1]`` of ``latent_dim = 10``, generator ``10-64-256-256-1024-out`` with ReLU
and a sigmoid output (data in [0, 1], codes in [0, 1]), batch 1000 (SGD with momentum
in the paper; Adam in our config). The paper's networks are MLPs; ``network="conv"``
gives a DCGAN generator in data space and a DCGAN autoencoder in code space (the code
generator stays an MLP).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections

from genjax import nn as gnn
from genjax.divergences import mmd
from genjax.models.gans._common import NOISES
from genjax.models.networks import (
    NETWORK_DEFAULTS,
    apply_module,
    check_choices,
    init_module,
    make_decoder,
    make_encoder,
    to_data_space,
)

DATA_SIGMAS = (2.0, 5.0, 10.0, 20.0, 40.0, 80.0)
CODE_SIGMAS = (1.0,)
SPACES = ("data", "code")

GMMN_DEFAULTS = {
    **NETWORK_DEFAULTS,
    "latent_dim": 10,
    "decoder_hidden": (64, 256, 256, 1024),
    "encoder_hidden": (1024,),
    "noise": "uniform",
    "space": "data",
    "sigmas": DATA_SIGMAS,
    "code_dim": 32,
    "code_sigmas": CODE_SIGMAS,
    "autoencoder_workdir": "",
}


def gaussian_mmd2(x: jax.Array, y: jax.Array, sigmas=DATA_SIGMAS) -> jax.Array:
    """Biased MMD² with ``k(a, b) = Σ_σ exp(-‖a - b‖² / (2σ))`` (the GMMN code's ``sigma``
    is a variance) between ``x: [n, ...]`` and ``y: [m, ...]``, flattened per example:
    `genjax.divergences.mmd` with ``kernel="rbf"`` at scales ``s = σ / d``.

    >>> import jax.numpy as jnp
    >>> round(float(gaussian_mmd2(jnp.zeros((1, 2)), jnp.ones((1, 2)), (1.0,))), 4)
    1.2642
    """
    x = x.reshape(x.shape[0], -1)
    y = y.reshape(y.shape[0], -1)
    scales = tuple(float(s) / x.shape[1] for s in sigmas)
    return mmd(x, y, kernel="rbf", scales=scales, unbiased=False)


def sqrt_mmd(x, y, sigmas) -> jax.Array:
    """``sqrt(max(MMD²_b, 0) + 1e-12)``, the GMMN loss."""
    return jnp.sqrt(jax.nn.relu(gaussian_mmd2(x, y, sigmas)) + 1e-12)


@dataclasses.dataclass(frozen=True, kw_only=True)
class GMMN:
    """A GMMN in data space, or in the code space of an autoencoder that is trained in
    the run (``autoencoder`` = encoder/decoder modules) or restored from
    ``autoencoder_workdir`` (``pretrained`` = that genjax model)."""

    latent_dim: int
    input_shape: tuple[int, ...]
    generator: nn.Module
    space: str = "data"
    sigmas: tuple[float, ...] = DATA_SIGMAS
    noise: str = "uniform"
    output_activation: str = "sigmoid"
    encoder: nn.Module | None = None
    decoder: nn.Module | None = None
    pretrained: Any = None
    autoencoder_workdir: str = ""

    @property
    def joint(self) -> bool:
        return self.space == "code" and self.pretrained is None

    @property
    def players(self) -> tuple[str, ...]:
        return ("autoencoder", "generator") if self.joint else ("generator",)

    @property
    def player_networks(self) -> Mapping[str, tuple[str, ...]]:
        networks = {"generator": ("generator",)}
        if self.joint:
            networks["autoencoder"] = ("encoder", "decoder")
        return networks

    # -- initialisation

    def init(self, key, x):
        params, state = jax.jit(self.init_variables)(key, x)
        if self.pretrained is not None:
            # Concrete arrays read from disk (constants if this runs under a trace).
            state["autoencoder"] = restore_autoencoder(self.pretrained, self.autoencoder_workdir)
            params["autoencoder"] = {}
        return params, state

    def init_variables(self, key, x):
        k_gen, k_enc, k_dec = jax.random.split(key, 3)
        z = jnp.zeros((x.shape[0], self.latent_dim), x.dtype)
        params, state = {}, {}
        params["generator"], state["generator"] = init_module(self.generator, k_gen, z)
        if self.joint:
            params["encoder"], state["encoder"] = init_module(self.encoder, k_enc, x)
            h = jnp.zeros((x.shape[0], self.encoder.features), x.dtype)
            params["decoder"], state["decoder"] = init_module(self.decoder, k_dec, h)
        return params, state

    # -- forward passes

    def sample_noise(self, key, n: int, dtype=jnp.float32) -> jax.Array:
        if self.noise == "normal":
            return jax.random.normal(key, (n, self.latent_dim), dtype)
        return jax.random.uniform(key, (n, self.latent_dim), dtype, -1.0, 1.0)

    sample_prior = sample_noise

    def generate(self, params, state, z, *, train: bool):
        """``(G(z) in data space or code space, new_generator_state)``."""
        out, gen_state = apply_module(
            self.generator, params["generator"], state["generator"], z, train=train
        )
        activation = "identity" if self.pretrained is not None else self.output_activation
        return to_data_space(out, activation), gen_state

    def codes(self, params, state, x):
        """The autoencoder's codes of ``x`` (the matching target in code space)."""
        if self.pretrained is not None:
            ae = state["autoencoder"]
            return self.pretrained.encode(ae["params"], ae["state"], x)
        h, _ = apply_module(self.encoder, params["encoder"], state["encoder"], x, train=False)
        return jax.nn.sigmoid(h)

    def decode_codes(self, params, state, h):
        if self.pretrained is not None:
            ae = state["autoencoder"]
            return self.pretrained.decode(ae["params"], ae["state"], h)
        logits, _ = apply_module(self.decoder, params["decoder"], state["decoder"], h, train=False)
        return to_data_space(logits, self.output_activation)

    # -- the contract

    def loss(self, player, params, state, x, key):
        if player == "generator":
            return self.generator_loss(params, state, x, key)
        if player == "autoencoder" and self.joint:
            return self.autoencoder_loss(params, state, x, key)
        raise ValueError(f"player={player!r}; this GMMN has players {self.players}")

    def generator_loss(self, params, state, x, key):
        y, gen_state = self.generate(params, state, self.sample_noise(key, x.shape[0], x.dtype),
                                     train=True)  # fmt: skip
        target = x if self.space == "data" else jax.lax.stop_gradient(self.codes(params, state, x))
        mmd2 = gaussian_mmd2(y, target, self.sigmas)
        loss = jnp.sqrt(jax.nn.relu(mmd2) + 1e-12)
        return loss, ({"loss": loss, "mmd2": mmd2}, {**state, "generator": gen_state})

    def autoencoder_loss(self, params, state, x, key):
        """Bernoulli cross-entropy of the reconstruction through sigmoid codes, summed
        over pixels, mean over the batch."""
        del key
        h, enc_state = apply_module(self.encoder, params["encoder"], state["encoder"], x,
                                    train=True)  # fmt: skip
        logits, dec_state = apply_module(
            self.decoder, params["decoder"], state["decoder"], jax.nn.sigmoid(h), train=True
        )
        bce = jax.nn.softplus(logits) - x * logits  # -[x log p + (1 - x) log(1 - p)]
        loss = jnp.mean(jnp.sum(bce.reshape(x.shape[0], -1), axis=1))
        x_hat = to_data_space(logits, self.output_activation)
        rec = jnp.mean(jnp.sum(jnp.square(x - x_hat).reshape(x.shape[0], -1), axis=1))
        new_state = {**state, "encoder": enc_state, "decoder": dec_state}
        return loss, ({"loss": loss, "rec_error": rec}, new_state)

    def sample(self, params, state, key, n: int) -> jax.Array:
        y, _ = self.generate(params, state, self.sample_noise(key, n), train=False)
        return y if self.space == "data" else self.decode_codes(params, state, y)

    def evaluate(self, params, state, x, key) -> dict[str, jax.Array]:
        """MMD² (the training kernel) between held-out ``x`` and as many samples, in
        data space and, for GMMN+AE, in code space."""
        y = self.sample(params, state, key, x.shape[0])
        metrics = {"mmd2_data": gaussian_mmd2(y, x, DATA_SIGMAS)}
        if self.space == "code":
            z = self.sample_noise(key, x.shape[0], x.dtype)
            h, _ = self.generate(params, state, z, train=False)
            metrics["mmd2_code"] = gaussian_mmd2(h, self.codes(params, state, x), self.sigmas)
        return metrics


# -- GMMN+AE from a trained genjax autoencoder ------------------------------------------


def load_autoencoder_config(workdir: str) -> ml_collections.ConfigDict:
    path = os.path.join(workdir, "config.json")
    if not os.path.exists(path):
        raise ValueError(f"autoencoder_workdir={workdir!r} has no config.json (train it first)")
    with open(path) as f:
        return ml_collections.ConfigDict(json.load(f))


def build_pretrained(workdir: str, input_shape):
    """The genjax autoencoder that trained in ``workdir`` (from its config.json)."""
    from genjax.models import build_model, is_autoencoder  # the registry imports this module

    config = load_autoencoder_config(workdir)
    model = build_model(config.model, input_shape)
    if not is_autoencoder(model):
        raise ValueError(
            f"autoencoder_workdir={workdir!r} holds a {config.model.name}, not an autoencoder"
        )
    return model


def restore_autoencoder(model, workdir: str) -> dict:
    """``{"params", "state"}`` of ``model`` from the newest checkpoint in ``workdir``."""
    # A run's checkpoint layout is the trainer's (`genjax.training.checkpoint`), and
    # `training` imports `models`: import it here, when a GMMN+AE is initialised.
    from genjax.training.checkpoint import restore_variables

    try:
        return restore_variables(model, load_autoencoder_config(workdir), workdir)
    except FileNotFoundError as e:
        raise ValueError(f"autoencoder_workdir={workdir!r} has no checkpoint") from e


def build_gmmn(config, input_shape) -> GMMN:
    check_choices(config)
    if config.space not in SPACES:
        raise ValueError(f"space={config.space!r}; expected one of {SPACES}")
    if config.noise not in NOISES:
        raise ValueError(f"noise={config.noise!r}; expected one of {NOISES}")
    common = dict(
        latent_dim=int(config.latent_dim),
        input_shape=input_shape,
        noise=config.noise,
        output_activation=config.output_activation,
    )
    if config.space == "data":
        return GMMN(**common, generator=make_decoder(config, input_shape),
                    sigmas=tuple(float(s) for s in config.sigmas))  # fmt: skip
    sigmas = tuple(float(s) for s in config.code_sigmas)
    if config.autoencoder_workdir:
        workdir = os.path.abspath(config.autoencoder_workdir)
        pretrained = build_pretrained(workdir, input_shape)
        generator = gnn.MLPDecoder((pretrained.latent_dim,), tuple(config.decoder_hidden))
        return GMMN(**common, generator=generator, space="code", sigmas=sigmas,
                    pretrained=pretrained, autoencoder_workdir=workdir)  # fmt: skip
    code_dim = int(config.code_dim)
    if code_dim < 1:
        raise ValueError(f"code_dim={config.code_dim} must be at least 1")
    if config.network == "mlp":  # the decoder mirrors the encoder (decoder_hidden is G's)
        ae_decoder = gnn.MLPDecoder(
            tuple(input_shape), tuple(reversed(tuple(config.encoder_hidden)))
        )
    else:
        ae_decoder = make_decoder(config, input_shape)
    return GMMN(
        **common,
        generator=gnn.MLPDecoder((code_dim,), tuple(config.decoder_hidden)),  # codes: an MLP
        space="code",
        sigmas=sigmas,
        encoder=make_encoder(config, input_shape, code_dim),
        decoder=ae_decoder,
    )
