"""f-GAN (Nowozin et al. 2016): variational divergence minimisation for any of the six
f-divergences of `genjax.divergences.F_DIVERGENCES`.

Nowozin, Cseke, Tomioka, "f-GAN: Training Generative Neural Samplers using Variational
Divergence Minimization", NeurIPS 2016. With the critic's raw output ``v``, the output
activation ``g_f`` (Table 2) and the conjugate ``f*``, the critic maximises the bound
(Eq. 6)::

    F = mean_i g_f(v(x_i)) - mean_j f*(g_f(v(G(z_j)))) <= D_f(P_data || Q_G)

so ``critic loss = -F``; the generator minimises ``F`` (``non_saturating=False``) or,
by default, maximises ``mean_j g_f(v(G(z_j)))`` (Sec. 3.2, the paper's choice in its
experiments: the same fixed point with stronger early gradients). The divergence is
``--config.model.divergence=`` ``kl``, ``reverse_kl``, ``pearson``,
``squared_hellinger``, ``jensen_shannon`` or ``gan`` (with ``gan`` and the
non-saturating loss this is exactly the NS GAN). The losses themselves are
`genjax.divergences.fgan_losses`.

Defaults: the paper's MNIST experiment (as we read it; we know of no official code) used
z of 100 uniform draws, a generator 1200-1200 with batch norm (ReLU, sigmoid output), a
maxout critic with a linear output, batches of 4096 and Adam. Here, as the
other GANs: z ~ U[-1, 1]^100, the generator 100-256-512-784, the critic 784-512-256-1
(LeakyReLU 0.2), Adam 2e-4 (b1 = 0.5), one critic update per generator update, KL by
default in the model (the paper lists it first; experiments/fgan.py picks Jensen-Shannon,
which trained where KL diverged).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import ml_collections

from genjax.divergences import F_DIVERGENCES
from genjax.models.gans.gan import GAN_NETWORK_DEFAULTS, CriticLossGAN, gan_kwargs

DEFAULTS: dict[str, Any] = {
    **GAN_NETWORK_DEFAULTS,
    "divergence": "kl",
    "non_saturating": True,
}


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True, kw_only=True)
class FGAN(CriticLossGAN):
    """f-GAN for ``divergence``; players ``("critic", "generator")``."""

    kind: str = "fgan"


def build(config: ml_collections.ConfigDict, input_shape: tuple[int, ...]) -> FGAN:
    if config.divergence not in F_DIVERGENCES:
        raise ValueError(
            f"divergence={config.divergence!r}; expected one of {tuple(F_DIVERGENCES)}"
        )
    return FGAN(
        divergence=str(config.divergence),
        non_saturating=bool(config.non_saturating),
        **gan_kwargs(config, input_shape),
    )
