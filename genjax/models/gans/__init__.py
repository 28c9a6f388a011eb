"""GAN families (generators without an encoder), one file each; `REGISTRY` maps a model
name to ``(defaults, build)`` for `genjax.models.build_model`. See
`genjax.models.base.Model` for the contract and `genjax.models.adversarial` for the
losses they share."""

from __future__ import annotations

from genjax.models.gans import fgan, gan, lsgan, wgan
from genjax.models.gans.fgan import FGAN
from genjax.models.gans.gan import GAN, CriticLossGAN
from genjax.models.gans.lsgan import LSGAN
from genjax.models.gans.wgan import WGAN, WGANGP

REGISTRY: dict = {
    "gan": (gan.DEFAULTS, gan.build),
    "dcgan": (gan.DCGAN_DEFAULTS, gan.build),
    "fgan": (fgan.DEFAULTS, fgan.build),
    "lsgan": (lsgan.DEFAULTS, lsgan.build),
    "wgan": (wgan.DEFAULTS, wgan.build),
    "wgan_gp": (wgan.GP_DEFAULTS, wgan.build_gp),
}

__all__ = ["FGAN", "GAN", "LSGAN", "REGISTRY", "WGAN", "WGANGP", "CriticLossGAN"]
