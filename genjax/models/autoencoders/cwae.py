"""Cramer-Wold autoencoder (CWAE).

Tabor, Knop, Spurek, Podolak, Mazur, Jastrzębski, "Cramer-Wold AutoEncoder" (JMLR 2020,
arXiv:1805.09235); reference code github.com/gmum/cwae (TensorFlow, ``cwae_model.py``:
``rec_error + log(cw)``) and github.com/gmum/cwae-pytorch
(``factories/cost_function_factory.py``: ``rec + lambda * log(cw + 1e-7)``).

Deterministic encoder, one player, no prior sampling: the squared Cramer-Wold distance
between the codes and N(0, I) has a closed form (`genjax.divergences.cw_normality`,
smoothing ``gamma`` by Silverman's rule unless ``cw_gamma`` is set)::

    rec = mean_i Σ_j (x_ij - x_hat_ij)²                       (the references' cost)
    cost="log":             loss = rec + lambda_ * log(cw + 1e-7)
    cost="multiplicative":  loss = log(rec + 1e-7) + lambda_ * log(cw + 1e-7)

The second is the original presentation's cost ``cw · rec`` (for lambda_ = 1), optimised
through its logarithm so that neither factor's scale dominates. lambda_ = 1 as in the
references. MNIST networks of the reference: MLP 784-200-200-200-8 and back, sigmoid output.

``cw_kernel`` picks ``phi_D``: ``"exact"`` (Kummer's 1F1(½; D/2; -s)) or the asymptotic
formula of the reference code (``"asymptotic"``); see `genjax.divergences.cw_kernel`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import ml_collections

from genjax import divergences
from genjax.models.autoencoders._common import (
    NETWORK_DEFAULTS,
    REC_DEFAULTS,
    Autoencoder,
    autoencoder_kwargs,
)

COSTS = ("log", "multiplicative")
CW_KERNELS = ("exact", "asymptotic")
LOG_EPS = 1e-7  # as the PyTorch reference; keeps log finite when a factor reaches 0

DEFAULTS: dict[str, Any] = {
    **NETWORK_DEFAULTS,
    **REC_DEFAULTS,
    "latent_dim": 8,
    "encoder_hidden": (200, 200, 200),
    "decoder_hidden": (200, 200, 200),
    "lambda_": 1.0,
    "cost": "log",
    "cw_kernel": "exact",
    "cw_gamma": None,
}


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True, kw_only=True)
class CWAE(Autoencoder):
    """CWAE; metrics ``{"loss", "rec", "cw_normality", "log_cw"}``. The key is unused."""

    lambda_: float = 1.0
    cost: str = "log"
    cw_kernel: str = "exact"
    cw_gamma: float | None = None

    def cw_normality(self, z):
        return divergences.cw_normality(z, gamma=self.cw_gamma, kernel=self.cw_kernel)

    def loss(self, player, params, state, x, key):
        if player != "autoencoder":
            raise ValueError(f"player={player!r}; CWAE has players {self.players}")
        del key  # the Cramer-Wold distance to N(0, I) is closed-form: nothing to sample
        z, _, _, enc_state = self.codes(params, state, x, None, train=True)
        logits, dec_state = self.decoder_logits(params, state, z, train=True)
        rec = self.rec_cost(x, logits)
        cw = self.cw_normality(z)
        log_cw = jnp.log(cw + LOG_EPS)
        if self.cost == "log":
            loss = rec + self.lambda_ * log_cw
        else:
            loss = jnp.log(rec + LOG_EPS) + self.lambda_ * log_cw
        new_state = {**state, "encoder": enc_state, "decoder": dec_state}
        metrics = {"loss": loss, "rec": rec, "cw_normality": cw, "log_cw": log_cw}
        return loss, (metrics, new_state)

    def code_metrics(self, params, state, z, key):
        return {"cw_normality": self.cw_normality(z)}


def build(config: ml_collections.ConfigDict, input_shape: tuple[int, ...]) -> CWAE:
    if config.cost not in COSTS:
        raise ValueError(f"cost={config.cost!r}; expected one of {COSTS}")
    if config.cw_kernel not in CW_KERNELS:
        raise ValueError(f"cw_kernel={config.cw_kernel!r}; expected one of {CW_KERNELS}")
    gamma = None if config.cw_gamma is None else float(config.cw_gamma)
    return CWAE(
        **autoencoder_kwargs(config, input_shape),
        lambda_=float(config.lambda_),
        cost=str(config.cost),
        cw_kernel=str(config.cw_kernel),
        cw_gamma=gamma,
    )
