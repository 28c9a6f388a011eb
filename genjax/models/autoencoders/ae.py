"""Plain deterministic autoencoder: the baseline with no latent regulariser.

Loss (one player, ``"autoencoder"``)::

    loss = rec = rec_scale * mean_i Σ_j c(x_ij, x_hat_ij),   x_hat = σ(D(E(x)))

with ``c`` the squared error by default (as pythae's ``AE``, Chadebec et al. 2022,
github.com/clementchadebec/benchmark_VAE, ``models/ae/ae_model.py``; and the CWAE
reference code's ``ae`` cost, github.com/gmum/cwae-pytorch). Nothing pulls the codes
towards the N(0, I) prior, so `sample` (decoding prior draws) is allowed but expected to
give poor samples; the evaluation module's ex-post density fits are the better sampler.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import ml_collections

from genjax.models.autoencoders._common import (
    NETWORK_DEFAULTS,
    REC_DEFAULTS,
    Autoencoder,
    autoencoder_kwargs,
)

DEFAULTS: dict[str, Any] = {**NETWORK_DEFAULTS, **REC_DEFAULTS, "latent_dim": 16}


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True, kw_only=True)
class AE(Autoencoder):
    """Deterministic autoencoder; metrics ``{"loss", "rec"}``."""

    def loss(self, player, params, state, x, key):
        if player != "autoencoder":
            raise ValueError(f"player={player!r}; AE has players {self.players}")
        del key  # deterministic
        z, _, _, enc_state = self.codes(params, state, x, None, train=True)
        logits, dec_state = self.decoder_logits(params, state, z, train=True)
        rec = self.rec_cost(x, logits)
        new_state = {**state, "encoder": enc_state, "decoder": dec_state}
        return rec, ({"loss": rec, "rec": rec}, new_state)


def build(config: ml_collections.ConfigDict, input_shape: tuple[int, ...]) -> AE:
    return AE(
        **autoencoder_kwargs(config, input_shape),
    )
