"""What every adversarial model shares: critic and generator losses, and the gradient
penalty. Pure functions of critic outputs; used by the GANs (`genjax.models.gans`) and
by the autoencoders with a critic (WAE-GAN, AAE, MaskAAE, FlexAE, FactorVAE).

Conventions: ``real`` and ``fake`` are the critic's raw outputs ``[b]`` on data (or,
for a latent critic, prior draws) and on generated samples (codes). For the
probabilistic losses they are logits, ``D = sigmoid(logit)``; large means "real".

=============  ======================================  ==================================
``kind``       critic loss                             generator loss
=============  ======================================  ==================================
``"ns"``       ``-E log D(x) - E log(1 - D(G z))``     ``-E log D(G z)`` (non-saturating)
``"mm"``       same                                    ``E log(1 - D(G z))`` (minimax)
``"ls"``       ``½E(D(x) - b)² + ½E(D(G z) - a)²``     ``½E(D(G z) - c)²``
``"hinge"``    ``E relu(1 - D(x)) + E relu(1 + D(G z))``  ``-E D(G z)``
``"wasserstein"``  ``E D(G z) - E D(x)``               ``-E D(G z)``
``"fgan"``     ``-(E g_f(v(x)) - E f*(g_f(v(G z))))``  the bound itself, or ``-E g_f(v(G z))``
=============  ======================================  ==================================

References: Goodfellow et al. 2014 (NS, MM); Mao et al. 2017 (LS, targets a/b/c);
Lim & Ye 2017 and Miyato et al. 2018 (hinge); Arjovsky et al. 2017 (Wasserstein);
Nowozin et al. 2016 (f-GAN, `genjax.divergences.fgan_losses`); Gulrajani et al. 2017
(gradient penalty).
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp

from genjax.divergences import fgan_losses

ADVERSARIAL_LOSSES = ("ns", "mm", "ls", "hinge", "wasserstein", "fgan")


def gan_critic_loss(real: jax.Array, fake: jax.Array) -> jax.Array:
    """``mean_i -log D(real_i) + mean_j -log(1 - D(fake_j))`` with ``D = sigmoid``:
    the sigmoid cross-entropy of a critic told real (label 1) from fake (label 0),
    written as ``softplus(-l)`` and ``softplus(l)`` (stable for any logit).

    >>> import jax.numpy as jnp
    >>> round(float(gan_critic_loss(jnp.zeros(3), jnp.zeros(5))), 4)  # 2 log 2
    1.3863
    """
    return jnp.mean(jax.nn.softplus(-real)) + jnp.mean(jax.nn.softplus(fake))


def gan_generator_loss(fake: jax.Array, *, kind: str = "ns") -> jax.Array:
    """The generator's GAN loss on the critic's logits ``fake: [b]``:
    ``"ns"`` ``mean -log D(fake)`` (non-saturating, Goodfellow et al. 2014, Sec. 3) or
    ``"mm"`` ``mean log(1 - D(fake))`` (the minimax objective's generator term).

    >>> import jax.numpy as jnp
    >>> round(float(gan_generator_loss(jnp.zeros(2), kind="mm")), 4)  # log ½
    -0.6931
    """
    if kind == "ns":
        return jnp.mean(jax.nn.softplus(-fake))
    if kind == "mm":
        return -jnp.mean(jax.nn.softplus(fake))
    raise ValueError(f"kind={kind!r}; expected 'ns' or 'mm'")


def least_squares_losses(
    real: jax.Array, fake: jax.Array, *, a: float = 0.0, b: float = 1.0, c: float = 1.0
) -> tuple[jax.Array, jax.Array]:
    """LSGAN (Mao et al. 2017, Eq. 2): ``critic = ½ mean (real - b)² + ½ mean (fake - a)²``,
    ``generator = ½ mean (fake - c)²`` on raw critic outputs (no sigmoid). The paper's
    two choices: ``a, b, c = 0, 1, 1`` (default) and ``-1, 1, 0`` (Pearson χ², Eq. 9).

    >>> import jax.numpy as jnp
    >>> critic, gen = least_squares_losses(jnp.ones(2), jnp.zeros(2))
    >>> float(critic), float(gen)
    (0.0, 0.5)
    """
    critic = 0.5 * jnp.mean(jnp.square(real - b)) + 0.5 * jnp.mean(jnp.square(fake - a))
    return critic, 0.5 * jnp.mean(jnp.square(fake - c))


def hinge_losses(real: jax.Array, fake: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``critic = mean relu(1 - real) + mean relu(1 + fake)``, ``generator = -mean fake``
    (Lim & Ye 2017; Miyato et al. 2018, Eq. 16-17).

    >>> import jax.numpy as jnp
    >>> [float(v) for v in hinge_losses(jnp.array([2.0]), jnp.array([0.5]))]
    [1.5, -0.5]
    """
    critic = jnp.mean(jax.nn.relu(1.0 - real)) + jnp.mean(jax.nn.relu(1.0 + fake))
    return critic, -jnp.mean(fake)


def wasserstein_losses(real: jax.Array, fake: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``critic = mean fake - mean real`` (minus the Kantorovich-Rubinstein estimate of
    W1 when the critic is 1-Lipschitz), ``generator = -mean fake`` (Arjovsky et al.
    2017, Algorithm 1).

    >>> import jax.numpy as jnp
    >>> [float(v) for v in wasserstein_losses(jnp.array([3.0, 1.0]), jnp.array([0.0]))]
    [-2.0, -0.0]
    """
    return jnp.mean(fake) - jnp.mean(real), -jnp.mean(fake)


def adversarial_losses(
    real: jax.Array,
    fake: jax.Array,
    *,
    kind: str,
    divergence: str = "gan",
    non_saturating: bool = True,
    ls_targets: tuple[float, float, float] = (0.0, 1.0, 1.0),
) -> tuple[jax.Array, jax.Array]:
    """``(critic_loss, generator_loss)`` for any ``kind`` of `ADVERSARIAL_LOSSES` (see the
    module table), from the critic's raw outputs ``real: [n]``, ``fake: [m]``.

    Both losses are returned from the same outputs; a model differentiates the critic
    loss w.r.t. the critic and the generator loss w.r.t. the generator (recomputing
    ``fake`` where the generator's gradient must flow). ``divergence`` and
    ``non_saturating`` select the f-GAN row and its generator loss (``kind="fgan"``);
    ``ls_targets`` are LSGAN's ``(a, b, c)``.

    >>> import jax.numpy as jnp
    >>> critic, gen = adversarial_losses(jnp.zeros(2), jnp.zeros(2), kind="ns")
    >>> round(float(critic), 4), round(float(gen), 4)
    (1.3863, 0.6931)
    """
    if kind in ("ns", "mm"):
        return gan_critic_loss(real, fake), gan_generator_loss(fake, kind=kind)
    if kind == "ls":
        a, b, c = ls_targets
        return least_squares_losses(real, fake, a=a, b=b, c=c)
    if kind == "hinge":
        return hinge_losses(real, fake)
    if kind == "wasserstein":
        return wasserstein_losses(real, fake)
    if kind == "fgan":
        return fgan_losses(real, fake, divergence=divergence, non_saturating=non_saturating)
    raise ValueError(f"kind={kind!r}; expected one of {ADVERSARIAL_LOSSES}")


def interpolates(x_real: jax.Array, x_fake: jax.Array, key: jax.Array) -> jax.Array:
    """``eps_i x_real_i + (1 - eps_i) x_fake_i`` with one ``eps_i ~ U[0, 1]`` per
    example (Gulrajani et al. 2017, Algorithm 1); ``x_real, x_fake: [b, ...]``."""
    if x_real.shape != x_fake.shape:
        raise ValueError(f"x_real {x_real.shape} and x_fake {x_fake.shape} must match")
    eps = jax.random.uniform(key, (x_real.shape[0],) + (1,) * (x_real.ndim - 1), x_real.dtype)
    return eps * x_real + (1.0 - eps) * x_fake


def gradient_penalty(
    critic_fn: Callable[[jax.Array], jax.Array],
    x_real: jax.Array,
    x_fake: jax.Array,
    key: jax.Array,
    *,
    target: float = 1.0,
    one_sided: bool = False,
) -> jax.Array:
    """WGAN-GP's penalty ``mean_i (‖∇_x D(x̂_i)‖₂ - target)²`` at random interpolates
    ``x̂_i`` of `interpolates` (or ``mean_i relu(‖∇D(x̂_i)‖ - target)²`` when
    ``one_sided``, Petzka et al. 2018).

    ``critic_fn: [b, ...] -> [b]`` must treat examples independently (no batch norm,
    as WGAN-GP requires): then the gradient of ``Σ_i D(x̂_i)`` w.r.t. ``x̂`` holds each
    example's own gradient, one backward pass for the batch, and the penalty is
    per example however the batch is sharded. The norm is ``sqrt(Σ g² + 1e-12)``, whose
    gradient is finite at 0. Differentiable w.r.t. the critic's parameters (a second
    derivative) and the samples. Cost: one forward and backward pass of the critic.

    Reference: Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017,
    Eq. 3, lambda = 10 (the caller multiplies).

    >>> import jax, jax.numpy as jnp
    >>> x = jnp.ones((4, 3))
    >>> penalty = gradient_penalty(lambda x: 2.0 * x.sum(-1), x, -x, jax.random.key(0))
    >>> round(float(penalty), 4)  # ‖∇‖ = 2·sqrt(3) for every example
    6.0718
    """
    x_hat = interpolates(x_real, x_fake, key)
    grads = jax.grad(lambda x: jnp.sum(critic_fn(x)))(x_hat)  # [b, ...]
    norms = jnp.sqrt(jnp.sum(jnp.square(grads.reshape(grads.shape[0], -1)), axis=1) + 1e-12)
    excess = norms - target
    if one_sided:
        excess = jax.nn.relu(excess)
    return jnp.mean(jnp.square(excess))
