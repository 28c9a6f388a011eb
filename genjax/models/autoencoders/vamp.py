"""VAE with a VampPrior: the prior is the aggregate posterior of K learned pseudo-inputs.

Tomczak & Welling, "VAE with a VampPrior", AISTATS 2018 (Eq. 9); official code
github.com/jmtomczak/vae_vampprior (``models/VAE.py``: ``log_p_z``, ``add_pseudoinputs``;
``experiment.py``: the defaults below).

The prior is a uniform mixture of the encoder's posteriors at ``K`` pseudo-inputs
``u_k`` (learned, the network ``"pseudo_inputs"``, trained by the autoencoder player)::

    p(z) = (1/K) Σ_k N(z; mu(u_k), diag exp(log_var(u_k)))
    log p(z) = logsumexp_k [Σ_j log N(z_j; mu_kj, exp(log_var_kj))] - log K

The KL term has no closed form and is estimated, as in the official code, with the
single reparameterised sample ``z_i ~ q(z|x_i)`` the reconstruction uses::

    loss = mean_i [-log p(x_i | z_i)] + beta * mean_i [log q(z_i | x_i) - log p(z_i)]

Pseudo-inputs: the official code produces them with a linear layer from the identity,
followed by ``hardtanh(0, 1)``, initialised N(0.05, 0.01²): the same as a free array
``u`` clipped to [0, 1] (``clip`` here), with that initialisation. Defaults from the
code's MNIST runs: ``K = 500`` (``number_components``), Bernoulli likelihood, beta = 1.
The code's KL warm-up (beta annealed from 0 over 100 epochs) is not applied here.
Sampling (``sample_codes``): a component ``k`` uniformly, then ``z ~ N(mu_k, var_k)``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import ml_collections

from genjax.models.autoencoders._densities import gaussian_log_density
from genjax.models.autoencoders.vae import DEFAULTS as VAE_DEFAULTS
from genjax.models.autoencoders.vae import VAE, extend
from genjax.models.autoencoders.vae import build as build_vae

DEFAULTS: dict[str, Any] = {
    **VAE_DEFAULTS,
    "num_pseudo_inputs": 500,
    "pseudo_inputs_mean": 0.05,
    "pseudo_inputs_std": 0.01,
}


def mixture_log_density(z: jax.Array, means: jax.Array, log_vars: jax.Array) -> jax.Array:
    """``log (1/K) Σ_k N(z_i; means_k, diag exp(log_vars_k))`` for ``z: [b, d]``,
    ``means, log_vars: [K, d]`` -> ``[b]`` (a logsumexp over components).

    >>> import jax.numpy as jnp
    >>> z = jnp.zeros((1, 2))
    >>> round(float(mixture_log_density(z, jnp.zeros((3, 2)), jnp.zeros((3, 2)))[0]), 4)
    -1.8379
    """
    log_n = jnp.sum(gaussian_log_density(z[:, None, :], means[None], log_vars[None]), -1)
    return jax.nn.logsumexp(log_n, axis=1) - math.log(means.shape[0])  # [b]


@jax.tree_util.register_static
@dataclasses.dataclass(frozen=True, kw_only=True)
class VampVAE(VAE):
    """VAE with a VampPrior; metrics ``{"loss", "rec", "kl"}`` (``kl`` is the one-sample
    estimate ``mean_i log q(z_i|x_i) - log p(z_i)``)."""

    num_pseudo_inputs: int = 500
    pseudo_inputs_mean: float = 0.05
    pseudo_inputs_std: float = 0.01

    @property
    def player_networks(self) -> Mapping[str, tuple[str, ...]]:
        networks = super().player_networks["autoencoder"]
        return {"autoencoder": (*networks, "pseudo_inputs")}

    def init_variables(self, key, x):
        k_vae, k_u = jax.random.split(key)
        params, state = super().init_variables(k_vae, x)
        shape = (self.num_pseudo_inputs, *self.input_shape)
        noise = jax.random.normal(k_u, shape, x.dtype)
        params["pseudo_inputs"] = {"u": self.pseudo_inputs_mean + self.pseudo_inputs_std * noise}
        state["pseudo_inputs"] = {}
        return params, state

    def pseudo_inputs(self, params) -> jax.Array:
        """The pseudo-inputs in data space, ``clip(u, 0, 1)``: ``[K, *input_shape]``."""
        return jnp.clip(params["pseudo_inputs"]["u"], 0.0, 1.0)

    def components(self, params, state, *, train: bool):
        """``(means, log_vars)``, ``[K, d]`` each: the posteriors at the pseudo-inputs."""
        mean, log_var, _ = self.encoder_outputs(
            params, state, self.pseudo_inputs(params), train=train
        )
        return mean, log_var

    def log_prior(self, params, state, z, *, train: bool = False) -> jax.Array:
        """``log p(z)`` for ``z: [b, d]`` -> ``[b]``."""
        means, log_vars = self.components(params, state, train=train)
        return mixture_log_density(z, means, log_vars)

    def kl_term(self, params, state, z, mean, log_var, *, train: bool) -> jax.Array:
        """The one-sample estimate ``mean_i log q(z_i|x_i) - log p(z_i)``."""
        log_q = jnp.sum(gaussian_log_density(z, mean, log_var), axis=-1)  # [b]
        return jnp.mean(log_q - self.log_prior(params, state, z, train=train))

    def loss(self, player, params, state, x, key):
        if player != "autoencoder":
            raise ValueError(f"player={player!r}; VampVAE has players {self.players}")
        z, mean, log_var, rec, new_state = self.reconstruction(params, state, x, key, train=True)
        kl = self.kl_term(params, state, z, mean, log_var, train=True)
        loss = rec + self.beta * kl
        return loss, ({"loss": loss, "rec": rec, "kl": kl}, new_state)

    def sample_codes(self, params, state, key, n: int) -> jax.Array:
        """``n`` draws ``[n, d]`` from the VampPrior."""
        k_comp, k_eps = jax.random.split(key)
        means, log_vars = self.components(params, state, train=False)
        k = jax.random.randint(k_comp, (n,), 0, self.num_pseudo_inputs)
        eps = jax.random.normal(k_eps, (n, self.latent_dim), means.dtype)
        return means[k] + jnp.exp(0.5 * log_vars[k]) * eps

    def sample(self, params, state, key, n):
        return self.decode(params, state, self.sample_codes(params, state, key, n))


def build(config: ml_collections.ConfigDict, input_shape: tuple[int, ...]) -> VampVAE:
    if int(config.num_pseudo_inputs) < 1:
        raise ValueError(f"num_pseudo_inputs={config.num_pseudo_inputs} must be >= 1")
    return extend(
        VampVAE,
        build_vae(config, input_shape),
        num_pseudo_inputs=int(config.num_pseudo_inputs),
        pseudo_inputs_mean=float(config.pseudo_inputs_mean),
        pseudo_inputs_std=float(config.pseudo_inputs_std),
    )
