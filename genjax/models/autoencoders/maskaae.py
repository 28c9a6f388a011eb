"""MaskAAE: an adversarial autoencoder that learns which latent dimensions to keep.

Mondal, Chowdhury, Jayendran, Singla, Asnani & Prathosh, "MaskAAE: Latent space
optimization for Adversarial Auto-Encoders", UAI 2020 (arXiv 1912.04564); official code
github.com/arnabkmondal/MaskAAE, ``MaskAAE_MNIST.py`` (TF1; the only reference we could
read in full, so every loss and default below follows that file; "official" below means
it).

A mask ``alpha = 1 - exp(-m)``, ``m >= 0`` (``[d]``, the network ``"mask"``),
multiplies both the encoder's codes and the prior's draws: ``z = alpha ⊙ E(x)``,
``z_p = alpha ⊙ n``, ``n ~ N(0, I)``; the decoder sees ``z``, samples are ``D(alpha ⊙ n)``.
Four players, in the official order of one step (``_trainer``/``train``)::

    autoencoder (encoder, decoder):
        rec(x, D(z)) + variance_weight * V
        V = mean_{i,j} (E(x_i)_j - mean_i E(x_i)_j)² * exp(-variance_sharpness * alpha_j²)
    critic (n_critic updates, WGAN-GP on the masked codes):
        mean C(z) - mean C(z_p) + gp_weight * GP
    generator (encoder only):
        -mean C(z)
    mask (mask only):
        mask_rec_weight * rec(x, D(z)) + (1 - (mean C(z) - mean C(z_p)))²
            + w_t * Σ_j |alpha_j (1 - alpha_j)|

(the other players' networks frozen in each). What prunes: shrinking ``alpha_j`` shrinks
both ``z_j`` and ``z_p,j``, which lowers the critic's gap ``w1 = mean C(z_p) - mean C(z)``
(the mask loss's middle term is ``(1 + w1)²``, lowered by lowering ``w1 > -1``) for every
dimension where codes and prior disagree, while the reconstruction term keeps the
dimensions the decoder needs. ``V`` is what stops the encoder from undoing a shrinking
mask by scaling its output up: it penalises the *unmasked* code variance in the
dimensions whose alpha is small (weight ``exp(-10 alpha²)``: 1 at alpha = 0, 0.08 at
0.5, 5e-5 at 1), so a closing dimension is emptied rather than amplified. Measured on
``synthetic:manifold8`` at d = 32 (experiments/maskaae.py, the mask's rate x10): with
``V`` the mask had closed 13 dimensions by step 1,500, without it (``variance_weight=0``,
otherwise the same run) the alphas shrank together to 0.4-0.6 and one closed, like our
previous version, which had no ``V``, put the mask in the autoencoder's loss and closed
none. Pruning to the true dimension (8) is not reproduced in our short runs (19 left).

The binarisation weight ``w_t`` grows geometrically, as in the official ``train``:
``w_t = min(binarise_max, binarise_init * 2 ** floor(t / binarise_every))`` with
``binarise_init = 2 / d``, ``binarise_max = 2048`` and ``binarise_every = 4 R``,
``R = 75`` for ``d <= 20`` else ``min(10_000, floor(1125 d / 10))`` (``t`` counts steps;
the state's ``"counter"``, advanced by the mask player). ``num_active = #{j : alpha_j
>= 0.1}`` (the official ``active_dim``) is a metric of the mask player and of ``evaluate``.

Defaults (official): variance_weight 100, variance_sharpness 10, mask_rec_weight 1000,
gp_weight 10, n_critic 5, ``m_j ~ U(0, mask_init_max = 5)`` at initialisation, and the
reconstruction a per-coordinate *mean* (``rec_reduction="mean"``; the official one is
Keras' mean binary cross-entropy over pixels), which is what the weights 100 and 1000
are relative to. Optimisers (experiments/maskaae.py): RMSProp, 5e-4 for the autoencoder
and the mask, 1e-4 for the critic and the generator, batch 64.

Deliberate differences: ``m = |mask_raw|`` instead of a free ``m`` projected onto
``m >= 0`` after each update (TF's ``NonNeg`` constraint): the optimiser needs no
projection, a step moves ``m`` by as much as the official one does (a softplus, which
we had before, moves a nearly closed dimension ~10x slower), and a dimension at
``m = 0`` can reopen as the projected one can. The official ``train`` also "decays" the
autoencoder's and the mask's rates by 5 at step ``5 R`` (18,000 at d = 32), but it does
so by multiplying their *losses* by 1/5 (``ae_lr_decay``, ``mask_lr_decay``), and
RMSProp's update ``g / sqrt(E[g²])`` does not change when ``g`` is scaled: the updates
shrink for the ~20-30 updates the second-moment average (decay 0.9) takes to follow and
are then as before (a numpy simulation of the official optimiser: mean |update| 0.21 in
the 10 updates after the drop, 0.75-0.78 from 30 updates on, as without it). So we keep
the rates constant, which is the official run's behaviour. optax's RMSProp starts its
second-moment average at 0 where TF1's starts at 1; latent critic and networks are the
config's MLPs (official: 4 x 1024 ReLU for all three).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar

import flax.linen as nn
import jax
import jax.numpy as jnp
import ml_collections

from genjax import nn as gnn
from genjax.models.autoencoders._common import (
    NETWORK_DEFAULTS,
    REC_DEFAULTS,
    Autoencoder,
    autoencoder_kwargs,
    squared_error,
)
from genjax.models.autoencoders._densities import (
    COUNTER,
    counter_value,
    incremented,
    init_counter,
)
from genjax.models.autoencoders._latent_wgan import critic_loss, critic_scores, frozen
from genjax.models.networks import init_module

ACTIVE_THRESHOLD = 0.1
DEFAULTS: dict[str, Any] = {
    **NETWORK_DEFAULTS,
    **REC_DEFAULTS,
    "rec_reduction": "mean",
    "latent_dim": 32,
    "gp_weight": 10.0,
    "n_critic": 5,
    "critic_hidden": (512, 512, 512),
    "variance_weight": 100.0,
    "variance_sharpness": 10.0,
    "mask_rec_weight": 1000.0,
    "binarise_init": 0.0,  # 0: the official 2 / latent_dim
    "binarise_every": 0,  # 0: the official 4 R(latent_dim)
    "binarise_max": 2048.0,
    "mask_init_max": 5.0,
}


def mask_alpha(mask_raw: jax.Array) -> jax.Array:
    """``alpha = 1 - exp(-m)``, ``m = |mask_raw|``, in [0, 1).

    >>> import jax.numpy as jnp
    >>> [round(float(a), 4) for a in mask_alpha(jnp.log(jnp.array([2.0, 0.5])))]  # m = log 2
    [0.5, 0.5]
    """
    return -jnp.expm1(-jnp.abs(mask_raw))


def binarisation(alpha: jax.Array) -> jax.Array:
    """``Σ_j |alpha_j (1 - alpha_j)|``: 0 for a binary mask, largest at alpha = ½."""
    return jnp.sum(jnp.abs(alpha * (1.0 - alpha)))


def masked_variance(z: jax.Array, alpha: jax.Array, sharpness: float) -> jax.Array:
    """``V = mean_{i,j} (z_ij - mean_i z_ij)² exp(-sharpness alpha_j²)`` for the unmasked
    codes ``z: [b, d]`` (the official ``variance_penalty``)."""
    centred = z - jnp.mean(z, axis=0, keepdims=True)
    return jnp.mean(jnp.square(centred) * jnp.exp(-sharpness * jnp.square(alpha)))


def official_binarise_every(latent_dim: int) -> int:
    """``4 R``, ``R = 75`` for ``d <= 20`` else ``min(10_000, floor(1125 d / 10))``: the
    official doubling period of the binarisation weight.

    >>> official_binarise_every(16), official_binarise_every(32), official_binarise_every(128)
    (300, 14400, 40000)
    """
    interval = 75 if latent_dim <= 20 else min(10_000, (1125 * latent_dim) // 10)
    return 4 * interval


def binarise_weight(t: jax.Array, *, init: float, every: int, cap: float) -> jax.Array:
    """``min(cap, init * 2 ** floor(t / every))`` at step ``t`` (int scalar).

    >>> [float(binarise_weight(t, init=0.5, every=10, cap=3.0)) for t in (0, 9, 10, 25, 99)]
    [0.5, 0.5, 1.0, 2.0, 3.0]
    """
    doublings = (jnp.asarray(t) // every).astype(jnp.float32)
    return jnp.minimum(cap, init * jnp.exp2(jnp.minimum(doublings, 60.0)))


def num_active(alpha: jax.Array) -> jax.Array:
    """``#{j : alpha_j >= 0.1}`` as a float (a metric)."""
    return jnp.sum(alpha >= ACTIVE_THRESHOLD).astype(jnp.float32)


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True, kw_only=True)
class MaskAAE(Autoencoder):
    """MaskAAE; players ``("autoencoder", "critic", "generator", "mask")`` with metrics
    ``{"loss", "rec", "variance"}``, ``{"loss", "w1", "gp"}``, ``{"loss", "gen"}`` and
    ``{"loss", "rec", "w1", "binarisation", "binarise_weight", "num_active"}``."""

    critic: nn.Module
    gp_weight: float = 10.0
    n_critic: int = 5
    variance_weight: float = 100.0
    variance_sharpness: float = 10.0
    mask_rec_weight: float = 1000.0
    binarise_init: float = 0.0
    binarise_every: int = 0
    binarise_max: float = 2048.0
    mask_init_max: float = 5.0

    players: ClassVar[tuple[str, ...]] = ("autoencoder", "critic", "generator", "mask")

    @property
    def player_updates(self) -> Mapping[str, int]:
        return {"critic": self.n_critic}

    @property
    def player_networks(self) -> Mapping[str, tuple[str, ...]]:
        return {
            "autoencoder": ("encoder", "decoder"),
            "critic": ("critic",),
            "generator": ("encoder",),
            "mask": ("mask",),
        }

    def init_variables(self, key, x):
        k_ae, k_critic, k_mask = jax.random.split(key, 3)
        params, state = super().init_variables(k_ae, x)
        params["critic"], state["critic"] = init_module(
            self.critic, k_critic, self._example_codes(x)
        )
        # m ~ U(0, mask_init_max), the official initialiser.
        m0 = jax.random.uniform(k_mask, (self.latent_dim,), x.dtype, 0.0, self.mask_init_max)
        params["mask"] = {"raw": m0}
        state["mask"] = {}
        params[COUNTER], state[COUNTER] = init_counter()
        return params, state

    def alpha(self, params) -> jax.Array:
        return mask_alpha(params["mask"]["raw"])

    def binarise_weight_at(self, t: jax.Array) -> jax.Array:
        """The binarisation weight ``w_t`` at step ``t`` (module docstring)."""
        init = self.binarise_init or 2.0 / self.latent_dim
        every = self.binarise_every or official_binarise_every(self.latent_dim)
        return binarise_weight(t, init=init, every=every, cap=self.binarise_max)

    def critic_gap(self, critic_params, z, z_p) -> jax.Array:
        """``w1 = mean C(z_p) - mean C(z)``, the critic's Wasserstein estimate."""
        c_prior = critic_scores(self.critic, critic_params, z_p)
        return jnp.mean(c_prior) - jnp.mean(critic_scores(self.critic, critic_params, z))

    def loss(self, player, params, state, x, key):
        k_prior, k_gp = jax.random.split(key)
        n = self.sample_prior(k_prior, x.shape[0], x.dtype)
        if player == "autoencoder":
            e, _, _, enc_state = self.codes(params, state, x, None, train=True)
            alpha = jax.lax.stop_gradient(self.alpha(params))
            logits, dec_state = self.decoder_logits(params, state, alpha * e, train=True)
            rec = self.rec_cost(x, logits)
            variance = masked_variance(e, alpha, self.variance_sharpness)
            loss = rec + self.variance_weight * variance
            new_state = {**state, "encoder": enc_state, "decoder": dec_state}
            return loss, ({"loss": loss, "rec": rec, "variance": variance}, new_state)
        if player == "critic":
            fixed = frozen(params)
            e, _, _, _ = self.codes(fixed, state, x, None, train=True)
            alpha = self.alpha(fixed)
            loss, terms = critic_loss(
                self.critic, params["critic"], alpha * n, alpha * e, k_gp,
                gp_weight=self.gp_weight,
            )  # fmt: skip
            return loss, ({"loss": loss, **terms}, state)
        if player == "generator":
            e, _, _, enc_state = self.codes(params, state, x, None, train=True)
            alpha = jax.lax.stop_gradient(self.alpha(params))
            c_params = frozen(params["critic"])
            gen = -jnp.mean(critic_scores(self.critic, c_params, alpha * e))
            return gen, ({"loss": gen, "gen": gen}, {**state, "encoder": enc_state})
        if player == "mask":
            fixed = frozen({k: v for k, v in params.items() if k != "mask"})
            e, _, _, _ = self.codes(fixed, state, x, None, train=True)
            alpha = self.alpha(params)
            logits, _ = self.decoder_logits(fixed, state, alpha * e, train=True)
            rec = self.rec_cost(x, logits)
            w1 = self.critic_gap(fixed["critic"], alpha * e, alpha * n)
            weight = self.binarise_weight_at(counter_value(state)).astype(rec.dtype)
            binary = binarisation(alpha)
            loss = self.mask_rec_weight * rec + jnp.square(1.0 + w1) + weight * binary
            metrics = {
                "loss": loss,
                "rec": rec,
                "w1": w1,
                "binarisation": binary,
                "binarise_weight": weight,
                "num_active": num_active(alpha),
            }
            return loss, (metrics, incremented(state))
        raise ValueError(f"player={player!r}; MaskAAE has players {self.players}")

    def encode(self, params, state, x):
        return self.alpha(params) * super().encode(params, state, x)

    def sample_codes(self, params, state, key, n: int) -> jax.Array:
        del state
        return self.alpha(params) * self.sample_prior(key, n)

    def sample(self, params, state, key, n):
        return self.decode(params, state, self.sample_codes(params, state, key, n))

    def evaluate(self, params, state, x, key):
        z = self.encode(params, state, x)
        z_p = self.sample_codes(params, state, key, x.shape[0]).astype(z.dtype)
        return {
            "rec_error": squared_error(x, self.decode(params, state, z)),
            "w1": self.critic_gap(params["critic"], z, z_p),
            "num_active": num_active(self.alpha(params)),
        }


def build(config: ml_collections.ConfigDict, input_shape: tuple[int, ...]) -> MaskAAE:
    if not float(config.mask_init_max) > 0.0:
        raise ValueError(f"mask_init_max={config.mask_init_max} must be > 0")
    if int(config.n_critic) < 1:
        raise ValueError(f"n_critic={config.n_critic} must be >= 1")
    if int(config.binarise_every) < 0 or float(config.binarise_init) < 0.0:
        raise ValueError("binarise_every and binarise_init must be >= 0 (0: official)")
    return MaskAAE(
        **autoencoder_kwargs(config, input_shape),
        critic=gnn.MLPCritic(hidden=tuple(config.critic_hidden)),
        gp_weight=float(config.gp_weight),
        n_critic=int(config.n_critic),
        variance_weight=float(config.variance_weight),
        variance_sharpness=float(config.variance_sharpness),
        mask_rec_weight=float(config.mask_rec_weight),
        binarise_init=float(config.binarise_init),
        binarise_every=int(config.binarise_every),
        binarise_max=float(config.binarise_max),
        mask_init_max=float(config.mask_init_max),
    )
