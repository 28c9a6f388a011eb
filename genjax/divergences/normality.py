"""Moment statistics of a latent sample against the N(0, I) prior.

Mardia's statistics here follow the CWAE convention: they compare the sample with
N(0, I) itself, so they are computed *without* centring or whitening (the textbook
test statistics standardise by the sample mean and covariance, which would make them
blind to a shifted or scaled latent code).
"""

import jax
import jax.numpy as jnp

from genjax.divergences import _checks


def _as_samples(z, name="z", *, min_n=1, min_d=1):
    z = _checks.as_real(z, name)
    if z.ndim != 2:
        raise ValueError(f"{name} must have shape [n, d], got shape {z.shape}")
    if z.shape[0] < min_n:
        raise ValueError(f"{name} needs at least {min_n} samples, got shape {z.shape}")
    if z.shape[1] < min_d:
        raise ValueError(f"{name} needs dimension d >= {min_d}, got shape {z.shape}")
    return z


def mardia_skewness(z):
    """Mardia's multivariate skewness against N(0, I), without standardisation.

    ``b₁ = (1/n²) Σ_i Σ_j (z_i · z_j)³``.

    For a sample of ``N(0, I_d)`` the terms ``i ≠ j`` have expectation 0 (``z_i·z_j``
    is symmetric about 0) and the diagonal ones ``E‖z‖⁶ = d(d+2)(d+4)``, so
    ``E b₁ = d(d+2)(d+4)/n``: small but not 0, shrinking as ``1/n``. (Mardia's χ²
    law for ``n·b₁/6`` belongs to the standardised statistic, not to this one.)

    Args:
      z: ``[n, d]`` samples (float32 or bf16; computed in at least float32).

    Returns:
      Scalar ``b₁ ≥ 0``.

    Cost O(n²·d) time (one Gram matrix), O(n²) memory.

    Reference: Mardia, "Measures of multivariate skewness and kurtosis with
    applications", Biometrika 1970; Tabor, Knop, Spurek, Podolak, Mazur, Jastrzębski,
    "Cramer-Wold AutoEncoder", JMLR 2020 (used without standardisation).

    >>> import jax.numpy as jnp
    >>> float(mardia_skewness(jnp.array([[1.0, 0.0], [-1.0, 0.0]])))  # (1 − 1 − 1 + 1)/4
    0.0
    """
    z = _as_samples(z)
    n = z.shape[0]
    # Full precision: the cube amplifies relative rounding of the inner products.
    gram = jnp.matmul(z, z.T, precision=jax.lax.Precision.HIGHEST)  # [n, n]
    return jnp.sum(gram**3) / (n * n)


def mardia_kurtosis(z):
    """Mardia's multivariate kurtosis against N(0, I), centred on its normal value.

    ``b₂ = (1/n) Σ_i ‖z_i‖⁴ − d(d+2)``.

    Signed: ``E b₂ = 0`` for a sample of ``N(0, I_d)`` (``E‖z‖⁴ = d(d+2)``), positive
    for heavier tails or a larger scale, negative for lighter ones. Its standard
    deviation under ``N(0, I_d)`` is ``sqrt(8d(d+2)(d+3)/n)``, since
    ``Var‖z‖⁴ = d(d+2)(d+4)(d+6) − d²(d+2)² = 8d(d+2)(d+3)`` (Mardia's standardised
    statistic has the smaller ``8d(d+2)/n``).

    Args:
      z: ``[n, d]`` samples.

    Returns:
      Scalar ``b₂``.

    Cost O(n·d) time and memory.

    Reference: Mardia, Biometrika 1970; Tabor et al., "Cramer-Wold AutoEncoder",
    JMLR 2020.

    >>> import jax.numpy as jnp
    >>> float(mardia_kurtosis(jnp.array([[1.0, 1.0], [0.0, 2.0]])))  # (4 + 16)/2 − 2·4
    2.0
    """
    z = _as_samples(z)
    d = z.shape[1]
    squared_norms = jnp.sum(z * z, axis=-1)  # [n]
    return jnp.mean(squared_norms * squared_norms) - d * (d + 2)


def normalized_absolute_correlation(z):
    """Mean absolute Pearson correlation between distinct latent dimensions.

    ``ρ_jk = Σ_i (z_ij − z̄_j)(z_ik − z̄_k) / sqrt(Σ_i (z_ij − z̄_j)² Σ_i (z_ik − z̄_k)²)``,
    ``NAC = 1/(d(d−1)) Σ_{j≠k} |ρ_jk|`` ∈ [0, 1].

    "Normalised" twice: correlations rather than covariances (scale free) and a mean
    over the ``d(d−1)`` ordered pairs rather than a sum (comparable across ``d``).
    0 means linearly decorrelated coordinates, as the N(0, I) prior has; 1 means all
    coordinates are affine functions of one another. Invariant to the scale of each
    coordinate in floating point too (columns are rescaled before squaring, so z
    scaled by 1e19 or 1e-20 gives the NAC of z). For an independent sample of
    size ``n`` the expected value is about ``sqrt(2/(π n))``, not 0. A constant
    coordinate has no correlation; it contributes 0 (not NaN, so gradients stay
    finite).

    There is no single canonical reference: this is the mean of the off-diagonal of
    the correlation matrix whose distance to the identity DIP-VAE penalises (Kumar,
    Sattigeri, Balakrishnan, "Variational Inference of Disentangled Latent Concepts
    from Unlabeled Observations", ICLR 2018).

    Args:
      z: ``[n, d]`` samples, ``n ≥ 2``, ``d ≥ 2``.

    Returns:
      Scalar in [0, 1].

    Cost O(n·d²) time, O(n·d + d²) memory.

    >>> import jax.numpy as jnp
    >>> z = jnp.array([[0.0, 0.0, 1.0], [1.0, 2.0, 1.0], [2.0, 4.0, 0.0]])
    >>> round(float(normalized_absolute_correlation(z)), 4)  # |ρ| = 1, √3/2, √3/2
    0.9107
    """
    z = _as_samples(z, min_n=2, min_d=2)
    n, d = z.shape
    centred = z - jnp.mean(z, axis=0)  # [n, d]
    # Each column divided by its largest entry first, so that the squares neither
    # overflow nor underflow float32 at any scale; ρ is invariant to the factor, so
    # stop_gradient loses nothing.
    scale = jax.lax.stop_gradient(jnp.max(jnp.abs(centred), axis=0))  # [d]
    centred = centred / jnp.where(scale > 0, scale, 1.0)
    variance = jnp.mean(centred * centred, axis=0)  # [d]
    # Double `where`: the rsqrt branch never sees a 0, so its gradient is not NaN.
    positive = variance > 0
    inv_std = jnp.where(positive, jax.lax.rsqrt(jnp.where(positive, variance, 1.0)), 0.0)
    standardized = centred * inv_std  # [n, d]
    correlation = (
        jnp.matmul(standardized.T, standardized, precision=jax.lax.Precision.HIGHEST) / n
    )  # [d, d]
    off_diagonal = ~jnp.eye(d, dtype=bool)
    return jnp.sum(jnp.where(off_diagonal, jnp.abs(correlation), 0.0)) / (d * (d - 1))
