"""f-divergences for f-GAN: generators ``f``, conjugates ``f*`` and output activations.

``D_f(P ‖ Q) = E_Q[f(p/q)] ≥ sup_T E_P[T] − E_Q[f*(T)]`` (Fenchel duality), with
equality at ``T* = f'(p/q)``. A critic outputs unconstrained ``v``; the activation
``g_f`` maps it into the domain of ``f*`` and ``T = g_f(v)``.

Nowozin, Cseke, Tomioka, "f-GAN: Training Generative Neural Samplers using
Variational Divergence Minimization", NeurIPS 2016, Tables 1 and 2.
"""

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax.scipy.special import xlogy

from genjax.divergences import _checks

_LOG2 = 0.6931471805599453


class FDivergence(NamedTuple):
    """One row of the f-GAN tables; every callable is elementwise.

    Fields:
      name: key in :data:`F_DIVERGENCES`.
      f: the convex generator, ``f: (0, ∞) → R`` (for ``pearson`` Table 2's ``f*`` is
        the conjugate of ``(u − 1)²`` over all of R, so it keeps decreasing below
        ``t = −2`` where the optimal ratio would be negative).
      f_conjugate: ``f*(t) = sup_u u·t − f(u)`` on its domain.
      activation: ``g_f: R → dom f*`` applied to the critic's raw output.
      conjugate_of_activation: ``v ↦ f*(g_f(v))`` written without cancellation
        (e.g. ``softplus(v)`` for the GAN row instead of ``−log(1 − sigmoid(v))``,
        which saturates to ``inf`` in float32); ``None`` composes the two above.
    """

    name: str
    f: Callable
    f_conjugate: Callable
    activation: Callable
    conjugate_of_activation: Callable | None = None


# D_f = E_Q f(p/q) for each row (Nowozin et al., Table 1; domains of f* from Table 2):
#   kl                 KL(P‖Q)                f*: R
#   reverse_kl         KL(Q‖P)                f*: t < 0
#   pearson            χ²(P‖Q) = Σ (p−q)²/q    f*: R
#   squared_hellinger  Σ (√p − √q)²           f*: t < 1
#   jensen_shannon     2·JS(P, Q)             f*: t < log 2
#   gan                2·JS(P, Q) − log 4     f*: t < 0
# The f-GAN paper writes JS with a factor ½ but lists this f, whose D_f is 2·JS; we
# keep the f (it fixes the critic's optimum) and state the divergence it gives. The
# GAN row has f(1) = −log 4 ≠ 0: it is the original GAN objective, not normalised.
F_DIVERGENCES = {
    "kl": FDivergence(
        name="kl",
        f=lambda u: xlogy(u, u),
        f_conjugate=lambda t: jnp.exp(t - 1.0),
        activation=lambda v: v,
        conjugate_of_activation=lambda v: jnp.exp(v - 1.0),
    ),
    "reverse_kl": FDivergence(
        name="reverse_kl",
        f=lambda u: -jnp.log(u),
        f_conjugate=lambda t: -1.0 - jnp.log(-t),
        activation=lambda v: -jnp.exp(-v),
        conjugate_of_activation=lambda v: v - 1.0,
    ),
    "pearson": FDivergence(
        name="pearson",
        f=lambda u: (u - 1.0) ** 2,
        f_conjugate=lambda t: 0.25 * t * t + t,
        activation=lambda v: v,
        conjugate_of_activation=lambda v: 0.25 * v * v + v,
    ),
    "squared_hellinger": FDivergence(
        name="squared_hellinger",
        f=lambda u: (jnp.sqrt(u) - 1.0) ** 2,
        f_conjugate=lambda t: t / (1.0 - t),
        activation=lambda v: -jnp.expm1(-v),
        conjugate_of_activation=jnp.expm1,
    ),
    "jensen_shannon": FDivergence(
        name="jensen_shannon",
        f=lambda u: xlogy(u, u) - xlogy(u + 1.0, 0.5 * (u + 1.0)),
        f_conjugate=lambda t: -jnp.log(2.0 - jnp.exp(t)),
        activation=lambda v: _LOG2 - jax.nn.softplus(-v),
        conjugate_of_activation=lambda v: jax.nn.softplus(v) - _LOG2,
    ),
    "gan": FDivergence(
        name="gan",
        f=lambda u: xlogy(u, u) - xlogy(u + 1.0, u + 1.0),
        f_conjugate=lambda t: -jnp.log1p(-jnp.exp(t)),
        activation=lambda v: -jax.nn.softplus(-v),
        conjugate_of_activation=jax.nn.softplus,
    ),
}
"""The f-GAN divergences by name: ``kl``, ``reverse_kl``, ``pearson``,
``squared_hellinger``, ``jensen_shannon``, ``gan``."""


def fgan_losses(v_real, v_fake, *, divergence, non_saturating=False):
    """Critic and generator losses of f-GAN for one divergence.

    With ``T = g_f(v)`` the variational bound is
    ``F = mean_i g_f(v_real_i) − mean_j f*(g_f(v_fake_j)) ≤ D_f(P ‖ Q)``,
    ``P`` the data and ``Q`` the generator. The critic maximises ``F``, so
    ``critic_loss = −F``. The generator minimises ``F`` (``generator_loss = F``;
    only its second term depends on the generator, the first is a constant there).

    ``non_saturating=True`` gives the generator loss ``−mean_j g_f(v_fake_j)``
    instead (Nowozin et al., Section 3.2): the same fixed point, but strong gradients
    early in training when ``Q`` is far from ``P``; for ``"gan"`` it is the usual
    ``−E log D(G(z))``. ``critic_loss`` is the same either way.

    Args:
      v_real: ``[n]`` (or any shape) raw critic outputs on data samples.
      v_fake: ``[m]`` raw critic outputs on generated samples.
      divergence: a key of :data:`F_DIVERGENCES` or an :class:`FDivergence` (static).
      non_saturating: use the non-saturating generator loss (static).

    Returns:
      ``(critic_loss, generator_loss)``, two scalars.

    Cost O(n + m).

    Reference: Nowozin, Cseke, Tomioka, "f-GAN", NeurIPS 2016, Eq. 6, Tables 1–2.

    >>> import jax.numpy as jnp
    >>> critic, generator = fgan_losses(jnp.zeros(4), jnp.zeros(4), divergence="kl")
    >>> round(float(critic), 4), round(float(generator), 4)  # F = 0 − exp(0 − 1)
    (0.3679, -0.3679)
    """
    if isinstance(divergence, str):
        if divergence not in F_DIVERGENCES:
            raise ValueError(
                f"divergence must be one of {sorted(F_DIVERGENCES)} or an FDivergence, "
                f"got {divergence!r}"
            )
        divergence = F_DIVERGENCES[divergence]
    elif not isinstance(divergence, FDivergence):
        raise ValueError(f"divergence must be a name or an FDivergence, got {divergence!r}")
    v_real, v_fake = _checks.as_real(v_real, "v_real"), _checks.as_real(v_fake, "v_fake")
    for name, v in (("v_real", v_real), ("v_fake", v_fake)):
        if v.size == 0:
            raise ValueError(f"{name} must not be empty")
    dtype = jnp.result_type(jnp.float32, v_real, v_fake)
    v_real, v_fake = v_real.astype(dtype), v_fake.astype(dtype)

    if divergence.conjugate_of_activation is None:
        conjugate_fake = divergence.f_conjugate(divergence.activation(v_fake))
    else:
        conjugate_fake = divergence.conjugate_of_activation(v_fake)
    bound = jnp.mean(divergence.activation(v_real)) - jnp.mean(conjugate_fake)
    if non_saturating:
        generator_loss = -jnp.mean(divergence.activation(v_fake))
    else:
        generator_loss = bound
    return -bound, generator_loss
