"""GAN families (generators without an encoder), one file each; `REGISTRY` maps a model
name to ``(defaults, build)`` for `genjax.models.build_model`. See
`genjax.models.base.Model` for the contract and `genjax.models.adversarial` for the
losses they share."""

from __future__ import annotations

from genjax.models.gans import fgan, gan, lsgan, wgan
from genjax.models.gans.began import BEGAN, BEGAN_DEFAULTS, build_began
from genjax.models.gans.ebgan import EBGAN, EBGAN_DEFAULTS, build_ebgan
from genjax.models.gans.fgan import FGAN
from genjax.models.gans.gan import GAN, CriticLossGAN
from genjax.models.gans.gmmn import GMMN, GMMN_DEFAULTS, build_gmmn
from genjax.models.gans.infogan import INFOGAN_DEFAULTS, InfoGAN, build_infogan
from genjax.models.gans.lsgan import LSGAN
from genjax.models.gans.mmd_gan import MMD_GAN_DEFAULTS, MMDGAN, build_mmd_gan
from genjax.models.gans.wgan import WGAN, WGANGP

REGISTRY: dict = {
    "gan": (gan.DEFAULTS, gan.build),
    "dcgan": (gan.DCGAN_DEFAULTS, gan.build),
    "fgan": (fgan.DEFAULTS, fgan.build),
    "lsgan": (lsgan.DEFAULTS, lsgan.build),
    "wgan": (wgan.DEFAULTS, wgan.build),
    "wgan_gp": (wgan.GP_DEFAULTS, wgan.build_gp),
    "ebgan": (EBGAN_DEFAULTS, build_ebgan),
    "began": (BEGAN_DEFAULTS, build_began),
    "infogan": (INFOGAN_DEFAULTS, build_infogan),
    "gmmn": (GMMN_DEFAULTS, build_gmmn),
    "mmd_gan": (MMD_GAN_DEFAULTS, build_mmd_gan),
}

__all__ = [
    "BEGAN",
    "EBGAN",
    "FGAN",
    "GAN",
    "GMMN",
    "LSGAN",
    "MMDGAN",
    "REGISTRY",
    "WGAN",
    "WGANGP",
    "CriticLossGAN",
    "InfoGAN",
]
