"""Regularised autoencoder (RAE).

Ghosh, Sajjadi, Vergari, Black, Schölkopf, "From Variational to Deterministic
Autoencoders", ICLR 2020; reference code github.com/ParthaEth/Regularized_autoencoders-RAE-
(``models/rae/loss_functions.py``, ``configurations/config.py``) and pythae
(``models/rae_l2``, ``models/rae_gp``).

Deterministic encoder, one player (the paper's eq. 11)::

    loss = rec + beta * L_z + lambda_ * L_reg
    rec  = mean_i Σ_j (x_ij - x_hat_ij)²
    L_z  = mean_i ½ ‖z_i‖²                                  (the latent L2 penalty)
    L_reg (decoder_reg=):
      "l2":               Σ_θ θ²  over every decoder parameter (RAE-L2, weight decay)
      "gradient_penalty": mean_i ‖∇_z Σ_j x_hat_ij‖²  at z = z_i    (RAE-GP)
      "none":             0                                       (plain RAE)

Defaults beta = 1e-4, lambda_ = 1e-7 (the reference's MNIST RAE-L2 and pythae's defaults).
The reference code averages the squared error over pixels and its latent penalty over
dimensions (mean z²) where the paper and pythae sum; ``rec_reduction="mean"`` gives the
former's reconstruction scale. The gradient penalty follows pythae's one-backward-pass form
``J^T 1`` (the reference differentiates ``Σ x_hat²`` instead); in train mode batch norm
couples the examples, so the gradient of the batch's sum is taken.

The paper samples by fitting a density (e.g. a 10-component GMM) to the training codes
ex post; `sample` here decodes N(0, I) draws, which the latent penalty makes reasonable.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import ml_collections

from genjax.models.autoencoders._common import (
    NETWORK_DEFAULTS,
    REC_DEFAULTS,
    Autoencoder,
    autoencoder_kwargs,
    to_data_space,
)

DECODER_REGS = ("l2", "gradient_penalty", "none")

DEFAULTS: dict[str, Any] = {
    **NETWORK_DEFAULTS,
    **REC_DEFAULTS,
    "latent_dim": 16,
    "beta": 1e-4,
    "lambda_": 1e-7,
    "decoder_reg": "l2",
}


def l2_norm_squared(tree) -> jax.Array:
    """``Σ θ²`` over every leaf of a parameter tree."""
    return sum(jnp.sum(jnp.square(leaf)) for leaf in jax.tree.leaves(tree))


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True, kw_only=True)
class RAE(Autoencoder):
    """RAE; metrics ``{"loss", "rec", "latent_l2", "decoder_reg"}``. The key is unused."""

    beta: float = 1e-4
    lambda_: float = 1e-7
    decoder_reg: str = "l2"

    def _decode_with_penalty(self, params, state, z):
        """``(logits, L_reg, new_decoder_state)`` in train mode."""
        if self.decoder_reg != "gradient_penalty":
            logits, dec_state = self.decoder_logits(params, state, z, train=True)
            if self.decoder_reg == "l2":
                return logits, l2_norm_squared(params["decoder"]), dec_state
            return logits, jnp.zeros((), z.dtype), dec_state

        def x_hat_of(z):
            logits, dec_state = self.decoder_logits(params, state, z, train=True)
            return to_data_space(logits, self.output_activation), (logits, dec_state)

        # One forward pass serves both the reconstruction and the vector-Jacobian product.
        x_hat, vjp, (logits, dec_state) = jax.vjp(x_hat_of, z, has_aux=True)
        (grad_z,) = vjp(jnp.ones_like(x_hat))  # [b, d]: ∇_z Σ_j x_hat_ij
        penalty = jnp.mean(jnp.sum(jnp.square(grad_z), axis=1))
        return logits, penalty, dec_state

    def loss(self, player, params, state, x, key):
        if player != "autoencoder":
            raise ValueError(f"player={player!r}; RAE has players {self.players}")
        del key  # deterministic
        z, _, _, enc_state = self.codes(params, state, x, None, train=True)
        logits, reg, dec_state = self._decode_with_penalty(params, state, z)
        rec = self.rec_cost(x, logits)
        latent_l2 = jnp.mean(0.5 * jnp.sum(jnp.square(z), axis=1))
        loss = rec + self.beta * latent_l2 + self.lambda_ * reg
        new_state = {**state, "encoder": enc_state, "decoder": dec_state}
        metrics = {"loss": loss, "rec": rec, "latent_l2": latent_l2, "decoder_reg": reg}
        return loss, (metrics, new_state)

    def code_metrics(self, params, state, z, key):
        return {"latent_l2": jnp.mean(0.5 * jnp.sum(jnp.square(z), axis=1))}


def build(config: ml_collections.ConfigDict, input_shape: tuple[int, ...]) -> RAE:
    if config.decoder_reg not in DECODER_REGS:
        raise ValueError(f"decoder_reg={config.decoder_reg!r}; expected one of {DECODER_REGS}")
    return RAE(
        **autoencoder_kwargs(config, input_shape),
        beta=float(config.beta),
        lambda_=float(config.lambda_),
        decoder_reg=str(config.decoder_reg),
    )
