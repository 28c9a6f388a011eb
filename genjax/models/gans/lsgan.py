"""Least squares GAN (Mao et al. 2017).

Mao, Li, Xie, Lau, Wang, Smolley, "Least Squares Generative Adversarial Networks", ICCV
2017 (Eq. 2; code: github.com/xudonmao/LSGAN). On the critic's raw (linear) outputs::

    critic:     ½ mean_i (C(x_i) - b)² + ½ mean_j (C(G(z_j)) - a)²
    generator:  ½ mean_j (C(G(z_j)) - c)²

with the targets ``a`` (fake), ``b`` (real) and ``c`` (what the generator wants the
critic to believe) as fields: ``0, 1, 1`` by default (Eq. 9's alternative, the one the
paper's experiments use) or ``-1, 1, 0`` (``b - c = 1``, ``b - a = 2``: minimising the
Pearson χ² divergence of ``p_data + p_g`` from ``2 p_g``, Sec. 3.2.2), e.g.
``--config.model.a=-1 --config.model.c=0``.

Defaults: the paper's networks are DCGAN-like convnets for LSUN and CIFAR-10 (Adam 2e-4,
b1 = 0.5, batch 64) and it gives no MNIST setting; here, as the other GANs, z ~
U[-1, 1]^100, MLPs 100-256-512-784 and 784-512-256-1 (LeakyReLU 0.2), Adam 2e-4 (b1 =
0.5), one critic update per generator update. ``network="conv"`` gives DCGAN's networks.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import ml_collections

from genjax.models.gans.gan import GAN_NETWORK_DEFAULTS, CriticLossGAN, gan_kwargs

DEFAULTS: dict[str, Any] = {**GAN_NETWORK_DEFAULTS, "a": 0.0, "b": 1.0, "c": 1.0}


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True, kw_only=True)
class LSGAN(CriticLossGAN):
    """LSGAN with targets ``ls_targets = (a, b, c)``; players ``("critic", "generator")``."""

    kind: str = "ls"


def build(config: ml_collections.ConfigDict, input_shape: tuple[int, ...]) -> LSGAN:
    a, b, c = float(config.a), float(config.b), float(config.c)
    if a == b:
        raise ValueError(f"a={a} and b={b} must differ: the critic must tell fake from real")
    return LSGAN(ls_targets=(a, b, c), **gan_kwargs(config, input_shape))
