"""What the autoencoder families share: reconstruction losses and the `Autoencoder` base
class (networks from a config and applying flax modules: `genjax.models.networks`).

Every family file (ae.py, vae.py, ...) subclasses `Autoencoder` and adds its loss; the
base implements the rest of the `genjax.models.base.Model` contract (init, encode,
decode, sample, evaluate) for one encoder, one decoder and an N(0, I) prior.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections

from genjax.models.networks import (
    NETWORK_DEFAULTS,
    OUTPUT_ACTIVATIONS,
    apply_module,
    init_module,
    make_decoder,
    make_encoder,
    to_data_space,
)

REC_LOSSES = ("squared_error", "bernoulli", "l1", "bernoulli_l1")
REC_REDUCTIONS = ("sum", "mean")
# Reconstruction fields of the models with a reconstruction *cost* (all but the VAEs,
# whose likelihood replaces them).
REC_DEFAULTS: dict[str, Any] = {
    "rec_loss": "squared_error",
    "rec_reduction": "sum",
    "rec_scale": 1.0,
}


# --- reconstruction ----------------------------------------------------------------


def reconstruction_cost(
    x: jax.Array,
    logits: jax.Array,
    *,
    rec_loss: str,
    rec_reduction: str,
    rec_scale: float,
    output_activation: str,
) -> jax.Array:
    """``rec_scale * mean_i R_j c(x_ij, x_hat_ij)``, ``x, logits: [b, *input_shape]``.

    ``R_j`` is the sum (``rec_reduction="sum"``) or mean over the data dimensions j and
    ``x_hat = to_data_space(logits)``. The per-dimension cost ``c`` (``rec_loss``):

    - ``"squared_error"``: ``(x - x_hat)²``;
    - ``"l1"``: ``|x - x_hat|``;
    - ``"bernoulli"``: ``-x log x_hat - (1 - x) log(1 - x_hat)``, computed from the logits
      (sigmoid cross-entropy, stable);
    - ``"bernoulli_l1"``: the sum of the two above, as in the SWAE reference code.
    """
    check_rec_options(rec_loss, rec_reduction, output_activation)
    x_hat = to_data_space(logits, output_activation)
    if rec_loss == "squared_error":
        c = jnp.square(x - x_hat)
    elif rec_loss == "l1":
        c = jnp.abs(x - x_hat)
    else:
        c = bernoulli_nll(x, logits)
        if rec_loss == "bernoulli_l1":
            c = c + jnp.abs(x - x_hat)
    c = c.reshape(c.shape[0], -1)  # [b, D]
    per_example = jnp.sum(c, axis=1) if rec_reduction == "sum" else jnp.mean(c, axis=1)
    return rec_scale * jnp.mean(per_example)


def check_rec_options(rec_loss: str, rec_reduction: str, output_activation: str) -> None:
    """ValueError naming the field when the reconstruction options do not fit."""
    if rec_loss not in REC_LOSSES:
        raise ValueError(f"rec_loss={rec_loss!r}; expected one of {REC_LOSSES}")
    if rec_reduction not in REC_REDUCTIONS:
        raise ValueError(f"rec_reduction={rec_reduction!r}; expected one of {REC_REDUCTIONS}")
    if output_activation not in OUTPUT_ACTIVATIONS:
        raise ValueError(
            f"output_activation={output_activation!r}; expected one of {OUTPUT_ACTIVATIONS}"
        )
    if rec_loss in ("bernoulli", "bernoulli_l1") and output_activation != "sigmoid":
        raise ValueError(f"rec_loss={rec_loss!r} needs output_activation='sigmoid'")


def bernoulli_nll(x: jax.Array, logits: jax.Array) -> jax.Array:
    """Elementwise ``-log Bernoulli(x | sigmoid(logits))`` for ``x`` in [0, 1]:
    ``softplus(l) - x l``, i.e. ``max(l, 0) - x l + log(1 + exp(-|l|))``."""
    return jnp.maximum(logits, 0.0) - x * logits + jnp.log1p(jnp.exp(-jnp.abs(logits)))


def squared_error(x: jax.Array, x_hat: jax.Array) -> jax.Array:
    """``mean_i Σ_j (x_ij - x_hat_ij)²``: the held-out ``rec_error`` of every model."""
    d = (x - x_hat).reshape(x.shape[0], -1)
    return jnp.mean(jnp.sum(jnp.square(d), axis=1))


# --- networks from a config ----------------------------------------------------------


def rec_kwargs(config: ml_collections.ConfigDict) -> dict[str, Any]:
    """The reconstruction fields of ``config``, validated, for `Autoencoder`."""
    kwargs = {
        "rec_loss": str(config.rec_loss),
        "rec_reduction": str(config.rec_reduction),
        "rec_scale": float(config.rec_scale),
        "output_activation": str(config.output_activation),
    }
    check_rec_options(kwargs["rec_loss"], kwargs["rec_reduction"], kwargs["output_activation"])
    return kwargs


def autoencoder_kwargs(config: ml_collections.ConfigDict, input_shape) -> dict[str, Any]:
    """The fields every deterministic autoencoder shares: ``latent_dim``, ``input_shape``,
    an encoder to ``z: [b, latent_dim]``, the decoder and the reconstruction fields."""
    latent_dim = int(config.latent_dim)
    return dict(
        latent_dim=latent_dim,
        input_shape=tuple(input_shape),
        encoder=make_encoder(config, input_shape, latent_dim),
        decoder=make_decoder(config, input_shape),
        **rec_kwargs(config),
    )


__all__ = ["NETWORK_DEFAULTS", "make_decoder", "make_encoder"]  # re-exported for the families


# --- the base class --------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class Autoencoder:
    """An encoder, a decoder and the prior N(0, I); see `genjax.models.base.Model`.

    Subclasses define ``loss``; ``rec_*`` configure `reconstruction_cost`. With
    ``gaussian_encoder`` the encoder outputs ``[b, 2 * latent_dim]`` = (mean, log_var)
    of q(z|x) and training codes are reparameterised samples
    ``z = mean + exp(log_var / 2) * eps``; ``encode`` returns the mean. Parameters and
    state are dicts with keys ``"encoder"``, ``"decoder"`` (and ``"critic"`` for the
    adversarial models).
    """

    latent_dim: int
    input_shape: tuple[int, ...]
    encoder: nn.Module
    decoder: nn.Module
    output_activation: str = "sigmoid"
    gaussian_encoder: bool = False
    rec_loss: str = "squared_error"
    rec_reduction: str = "sum"
    rec_scale: float = 1.0

    players: ClassVar[tuple[str, ...]] = ("autoencoder",)

    @property
    def player_networks(self) -> Mapping[str, tuple[str, ...]]:
        return {"autoencoder": ("encoder", "decoder")}

    # -- initialisation

    def _example_codes(self, x: jax.Array) -> jax.Array:
        return jnp.zeros((x.shape[0], self.latent_dim), x.dtype)

    def init(self, key: jax.Array, x: jax.Array) -> tuple[dict, dict]:
        # One compilation for every network: run eagerly, each random initialiser is
        # dispatched and compiled on its own, which takes seconds on CPU.
        return jax.jit(self.init_variables)(key, x)

    def init_variables(self, key: jax.Array, x: jax.Array) -> tuple[dict, dict]:
        """`init` without the jit; subclasses with more networks extend this."""
        k_enc, k_dec = jax.random.split(key)
        enc_params, enc_state = init_module(self.encoder, k_enc, x)
        dec_params, dec_state = init_module(self.decoder, k_dec, self._example_codes(x))
        return (
            {"encoder": enc_params, "decoder": dec_params},
            {"encoder": enc_state, "decoder": dec_state},
        )

    # -- forward passes

    def encoder_outputs(
        self, params, state, x: jax.Array, *, train: bool
    ) -> tuple[jax.Array, jax.Array | None, dict]:
        """``(mean, log_var, new_encoder_state)``; ``log_var`` is None for a
        deterministic encoder, whose code is ``mean``."""
        h, enc_state = apply_module(
            self.encoder, params["encoder"], state["encoder"], x, train=train
        )
        if self.gaussian_encoder:
            mean, log_var = jnp.split(h, 2, axis=-1)  # [b, d] each
            return mean, log_var, enc_state
        return h, None, enc_state

    def codes(self, params, state, x: jax.Array, key: jax.Array, *, train: bool):
        """``(z, mean, log_var, new_encoder_state)``; ``z`` is drawn with ``key`` for a
        Gaussian encoder and equals ``mean`` otherwise."""
        mean, log_var, enc_state = self.encoder_outputs(params, state, x, train=train)
        if log_var is None:
            return mean, mean, None, enc_state
        eps = jax.random.normal(key, mean.shape, mean.dtype)
        return mean + jnp.exp(0.5 * log_var) * eps, mean, log_var, enc_state

    def decoder_logits(self, params, state, z: jax.Array, *, train: bool):
        """``(logits [b, *input_shape], new_decoder_state)``."""
        return apply_module(self.decoder, params["decoder"], state["decoder"], z, train=train)

    def rec_cost(self, x: jax.Array, logits: jax.Array) -> jax.Array:
        """The configured `reconstruction_cost` of ``x`` given decoder ``logits``."""
        return reconstruction_cost(
            x,
            logits,
            rec_loss=self.rec_loss,
            rec_reduction=self.rec_reduction,
            rec_scale=self.rec_scale,
            output_activation=self.output_activation,
        )

    # -- the public contract

    def encode(self, params, state, x: jax.Array) -> jax.Array:
        return self.encoder_outputs(params, state, x, train=False)[0]

    def decode(self, params, state, z: jax.Array) -> jax.Array:
        logits, _ = self.decoder_logits(params, state, z, train=False)
        return to_data_space(logits, self.output_activation)

    def sample_prior(self, key: jax.Array, n: int, dtype=jnp.float32) -> jax.Array:
        """``n`` draws ``[n, latent_dim]`` from the prior N(0, I)."""
        return jax.random.normal(key, (n, self.latent_dim), dtype)

    def sample(self, params, state, key: jax.Array, n: int) -> jax.Array:
        return self.decode(params, state, self.sample_prior(key, n))

    def evaluate(self, params, state, x: jax.Array, key: jax.Array) -> dict[str, jax.Array]:
        """``rec_error`` (mean over examples of the summed squared error of the eval-mode
        reconstruction) plus `code_metrics` of the eval-mode codes."""
        z = self.encode(params, state, x)
        x_hat = self.decode(params, state, z)
        return {"rec_error": squared_error(x, x_hat), **self.code_metrics(params, state, z, key)}

    def code_metrics(self, params, state, z: jax.Array, key: jax.Array) -> dict[str, jax.Array]:
        """The model's own divergence of held-out codes ``z: [b, d]``; none by default."""
        del params, state, z, key
        return {}
