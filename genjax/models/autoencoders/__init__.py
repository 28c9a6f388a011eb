"""Autoencoder families, one file each: ae, vae (and beta-VAE), wae (MMD, GAN), aae,
swae, cwae, rae. Each satisfies `genjax.models.base.Autoencoder`; `REGISTRY` maps a
model name to ``(defaults, build)`` for `genjax.models.build_model`."""

from __future__ import annotations

from genjax.models.autoencoders import (
    aae,
    ae,
    cwae,
    factorvae,
    flexae,
    iaf,
    infovae,
    maskaae,
    rae,
    swae,
    tcvae,
    two_stage_vae,
    vae,
    vamp,
    wae,
)
from genjax.models.autoencoders.aae import AAE
from genjax.models.autoencoders.ae import AE
from genjax.models.autoencoders.cwae import CWAE
from genjax.models.autoencoders.rae import RAE
from genjax.models.autoencoders.swae import SWAE
from genjax.models.autoencoders.vae import VAE
from genjax.models.autoencoders.wae import WAEGAN, WAEMMD

REGISTRY = {
    "ae": (ae.DEFAULTS, ae.build),
    "vae": (vae.DEFAULTS, vae.build),
    "beta_vae": (vae.BETA_DEFAULTS, vae.build),
    "wae_mmd": (wae.MMD_DEFAULTS, wae.build_mmd),
    "wae_gan": (wae.GAN_DEFAULTS, wae.build_gan),
    "aae": (aae.DEFAULTS, aae.build),
    "swae": (swae.DEFAULTS, swae.build),
    "cwae": (cwae.DEFAULTS, cwae.build),
    "rae": (rae.DEFAULTS, rae.build),
    "vamp": (vamp.DEFAULTS, vamp.build),
    "infovae": (infovae.DEFAULTS, infovae.build),
    "beta_tcvae": (tcvae.DEFAULTS, tcvae.build),
    "factorvae": (factorvae.DEFAULTS, factorvae.build),
    "vae_iaf": (iaf.DEFAULTS, iaf.build),
    "two_stage_vae": (two_stage_vae.DEFAULTS, two_stage_vae.build),
    "maskaae": (maskaae.DEFAULTS, maskaae.build),
    "flexae": (flexae.DEFAULTS, flexae.build),
}

__all__ = ["AAE", "AE", "CWAE", "RAE", "REGISTRY", "SWAE", "VAE", "WAEGAN", "WAEMMD"]
