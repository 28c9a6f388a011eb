"""Closed forms between Gaussians with diagonal covariances, parametrised as VAEs are.

Every function takes means and log-variances of shape ``[..., d]`` (typically
``[n, d]``, one Gaussian per example) and returns one value per Gaussian, ``[...]``
(``[n]``): callers choose how to reduce over the batch.
"""

import jax.numpy as jnp

from genjax.divergences import _checks


def _as_params(**arrays):
    """Cast to a common floating dtype (at least float32) and check equal shapes."""
    arrays = {name: _checks.as_real(a, name) for name, a in arrays.items()}
    dtype = jnp.result_type(jnp.float32, *arrays.values())
    first_name, first = next(iter(arrays.items()))
    if first.ndim < 1:
        raise ValueError(f"{first_name} must have shape [..., d], got a scalar")
    for name, a in arrays.items():
        if a.shape != first.shape:
            raise ValueError(
                f"{name} must have the shape of {first_name}, {first.shape}, got {a.shape}"
            )
    return [a.astype(dtype) for a in arrays.values()]


def kl_standard_normal(mean, log_var):
    """KL divergence from ``N(mean, diag exp(log_var))`` to ``N(0, I)``, per example.

    ``KL = ½ Σ_j (exp(log_var_j) + mean_j² − 1 − log_var_j)``, the VAE regulariser.

    Args:
      mean: ``[n, d]`` (or ``[..., d]``) means.
      log_var: log-variances, the same shape.

    Returns:
      ``[n]`` (``[...]``) KL divergences in nats, ≥ 0.

    Cost O(n·d).

    Reference: Kingma and Welling, "Auto-Encoding Variational Bayes", ICLR 2014,
    Appendix B.

    >>> import jax.numpy as jnp
    >>> kl_standard_normal(jnp.array([[0.0, 0.0], [1.0, 0.0]]), jnp.zeros((2, 2)))
    Array([0. , 0.5], dtype=float32)
    """
    mean, log_var = _as_params(mean=mean, log_var=log_var)
    return 0.5 * jnp.sum(jnp.exp(log_var) + mean * mean - 1.0 - log_var, axis=-1)


def kl_gaussians(mean_p, log_var_p, mean_q, log_var_q):
    """KL divergence ``KL(p ‖ q)`` between diagonal Gaussians, per example.

    ``KL = ½ Σ_j (log_var_q − log_var_p + (exp(log_var_p) + (mean_p − mean_q)²)
    / exp(log_var_q) − 1)``.

    Args:
      mean_p: ``[n, d]`` (or ``[..., d]``) means of ``p``.
      log_var_p: log-variances of ``p``, the same shape.
      mean_q: means of ``q``, the same shape.
      log_var_q: log-variances of ``q``, the same shape.

    Returns:
      ``[n]`` (``[...]``) KL divergences in nats, ≥ 0, 0 iff ``p == q``.

    Cost O(n·d).

    Reference: e.g. Bishop, "Pattern Recognition and Machine Learning", 2006,
    Exercise 2.13 (diagonal case).

    >>> import jax.numpy as jnp
    >>> z = jnp.zeros((1, 3))
    >>> kl_gaussians(z, z, z + 1.0, z)
    Array([1.5], dtype=float32)
    """
    mean_p, log_var_p, mean_q, log_var_q = _as_params(
        mean_p=mean_p, log_var_p=log_var_p, mean_q=mean_q, log_var_q=log_var_q
    )
    # exp of differences rather than ratios of exps: no overflow for large variances.
    ratio = jnp.exp(log_var_p - log_var_q)
    mahalanobis = (mean_p - mean_q) ** 2 * jnp.exp(-log_var_q)
    return 0.5 * jnp.sum(ratio + mahalanobis - 1.0 - (log_var_p - log_var_q), axis=-1)


def wasserstein2_gaussians(mean_p, log_var_p, mean_q, log_var_q):
    """Squared 2-Wasserstein distance between diagonal Gaussians, per example.

    ``W₂² = Σ_j (mean_p − mean_q)² + (σ_p − σ_q)²`` with ``σ = exp(log_var / 2)``
    (the Fréchet / Bures formula, whose trace term reduces to this for commuting
    covariances).

    Args:
      mean_p: ``[n, d]`` (or ``[..., d]``) means of ``p``.
      log_var_p: log-variances of ``p``, the same shape.
      mean_q: means of ``q``, the same shape.
      log_var_q: log-variances of ``q``, the same shape.

    Returns:
      ``[n]`` (``[...]``) squared distances, symmetric in ``p`` and ``q``.

    Cost O(n·d).

    Reference: Dowson and Landau, "The Fréchet distance between multivariate normal
    distributions", J. Multivariate Anal. 1982.

    >>> import jax.numpy as jnp
    >>> z = jnp.zeros((1, 2))
    >>> wasserstein2_gaussians(z, z, z + 1.0, z + 2 * jnp.log(3.0))
    Array([10.], dtype=float32)
    """
    mean_p, log_var_p, mean_q, log_var_q = _as_params(
        mean_p=mean_p, log_var_p=log_var_p, mean_q=mean_q, log_var_q=log_var_q
    )
    sigma_gap = jnp.exp(0.5 * log_var_p) - jnp.exp(0.5 * log_var_q)
    return jnp.sum((mean_p - mean_q) ** 2 + sigma_gap**2, axis=-1)
