"""BEGAN (Berthelot, Schumm & Metz, "BEGAN: Boundary Equilibrium Generative Adversarial
Networks", 2017): an autoencoder critic, its L1 reconstruction loss as the energy, and a
proportional controller that keeps the energies of real and generated batches in
the ratio ``gamma``.

With ``L(v) = mean |v - D(v)|`` (``D`` the critic autoencoder, mean over pixels and the
batch, η = 1) and ``k_t ∈ [0, 1]``::

    critic      L_D = L(x) - k_t · L(G(z_D))                                 (Eq. 4)
    generator   L_G = L(G(z_G))
    controller  k_{t+1} = clip(k_t + lambda_k · (gamma · L(x) - L(G(z_D))), 0, 1)
    convergence M_global = L(x) + |gamma · L(x) - L(G(z_D))|                  (Sec. 3.4.1)

``k_t`` is non-trained model state, ``state["control"] = {"k": k_t}``, so it is saved in
checkpoints and a resumed run continues the same controller. The critic player's loss
reads ``k_t`` and returns ``k_{t+1}`` in its new state (computed from the same two
losses, as in the reference implementation, where the update uses the step's
``L(x)`` and ``L(G(z))``); ``k`` and ``m_global`` are logged as critic metrics.

Defaults: ``gamma = 0.5`` (the diversity ratio of most of the paper's figures),
``lambda_k = 0.001`` and ``k_0 = 0`` (Sec. 3.4), noise ``z ~ U[-1, 1]`` of
``latent_dim = 64`` and a code of ``critic_code_dim = 64`` (the paper's N_z = N_h =
64, Sec. 4.1). The L1 loss is a per-pixel mean as in the widely used TensorFlow
reproduction (carpedm20/BEGAN-tensorflow, which also sets the Adam rates: 8e-5, b1 =
0.5); the paper's authors did not release code. Networks: MLPs here (generator
``64-512-512-784``, critic ``784-512-64-512-784``); ``network="conv"`` gives the
DCGAN networks of `genjax.nn`, not the paper's ELU/upsampling ones.

The critic's reconstruction ``D(v)`` is its decoder's raw output
(``critic_output_activation="identity"``, as in the reference code), whatever the
generator's ``output_activation``: through a sigmoid, ``|v - sigmoid(l)|`` has no
gradient once ``l`` saturates, and an MLP generator then parks every sample on one
saturated image that neither player can move (measured: k = 1, L(G z) = 0.009, all 64
samples one binary blob). With these MLPs BEGAN still collapses at the paper's
settings; see ``experiments/began.py`` for what was tried and what helps.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp

from genjax.models.gans._ae_critic import AutoencoderCriticGAN, make_ae_critic
from genjax.models.gans._common import adversarial_kwargs
from genjax.models.networks import NETWORK_DEFAULTS, OUTPUT_ACTIVATIONS, check_choices

BEGAN_DEFAULTS = {
    **NETWORK_DEFAULTS,
    "latent_dim": 64,
    "decoder_hidden": (512, 512),
    "critic_hidden": (512,),
    "critic_code_dim": 64,
    "gamma": 0.5,
    "lambda_k": 0.001,
    "k_init": 0.0,
    "noise": "uniform",
    "n_critic": 1,
    # The critic's reconstruction D(v) = its decoder's raw outputs, as in the reference
    # code; "sigmoid" saturates, so |v - D(v)| stops having a gradient (see the docstring).
    "critic_output_activation": "identity",
}


def k_update(k: jax.Array, loss_real: jax.Array, loss_fake: jax.Array, *, gamma: float,
             lambda_k: float) -> jax.Array:  # fmt: skip
    """``clip(k + lambda_k (gamma L(x) - L(G z)), 0, 1)`` (Berthelot et al. 2017, Eq. 4).

    >>> round(float(k_update(0.5, 0.2, 0.05, gamma=0.5, lambda_k=0.1)), 6)  # 0.5 + 0.1·0.05
    0.505
    >>> float(k_update(0.0, 0.1, 0.9, gamma=0.5, lambda_k=1.0))  # clipped at 0
    0.0
    """
    return jnp.clip(k + lambda_k * (gamma * loss_real - loss_fake), 0.0, 1.0)


def l1_loss(v: jax.Array, v_hat: jax.Array) -> jax.Array:
    """``L(v) = mean |v - D(v)|`` over pixels and the batch (η = 1)."""
    return jnp.mean(jnp.abs(v - v_hat))


def convergence_measure(loss_real, loss_fake, *, gamma: float) -> jax.Array:
    """``M_global = L(x) + |gamma L(x) - L(G z)|`` (Berthelot et al. 2017, Sec. 3.4.1).

    >>> round(float(convergence_measure(0.2, 0.05, gamma=0.5)), 6)
    0.25
    """
    return loss_real + jnp.abs(gamma * loss_real - loss_fake)


@dataclasses.dataclass(frozen=True, kw_only=True)
class BEGAN(AutoencoderCriticGAN):
    """BEGAN with an autoencoder critic and the ``k_t`` controller in its state."""

    gamma: float = 0.5
    lambda_k: float = 0.001
    k_init: float = 0.0
    critic_output_activation: str = "identity"

    @property
    def reconstruction_activation(self) -> str:
        return self.critic_output_activation

    def init_variables(self, key, x):
        params, state = super().init_variables(key, x)
        state["control"] = {"k": jnp.asarray(self.k_init, jnp.float32)}
        # Every state entry has a parameter entry (the contract's shape); k is not trained.
        params["control"] = {}
        return params, state

    def view(self, v, h, x_hat):
        return l1_loss(v, x_hat)

    def reconstruction_loss(self, critic_params, state, x, *, train: bool):
        """``(L(x) = mean |x - D(x)|, new_critic_state)``."""
        return self.critic_pass(critic_params, state, x, train=train)

    def critic_loss(self, params, state, x, key):
        _, loss_real, loss_fake, critic_state = self.critic_passes(params, state, x, key)
        k = state["control"]["k"]
        loss = loss_real - jax.lax.stop_gradient(k) * loss_fake
        real, fake = jax.lax.stop_gradient((loss_real, loss_fake))
        k_next = k_update(k, real, fake, gamma=self.gamma, lambda_k=self.lambda_k)
        metrics = {
            "loss": loss,
            "loss_real": loss_real,
            "loss_fake": loss_fake,
            "k": k,
            "m_global": convergence_measure(real, fake, gamma=self.gamma),
        }
        new_state = {**state, "critic": critic_state, "control": {"k": k_next}}
        return loss, (metrics, new_state)

    def generator_loss(self, params, state, x, key):
        x_fake, gen_state, critic = self.generator_pass(params, state, x, key)
        loss, _ = self.reconstruction_loss(critic, state, x_fake, train=True)
        return loss, ({"loss": loss, "loss_fake": loss}, {**state, "generator": gen_state})


def build_began(config, input_shape) -> BEGAN:
    check_choices(config)
    if not 0.0 <= config.gamma <= 1.0:
        raise ValueError(f"gamma={config.gamma} must lie in [0, 1]")
    if config.critic_output_activation not in OUTPUT_ACTIVATIONS:
        raise ValueError(
            f"critic_output_activation={config.critic_output_activation!r}; "
            f"expected one of {OUTPUT_ACTIVATIONS}"
        )
    if config.lambda_k < 0:
        raise ValueError(f"lambda_k={config.lambda_k} must be >= 0")
    if not 0.0 <= config.k_init <= 1.0:
        raise ValueError(f"k_init={config.k_init} must lie in [0, 1]")
    return BEGAN(
        **adversarial_kwargs(config, input_shape, critic=make_ae_critic(config, input_shape)),
        gamma=float(config.gamma),
        lambda_k=float(config.lambda_k),
        k_init=float(config.k_init),
        critic_output_activation=config.critic_output_activation,
    )
