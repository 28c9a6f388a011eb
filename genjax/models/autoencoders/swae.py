"""Sliced-Wasserstein autoencoder (SWAE).

Kolouri, Pope, Martin, Rohde, "Sliced Wasserstein Auto-Encoders", ICLR 2019; reference
code github.com/skolouri/swae (``MNIST_SlicedWassersteinAutoEncoder_*.ipynb``).

Deterministic encoder, one player::

    loss = rec + lambda_ * SW(z, z_p),   z_p ~ N(0, I), as many as the batch
    SW(z, z_p) = (1/L) Σ_l W_p^p(<theta_l, z>, <theta_l, z_p>)   (L = num_projections)

with ``theta_l`` uniform on the unit sphere and ``W_p^p`` between the 1-D projections
computed by sorting (`genjax.divergences.sliced_wasserstein`; p = 2). The reference
notebook's reconstruction is the per-pixel *mean* of binary cross-entropy plus L1
(``rec_loss="bernoulli_l1"``, ``rec_reduction="mean"``), lambda_ = 10 and L = 50; those are
the defaults. (Its prior is a uniform/ring/circle distribution in 2-D; here, as for every
model of the package, it is N(0, I).) The CWAE reference code's SWAE variant instead uses
``rec_loss="squared_error"``, ``rec_reduction="sum"``.

Key: split into ``(k_prior, k_directions)``; the directions are
``divergences.random_directions(k_directions, num_projections, latent_dim)``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import ml_collections

from genjax import divergences
from genjax.models.autoencoders._common import (
    NETWORK_DEFAULTS,
    REC_DEFAULTS,
    Autoencoder,
    autoencoder_kwargs,
)

DEFAULTS: dict[str, Any] = {
    **NETWORK_DEFAULTS,
    **REC_DEFAULTS,
    "latent_dim": 8,
    "rec_loss": "bernoulli_l1",
    "rec_reduction": "mean",
    "lambda_": 10.0,
    "num_projections": 50,
    "sw_p": 2,
}


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True, kw_only=True)
class SWAE(Autoencoder):
    """SWAE; metrics ``{"loss", "rec", "sliced_wasserstein"}``."""

    lambda_: float = 10.0
    num_projections: int = 50
    sw_p: int = 2

    def sliced_wasserstein(self, z, key):
        k_prior, k_directions = jax.random.split(key)
        z_prior = self.sample_prior(k_prior, z.shape[0], z.dtype)
        theta = divergences.random_directions(k_directions, self.num_projections, z.shape[1])
        return divergences.sliced_wasserstein(z, z_prior, directions=theta, p=self.sw_p)

    def loss(self, player, params, state, x, key):
        if player != "autoencoder":
            raise ValueError(f"player={player!r}; SWAE has players {self.players}")
        z, _, _, enc_state = self.codes(params, state, x, None, train=True)
        logits, dec_state = self.decoder_logits(params, state, z, train=True)
        rec = self.rec_cost(x, logits)
        sw = self.sliced_wasserstein(z, key)
        loss = rec + self.lambda_ * sw
        new_state = {**state, "encoder": enc_state, "decoder": dec_state}
        return loss, ({"loss": loss, "rec": rec, "sliced_wasserstein": sw}, new_state)

    def code_metrics(self, params, state, z, key):
        return {"sliced_wasserstein": self.sliced_wasserstein(z, key)}


def build(config: ml_collections.ConfigDict, input_shape: tuple[int, ...]) -> SWAE:
    if int(config.num_projections) < 1:
        raise ValueError(f"num_projections={config.num_projections} must be at least 1")
    return SWAE(
        **autoencoder_kwargs(config, input_shape),
        lambda_=float(config.lambda_),
        num_projections=int(config.num_projections),
        sw_p=int(config.sw_p),
    )
