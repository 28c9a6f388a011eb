"""Wasserstein autoencoders: WAE-MMD and WAE-GAN.

Tolstikhin, Bousquet, Gelly, Schölkopf, "Wasserstein Auto-Encoders", ICLR 2018;
reference code github.com/tolstikhin/wae (``wae.py``: ``mmd_penalty``, ``gan_penalty``,
``reconstruction_loss``; ``configs.py``: the MNIST settings used as defaults here).

Both minimise ``rec + lambda_ * D_Z(Q_Z, P_Z)`` over a deterministic encoder, with
``P_Z = N(0, I)`` and the cost of the code's ``"l2sq"`` option::

    rec = 0.05 * mean_i Σ_j (x_ij - x_hat_ij)²     (rec_scale = 0.05, rec_reduction="sum")

WAE-MMD (one player)::

    loss = rec + lambda_ * MMD²_k(z, z_p),   z_p ~ N(0, I), as many as the batch

with the unbiased estimator and the multi-scale inverse multiquadratic kernel
``k(x, y) = Σ_s C_s / (C_s + ‖x - y‖²)``, ``C_s = 2 d s``, s in (0.1, ..., 10)
(`genjax.divergences.mmd`); lambda_ = 10 (the paper's MNIST value).

WAE-GAN (two players, see `genjax.models.autoencoders._latent_adversarial`): ``D_Z`` is
estimated by a latent critic (MNIST: 4 ReLU layers of 512); the encoder minimises
``lambda_ * mean -log D(z)`` (non-saturating) and the critic
``lambda_ * (mean -log D(z_p) + mean -log(1 - D(z)))``, both as in the code.
lambda_ = 1 (the paper's WAE-GAN value).

The paper's MNIST networks are the DCGAN conv nets of `genjax.nn.conv`
(``network="conv"``); the default here is the MLP, fast on a laptop CPU.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import ml_collections

from genjax import divergences
from genjax import nn as gnn
from genjax.models.autoencoders._common import (
    NETWORK_DEFAULTS,
    REC_DEFAULTS,
    Autoencoder,
    autoencoder_kwargs,
)
from genjax.models.autoencoders._latent_adversarial import LatentAdversarialAutoencoder

MMD_KERNELS = ("imq", "rbf")
WAE_SCALES = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)

_WAE_COMMON: dict[str, Any] = {
    **NETWORK_DEFAULTS,
    **REC_DEFAULTS,
    "latent_dim": 8,
    "rec_scale": 0.05,
}
MMD_DEFAULTS: dict[str, Any] = {
    **_WAE_COMMON,
    "lambda_": 10.0,
    "mmd_kernel": "imq",
    "mmd_scales": WAE_SCALES,
}
GAN_DEFAULTS: dict[str, Any] = {
    **_WAE_COMMON,
    "lambda_": 1.0,
    "critic_hidden": (512, 512, 512, 512),
}


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True, kw_only=True)
class WAEMMD(Autoencoder):
    """WAE-MMD; metrics ``{"loss", "rec", "mmd"}``. The key draws the prior sample."""

    lambda_: float = 10.0
    mmd_kernel: str = "imq"
    mmd_scales: tuple[float, ...] = WAE_SCALES

    def mmd(self, z, z_prior):
        return divergences.mmd(z, z_prior, kernel=self.mmd_kernel, scales=self.mmd_scales)

    def loss(self, player, params, state, x, key):
        if player != "autoencoder":
            raise ValueError(f"player={player!r}; WAEMMD has players {self.players}")
        z, _, _, enc_state = self.codes(params, state, x, None, train=True)
        logits, dec_state = self.decoder_logits(params, state, z, train=True)
        rec = self.rec_cost(x, logits)
        mmd = self.mmd(z, self.sample_prior(key, x.shape[0], z.dtype))
        loss = rec + self.lambda_ * mmd
        new_state = {**state, "encoder": enc_state, "decoder": dec_state}
        return loss, ({"loss": loss, "rec": rec, "mmd": mmd}, new_state)

    def code_metrics(self, params, state, z, key):
        return {"mmd": self.mmd(z, self.sample_prior(key, z.shape[0], z.dtype))}


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True, kw_only=True)
class WAEGAN(LatentAdversarialAutoencoder):
    """WAE-GAN; players ``("autoencoder", "critic")``, metrics ``{"loss", "rec",
    "match"}`` and ``{"loss", "gan", "d_prior", "d_codes"}``."""

    scale_critic_loss: bool = True


def build_mmd(config: ml_collections.ConfigDict, input_shape: tuple[int, ...]) -> WAEMMD:
    if config.mmd_kernel not in MMD_KERNELS:
        raise ValueError(f"mmd_kernel={config.mmd_kernel!r}; expected one of {MMD_KERNELS}")
    return WAEMMD(
        **autoencoder_kwargs(config, input_shape),
        lambda_=float(config.lambda_),
        mmd_kernel=str(config.mmd_kernel),
        mmd_scales=tuple(float(s) for s in config.mmd_scales),
    )


def build_gan(config: ml_collections.ConfigDict, input_shape: tuple[int, ...]) -> WAEGAN:
    return WAEGAN(
        **autoencoder_kwargs(config, input_shape),
        critic=gnn.MLPCritic(hidden=tuple(config.critic_hidden)),
        lambda_=float(config.lambda_),
    )
