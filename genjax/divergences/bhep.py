"""BHEP distance and the Henze-Zirkler test of multivariate normality.

The BHEP (Baringhaus-Henze-Epps-Pulley) family measures a sample against N(0, I) by
the L2 distance between Gaussian-smoothed densities, which Gaussian product integrals
``∫ N(x; a, A) N(x; b, B) dx = N(a; b, A + B)`` turn into closed-form kernel sums.
Henze and Zirkler (1990) apply it to the standardised sample with a smoothing that
grows with n, which makes an affine-invariant, consistent test of normality.

References: T. W. Epps, L. B. Pulley, "A test for normality based on the empirical
characteristic function", Biometrika 70 (1983); L. Baringhaus, N. Henze, "A consistent
test for multivariate normality based on the empirical characteristic function",
Metrika 35 (1988); N. Henze, B. Zirkler, "A class of invariant consistent tests for
multivariate normality", Comm. Statist. Theory Methods 19 (1990) 3595-3617.
"""

import functools
import math

import jax
import jax.numpy as jnp

from genjax.divergences import _checks
from genjax.divergences._pairwise import pairwise_sum


def _as_samples(z, name, min_samples):
    z = _checks.as_real(z, name)
    if z.ndim != 2:
        raise ValueError(f"{name} must be a 2-D [n, d] array of samples, got shape {z.shape}")
    if z.shape[0] < min_samples or z.shape[1] < 1:
        raise ValueError(
            f"{name} must hold at least {min_samples} samples of dimension >= 1, got {z.shape}"
        )
    return z


def _log_mean_kernels(z, gamma):
    """``log mean_ij exp(−‖z_i − z_j‖²/(4γ))`` and ``log mean_i exp(−‖z_i‖²/(2(1 + 2γ)))``.

    Logs, because the BHEP prefactors ``(4πγ)^(−d/2)`` and the cross term's exponentials
    leave the float32 range for large d; the pair mean is at least 1/n (diagonal terms),
    the cross mean goes through logsumexp.
    """
    n = z.shape[0]
    pair_sum = pairwise_sum(lambda dist: jnp.exp(-dist / (4.0 * gamma)), z, z)
    log_mean_pairs = jnp.log(pair_sum) - 2.0 * math.log(n)
    exponents = -jnp.sum(z * z, axis=-1) / (2.0 * (1.0 + 2.0 * gamma))  # [n]
    log_mean_cross = jax.nn.logsumexp(exponents) - math.log(n)
    return log_mean_pairs, log_mean_cross


def bhep(z, *, gamma):
    """Squared L2 distance between N(0, (1 + γ)I) and the sample smoothed by N(0, γI).

        BHEP_γ(z) = ‖ (1/n) Σ_i N(z_i, γI) − N(0, (1 + γ)I) ‖²_{L2(R^d)}
                  = (4πγ)^(−d/2) (1/n²) Σ_ij exp(−‖z_i − z_j‖²/(4γ))
                    − 2 (2π(1 + 2γ))^(−d/2) (1/n) Σ_i exp(−‖z_i‖²/(2(1 + 2γ)))
                    + (4π(1 + γ))^(−d/2)

    Smoothing the standard normal by the same kernel makes the distance vanish in
    expectation only as n → ∞ (the sample-sample sum includes i = j).

    Args:
      z: ``[n, d]`` sample (float32, float64; bf16 and integers computed in float32).
      gamma: smoothing variance, > 0, required (Python or numpy number, array or
        traced scalar). A known value <= 0, or None, is a ``ValueError``; a traced one
        must be > 0 (<= 0 gives NaN).

    Returns:
      Scalar ``jax.Array`` >= 0 (up to rounding). Its scale is ``(4πγ)^(−d/2)``: for
      large d or small γ it can leave the float32 range, where ``henze_zirkler``'s
      scaled statistic (``n (4πγ)^(d/2) BHEP_γ`` of the standardised sample) does not.

    Cost: O(n² d) time; O(n²) memory up to 2^22 pairs, then O(2^20 + n d) (row-blocked
    pair sums, see ``_pairwise.pairwise_sum``).
    Reference: Henze & Zirkler (1990), Sec. 2, in its smoothed-density form.

    >>> z = jax.random.normal(jax.random.key(0), (256, 2))
    >>> float(bhep(z, gamma=0.5)) < float(bhep(2.0 * z, gamma=0.5))
    True
    """
    z = _as_samples(z, "z", 1)
    _checks.check_positive(gamma, "gamma")
    return _bhep(z, gamma)


# Jitted inside so that eager calls compile once rather than op by op.
@jax.jit
def _bhep(z, gamma):
    d = z.shape[1]
    log_mean_pairs, log_mean_cross = _log_mean_kernels(z, gamma)
    half_d = 0.5 * d
    sample_term = jnp.exp(log_mean_pairs - half_d * jnp.log(4.0 * jnp.pi * gamma))
    cross_term = jnp.exp(log_mean_cross - half_d * jnp.log(2.0 * jnp.pi * (1.0 + 2.0 * gamma)))
    normal_term = jnp.exp(-half_d * jnp.log(4.0 * jnp.pi * (1.0 + gamma)))
    return sample_term - 2.0 * cross_term + normal_term


def henze_zirkler_beta(n, d):
    """The Henze-Zirkler smoothing ``β = (1/√2) ((2d + 1) n / 4)^(1/(d + 4))``.

    The kernel bandwidth of the optimal-KDE rule for normal data; it equals
    ``1/√(2γ)`` for the BHEP γ. Cost O(1).

    >>> round(henze_zirkler_beta(100, 2), 4)
    1.5811
    """
    return ((2 * d + 1) * n / 4.0) ** (1.0 / (d + 4)) / math.sqrt(2.0)


@functools.cache
def _lognormal_null(n, d):
    """(mu, sigma) of the log-normal approximation to the null law of the statistic,
    from its null mean and variance, with the formulas of R's MVN and pingouin."""
    b2 = henze_zirkler_beta(n, d) ** 2
    b4, b8 = b2 * b2, b2**4
    a = 1.0 + 2.0 * b2
    w = (1.0 + b2) * (1.0 + 3.0 * b2)
    mean = 1.0 - a ** (-d / 2) * (1.0 + d * b2 / a + d * (d + 2) * b4 / (2.0 * a**2))
    variance = (
        2.0 * (1.0 + 4.0 * b2) ** (-d / 2)
        + 2.0 * a ** (-d) * (1.0 + 2.0 * d * b4 / a**2 + 3.0 * d * (d + 2) * b8 / (4.0 * a**4))
        - 4.0 * w ** (-d / 2) * (1.0 + 3.0 * d * b4 / (2.0 * w) + d * (d + 2) * b8 / (2.0 * w**2))
    )
    log_mu = math.log(math.sqrt(mean**4 / (variance + mean**2)))
    log_sigma = math.sqrt(math.log1p(variance / mean**2))
    return log_mu, log_sigma


def henze_zirkler(z):
    """The Henze-Zirkler statistic of multivariate normality and its p-value.

    With ``w_i = S^(−1/2)(z_i − z̄)`` (sample mean; covariance ``S`` with divisor n, as in
    the paper, R's MVN and pingouin), ``β = henze_zirkler_beta(n, d)``:

        HZ = (1/n) Σ_ij exp(−β² ‖w_i − w_j‖²/2)
             − 2 (1 + β²)^(−d/2) Σ_i exp(−β² ‖w_i‖² / (2(1 + β²)))
             + n (1 + 2β²)^(−d/2)

    i.e. ``n (4πγ)^(d/2) bhep(w, gamma=γ)`` with ``γ = 1/(2β²)``. The p-value is the upper
    tail of the log-normal law with the statistic's null mean and variance (the
    approximation of Henze & Zirkler, used by R's MVN and ``pingouin``).

    Args:
      z: ``[n, d]`` sample with ``n > d`` (so that S is invertible); float32, float64,
        or bf16 and integers computed in float32. The statistic is invariant to affine
        maps of z, in floating point too: z is divided by its largest centred entry
        before the covariance is formed, so samples scaled by 1e-20 or 1e19 (whose
        squares leave the float32 range) give the same statistic as unscaled ones.

    Returns:
      ``(statistic, p_value)``, two scalar ``jax.Array``s; small p-values reject
      normality. Degenerate samples (singular S) give NaN.

    Cost: O(n² d + n d² + d³) time, memory as ``bhep`` plus O(d²). On CPUs with few
    cores set ``OPENBLAS_NUM_THREADS=1`` before importing jax: the Cholesky factorisation
    is a LAPACK call whose OpenBLAS threads keep spinning afterwards and starve the XLA
    work that follows (measured 25x slower forward at n = 256, d = 64 on 2 cores).
    Reference: Henze & Zirkler (1990); the p-value as in R's MVN (Korkmaz et al., R
    Journal 2014) and pingouin.

    >>> z = jax.random.normal(jax.random.key(0), (200, 3))
    >>> float(henze_zirkler(z)[1]) > float(henze_zirkler(z**3)[1])
    True
    """
    z = _as_samples(z, "z", 2)
    n, d = z.shape
    if n <= d:
        raise ValueError(f"z needs more samples than dimensions (n > d), got shape {z.shape}")
    return _henze_zirkler(z)


@jax.jit
def _henze_zirkler(z):
    n, d = z.shape
    centred = z - jnp.mean(z, axis=0)
    # Divide by the largest entry first, so that the covariance neither overflows nor
    # underflows float32 at any scale of z. w below is exactly invariant to this factor,
    # so its derivative contributes nothing and stop_gradient loses nothing.
    scale = jax.lax.stop_gradient(jnp.max(jnp.abs(centred)))
    centred = centred / jnp.where(scale > 0, scale, 1.0)
    covariance = centred.T @ centred / n  # [d, d]
    cholesky = jnp.linalg.cholesky(covariance)
    # w = L⁻¹ (z − z̄): Mahalanobis distances become Euclidean ones. Inverting the d×d
    # factor and multiplying is a plain matmul; XLA:CPU's triangular solve with n
    # right-hand sides was 10-50x slower end to end (measured at n = 256, d = 8).
    cholesky_inverse = jax.scipy.linalg.solve_triangular(
        cholesky, jnp.eye(d, dtype=z.dtype), lower=True
    )
    w = centred @ cholesky_inverse.T  # [n, d]
    beta = henze_zirkler_beta(n, d)
    gamma = 1.0 / (2.0 * beta**2)
    log_mean_pairs, log_mean_cross = _log_mean_kernels(w, gamma)
    statistic = n * (
        jnp.exp(log_mean_pairs)
        - 2.0 * jnp.exp(log_mean_cross - 0.5 * d * math.log1p(beta**2))
        + math.exp(-0.5 * d * math.log1p(2.0 * beta**2))
    )
    log_mu, log_sigma = _lognormal_null(n, d)
    z_score = (jnp.log(statistic) - log_mu) / (log_sigma * math.sqrt(2.0))
    p_value = 0.5 * jax.scipy.special.erfc(z_score)
    return statistic, p_value
