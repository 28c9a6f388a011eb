"""VAE with an inverse autoregressive flow (IAF) posterior.

Kingma, Salimans, Jozefowicz, Chen, Sutskever & Welling, "Improved Variational
Inference with Inverse Autoregressive Flow", NeurIPS 2016 (Eq. 10-14, Algorithm 1, the
numerically stable update of Sec. 4); official code github.com/openai/iaf (``tf_utils/
layers.py``: ``ar_linear``/``ar_multiconv2d``, the MADE masks; ``models.py``: the
``z = sigma * z + (1 - sigma) * m`` update). Masks: Germain et al., "MADE", ICML 2015.

The encoder outputs ``(mean, log_var, h)``: ``z_0 = mean + exp(log_var / 2) * eps``,
``h: [b, context_dim]`` a context. Then ``T = num_flows`` steps, each a MADE
``(m_t, s_t) = MADE_t(z_{t-1}, h)`` (output ``i`` depends on ``z_{<i}`` only)::

    sigma_t = sigmoid(s_t + forget_bias)
    z_t     = sigma_t * z_{t-1} + (1 - sigma_t) * m_t
    log q(z_T | x) = Σ_j [log N(eps_j; 0, 1) - ½ log_var_j] - Σ_t Σ_j log sigma_tj

with the order of the dimensions reversed between steps (as the paper's experiments).
The Jacobian ``dz_t / dz_{t-1}`` is triangular with diagonal ``sigma_t``, hence the
log-determinant. The KL term is the one-sample estimate
``log q(z_T|x) - log N(z_T; 0, I)``; the loss is ``rec + beta * kl`` as the VAE.

Defaults, after the paper's MNIST experiments (Table 1, "IAF, depth 2, width 320"):
``num_flows = 2``, MADE hidden layers ``(320, 320)`` with ELU (the code's activation),
``forget_bias = 1`` (the paper initialises ``s`` so that sigma starts near 1);
``context_dim = 32`` is our choice. ``encode`` returns ``z_T`` at ``eps = 0`` (the flow
applied to the mean of ``z_0``), a point estimate.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections
import numpy as np

from genjax.models.autoencoders._common import make_decoder, make_encoder, squared_error
from genjax.models.autoencoders._densities import gaussian_log_density
from genjax.models.autoencoders.vae import DEFAULTS as VAE_DEFAULTS
from genjax.models.autoencoders.vae import LIKELIHOODS, VAE
from genjax.models.networks import apply_module, init_module

DEFAULTS: dict[str, Any] = {
    **VAE_DEFAULTS,
    "num_flows": 2,
    "made_hidden": (320, 320),
    "context_dim": 32,
    "forget_bias": 1.0,
}


def made_masks(d: int, hidden: Sequence[int]) -> list[np.ndarray]:
    """MADE masks ``[in, out]`` for inputs of degrees 1..d, hidden units of degrees
    cycling through 1..d-1 and two outputs per input (``m`` then ``s``), output ``i`` of
    degree ``i + 1``: a hidden unit of degree k sees inputs of degree <= k and an output
    of degree i sees hidden units of degree < i, so output i depends on ``z_{<i}``."""
    degrees = [np.arange(1, d + 1)]
    for width in hidden:
        degrees.append(np.arange(width) % max(1, d - 1) + 1)
    masks = [(degrees[k][:, None] <= degrees[k + 1][None, :]) for k in range(len(hidden))]
    out = np.tile(np.arange(1, d + 1), 2)  # [2d]: m's degrees, then s's
    masks.append(degrees[-1][:, None] < out[None, :])
    return [m.astype(np.float32) for m in masks]


class MaskedDense(nn.Module):
    """``x @ (kernel * mask) + bias``."""

    mask: Any  # np.ndarray [in, out] (static)

    @nn.compact
    def __call__(self, x):
        kernel = self.param("kernel", nn.initializers.lecun_normal(), self.mask.shape, x.dtype)
        bias = self.param("bias", nn.initializers.zeros, (self.mask.shape[1],), x.dtype)
        return x @ (kernel * jnp.asarray(self.mask, x.dtype)) + bias


class IAFFlow(nn.Module):
    """``(z_0 [b, d], h [b, c]) -> (z_T [b, d], log_det [b])``, ``log_det = Σ_t Σ_j log
    sigma_tj = log |det dz_T / dz_0|``."""

    num_flows: int
    hidden: Sequence[int]
    forget_bias: float = 1.0

    @nn.compact
    def __call__(self, z, h, train: bool = False):
        del train
        d = z.shape[-1]
        masks = made_masks(d, self.hidden)
        log_det = jnp.zeros(z.shape[:1], z.dtype)
        for t in range(self.num_flows):
            a = z
            for k, mask in enumerate(masks[:-1]):
                # The context enters every hidden layer (unmasked: it is not autoregressive).
                a = nn.elu(
                    MaskedDense(mask, name=f"made{t}_{k}")(a)
                    + nn.Dense(mask.shape[1], name=f"ctx{t}_{k}")(h)
                )
            out = MaskedDense(masks[-1], name=f"made{t}_out")(a)
            m, s = jnp.split(out, 2, axis=-1)
            sigma = jax.nn.sigmoid(s + self.forget_bias)
            z = sigma * z + (1.0 - sigma) * m
            log_det = log_det + jnp.sum(jnp.log(sigma), axis=-1)
            if t < self.num_flows - 1:
                z = z[:, ::-1]
        return z, log_det


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True, kw_only=True)
class VAEIAF(VAE):
    """VAE + IAF; metrics ``{"loss", "rec", "kl", "log_det"}``."""

    flow: nn.Module
    context_dim: int = 32

    @property
    def player_networks(self) -> Mapping[str, tuple[str, ...]]:
        return {"autoencoder": (*super().player_networks["autoencoder"], "flow")}

    def init_variables(self, key, x):
        k_vae, k_flow = jax.random.split(key)
        params, state = super().init_variables(k_vae, x)
        z = self._example_codes(x)
        h = jnp.zeros((x.shape[0], self.context_dim), x.dtype)
        params["flow"], state["flow"] = init_module(self.flow, k_flow, z, h)
        return params, state

    def encoder_outputs(self, params, state, x, *, train):
        """``(mean, log_var, new_encoder_state)`` of ``z_0``; `posterior` adds the flow."""
        mean, log_var, _, enc_state = self._split(params, state, x, train=train)
        return mean, log_var, enc_state

    def _split(self, params, state, x, *, train):
        out, enc_state = apply_module(
            self.encoder, params["encoder"], state["encoder"], x, train=train
        )
        d = self.latent_dim
        return out[:, :d], out[:, d : 2 * d], out[:, 2 * d :], enc_state

    def posterior(self, params, state, x, eps, *, train):
        """``(z_T, log q(z_T|x), log_det, mean, new_encoder_state)`` for noise ``eps``."""
        mean, log_var, h, enc_state = self._split(params, state, x, train=train)
        z0 = mean + jnp.exp(0.5 * log_var) * eps
        z, log_det = self.flow.apply({"params": params["flow"]}, z0, h)
        log_q = jnp.sum(gaussian_log_density(eps, 0.0, 0.0) - 0.5 * log_var, -1) - log_det
        return z, log_q, log_det, mean, enc_state

    def encode(self, params, state, x):
        mean = self._split(params, state, x, train=False)[0]
        return self.posterior(params, state, x, jnp.zeros_like(mean), train=False)[0]

    def _terms(self, params, state, x, key, *, train):
        eps = jax.random.normal(key, (x.shape[0], self.latent_dim), x.dtype)
        z, log_q, log_det, _, enc_state = self.posterior(params, state, x, eps, train=train)
        logits, dec_state = self.decoder_logits(params, state, z, train=train)
        rec = self.nll(params, x, logits)
        kl = jnp.mean(log_q - jnp.sum(gaussian_log_density(z, 0.0, 0.0), -1))
        return rec, kl, jnp.mean(log_det), enc_state, dec_state

    def loss(self, player, params, state, x, key):
        if player != "autoencoder":
            raise ValueError(f"player={player!r}; VAEIAF has players {self.players}")
        rec, kl, log_det, enc_state, dec_state = self._terms(params, state, x, key, train=True)
        loss = rec + self.beta * kl
        new_state = {**state, "encoder": enc_state, "decoder": dec_state}
        return loss, ({"loss": loss, "rec": rec, "kl": kl, "log_det": log_det}, new_state)

    def evaluate(self, params, state, x, key):
        rec, kl, _, _, _ = self._terms(params, state, x, key, train=False)
        x_hat = self.decode(params, state, self.encode(params, state, x))
        return {"rec_error": squared_error(x, x_hat), "kl": kl, "neg_elbo": rec + kl}


def build(config: ml_collections.ConfigDict, input_shape: tuple[int, ...]) -> VAEIAF:
    if config.likelihood not in LIKELIHOODS:
        raise ValueError(f"likelihood={config.likelihood!r}; expected one of {LIKELIHOODS}")
    if int(config.num_flows) < 1:
        raise ValueError(f"num_flows={config.num_flows} must be >= 1")
    if not config.made_hidden:
        raise ValueError("made_hidden must have at least one layer")
    d, c = int(config.latent_dim), int(config.context_dim)
    return VAEIAF(
        latent_dim=d,
        input_shape=tuple(input_shape),
        encoder=make_encoder(config, input_shape, 2 * d + c),
        decoder=make_decoder(config, input_shape),
        output_activation=str(config.output_activation),
        likelihood=str(config.likelihood),
        gaussian_variance=float(config.gaussian_variance),
        beta=float(config.beta),
        flow=IAFFlow(
            num_flows=int(config.num_flows),
            hidden=tuple(int(w) for w in config.made_hidden),
            forget_bias=float(config.forget_bias),
        ),
        context_dim=c,
    )
