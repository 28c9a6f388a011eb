"""The WGAN-GP latent critic that MaskAAE and FlexAE share (Gulrajani et al., 2017),
written with `genjax.models.adversarial`'s `wasserstein_losses` and `gradient_penalty`.

The critic ``C: [b, d] -> [b]`` is large on ``real`` codes (prior draws) and small on
``fake`` ones; its loss, minimised by the critic player::

    critic = mean C(fake) - mean C(real) + gp_weight * mean_i (‖∇C(ẑ_i)‖ - 1)²

at random interpolates ``ẑ`` of ``real`` and ``fake``. ``w1 = mean C(real) - mean
C(fake)`` estimates the Wasserstein-1 distance between the two when C is 1-Lipschitz.
"""

from __future__ import annotations

import jax

from genjax.models.adversarial import gradient_penalty, wasserstein_losses
from genjax.models.networks import apply_module


def critic_scores(critic, critic_params, z):
    """``C(z)``: ``[b]`` (the latent critics here have no batch statistics)."""
    return apply_module(critic, critic_params, {}, z, train=False)[0]


def critic_loss(critic, critic_params, real, fake, key, *, gp_weight: float):
    """``(loss, {"w1", "gp"})`` of the WGAN-GP critic on ``real, fake: [b, d]``."""
    c_real = critic_scores(critic, critic_params, real)
    c_fake = critic_scores(critic, critic_params, fake)
    loss, _ = wasserstein_losses(c_real, c_fake)
    gp = gradient_penalty(lambda z: critic_scores(critic, critic_params, z), real, fake, key)
    return loss + gp_weight * gp, {"w1": -loss, "gp": gp}


def frozen(params):
    """The other player's parameters, seen through ``stop_gradient``."""
    return jax.tree.map(jax.lax.stop_gradient, params)


__all__ = ["critic_loss", "critic_scores", "frozen"]
