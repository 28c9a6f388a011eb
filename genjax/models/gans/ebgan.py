"""EBGAN (Zhao, Mathieu & LeCun, "Energy-based Generative Adversarial Network", ICLR 2017):
the discriminator is an autoencoder and its energy is the reconstruction error.

With ``D(x) = ‖Dec(Enc(x)) - x‖²`` (squared error summed over pixels, per example),
``S = Enc(G(z))`` the critic's codes of a generated batch of ``N`` and margin ``m``::

    critic     L_D = mean D(x) + mean [m - D(G(z))]⁺                       (Eq. 1)
    generator  L_G = mean D(G(z)) + lambda_pt · PT(S)                       (Eq. 2, Sec. 2.4)
    PT(S)      = 1/(N(N-1)) Σ_{i≠j} (S_iᵀ S_j / (‖S_i‖ ‖S_j‖))²   (the pulling-away term)

PT is the mean squared cosine similarity between the codes of different generated
samples: the generator pays for producing samples the critic encodes alike, which
counters mode collapse. The critic's loss does not include it.

Defaults (the paper's MNIST settings, Sec. 4.1 and Appendix C): margin ``m = 10`` and
``lambda_pt = 0.1`` (EBGAN-PT). The margin is on the scale of the energy: the paper's
best margins grow with the image size (MNIST 10, CelebA 20, LSUN 80), which fits an
error summed over pixels, as here; with a per-pixel mean the hinge would never close.
Noise ``z ~ N(0, I)`` of ``latent_dim = 64``; the paper's MNIST generators are MLPs
(its grid over 3-5 layers of 400-1600 units); ours: ``decoder_hidden = (512, 512)``
for the generator, and the critic autoencoder ``784-512-64-512-784``
(``critic_hidden = (512,)``, ``critic_code_dim = 64``).
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp

from genjax.models.gans._ae_critic import (
    AutoencoderCriticGAN,
    make_ae_critic,
    per_example,
    squared_error,
)
from genjax.models.gans._common import adversarial_kwargs
from genjax.models.networks import NETWORK_DEFAULTS, check_choices

EBGAN_DEFAULTS = {
    **NETWORK_DEFAULTS,
    "latent_dim": 64,
    "decoder_hidden": (512, 512),
    "critic_hidden": (512,),
    "critic_code_dim": 64,
    "margin": 10.0,
    "lambda_pt": 0.1,
    "noise": "normal",
    "n_critic": 1,
}


def pulling_away_term(s: jax.Array, eps: float = 1e-8) -> jax.Array:
    """``PT(S) = 1/(N(N-1)) Σ_{i≠j} cos²(S_i, S_j)`` for codes ``s: [N, d]`` (N ≥ 2).

    ``eps`` keeps the normalisation finite for a zero code. Cost O(N² d).
    Reference: Zhao et al. 2017, Eq. 4.

    >>> import jax.numpy as jnp
    >>> float(pulling_away_term(jnp.array([[1.0, 0.0], [0.0, 2.0]])))  # orthogonal
    0.0
    >>> round(float(pulling_away_term(jnp.array([[1.0, 1.0], [2.0, 2.0]]))), 4)
    1.0
    """
    s = per_example(s)
    n = s.shape[0]
    if n < 2:
        raise ValueError(f"pulling_away_term needs at least 2 codes, got s of shape {s.shape}")
    unit = s / jnp.sqrt(jnp.sum(jnp.square(s), axis=1, keepdims=True) + eps)
    cos2 = jnp.square(unit @ unit.T)  # [N, N]
    return (jnp.sum(cos2) - jnp.sum(jnp.diagonal(cos2))) / (n * (n - 1))


@dataclasses.dataclass(frozen=True, kw_only=True)
class EBGAN(AutoencoderCriticGAN):
    """EBGAN with an autoencoder critic (see the module docstring)."""

    margin: float = 10.0
    lambda_pt: float = 0.1

    def view(self, v, h, x_hat):
        return squared_error(v, x_hat), h

    def energy(self, critic_params, state, x, *, train: bool):
        """``(D(x) [b], codes [b, code_dim], new_critic_state)``."""
        (energy, h), critic_state = self.critic_pass(critic_params, state, x, train=train)
        return energy, h, critic_state

    def critic_loss(self, params, state, x, key):
        _, (real, _), (fake, _), critic_state = self.critic_passes(params, state, x, key)
        hinge = jnp.mean(jax.nn.relu(self.margin - fake))
        loss = jnp.mean(real) + hinge
        metrics = {
            "loss": loss,
            "energy_real": jnp.mean(real),
            "energy_fake": jnp.mean(fake),
            "hinge": hinge,
        }
        return loss, (metrics, {**state, "critic": critic_state})

    def generator_loss(self, params, state, x, key):
        x_fake, gen_state, critic = self.generator_pass(params, state, x, key)
        fake, h, _ = self.energy(critic, state, x_fake, train=True)
        pt = pulling_away_term(h)
        loss = jnp.mean(fake) + self.lambda_pt * pt
        metrics = {"loss": loss, "energy_fake": jnp.mean(fake), "pt": pt}
        return loss, (metrics, {**state, "generator": gen_state})


def build_ebgan(config, input_shape) -> EBGAN:
    check_choices(config)
    if config.margin <= 0:
        raise ValueError(f"margin={config.margin} must be > 0")
    if config.lambda_pt < 0:
        raise ValueError(f"lambda_pt={config.lambda_pt} must be >= 0")
    return EBGAN(
        **adversarial_kwargs(config, input_shape, critic=make_ae_critic(config, input_shape)),
        margin=float(config.margin),
        lambda_pt=float(config.lambda_pt),
    )
