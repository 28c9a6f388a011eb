"""mardia_skewness, mardia_kurtosis, normalized_absolute_correlation against numpy
loops, Monte Carlo moments of N(0, I), invariances and the contract."""

import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.stats import ortho_group

from genjax.divergences.normality import (
    mardia_kurtosis,
    mardia_skewness,
    normalized_absolute_correlation,
)
from tests import contract

skew_jit, kurt_jit, nac_jit = (
    jax.jit(f) for f in (mardia_skewness, mardia_kurtosis, normalized_absolute_correlation)
)


def skewness_reference(z):
    n = len(z)
    return sum(float(np.dot(z[i], z[j])) ** 3 for i in range(n) for j in range(n)) / n**2


def kurtosis_reference(z):
    d = z.shape[1]
    return sum(float(np.dot(row, row)) ** 2 for row in z) / len(z) - d * (d + 2)


def nac_reference(z):
    d = z.shape[1]
    rho = np.corrcoef(z, rowvar=False)
    return sum(abs(rho[j, k]) for j, k in itertools.permutations(range(d), 2)) / (d * (d - 1))


def test_match_numpy_loops(rng):
    z = (rng.normal(size=(9, 4)) * [1.0, 2.0, 0.5, 1.0] + [0.3, 0, -1, 0]).astype(np.float32)
    z64 = z.astype(np.float64)
    np.testing.assert_allclose(skew_jit(z), skewness_reference(z64), rtol=1e-5)
    np.testing.assert_allclose(kurt_jit(z), kurtosis_reference(z64), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(nac_jit(z), nac_reference(z64), rtol=1e-5)
    for f in (mardia_skewness, mardia_kurtosis, normalized_absolute_correlation):
        assert f(z).shape == () and f(z).dtype == jnp.float32


def test_moments_of_a_normal_sample_by_monte_carlo():
    """E b₁ = d(d+2)(d+4)/n, E b₂ = 0 and sd b₂ = sqrt(8d(d+2)(d+3)/n) as documented."""
    sets, n, d = 3000, 16, 3
    z = jax.random.normal(jax.random.key(0), (sets, n, d))
    skew = np.asarray(jax.vmap(mardia_skewness)(z), np.float64)
    kurt = np.asarray(jax.vmap(mardia_kurtosis)(z), np.float64)
    se = lambda a: a.std(ddof=1) / math.sqrt(sets)  # noqa: E731
    assert abs(skew.mean() - d * (d + 2) * (d + 4) / n) < 4 * se(skew)
    assert abs(kurt.mean()) < 4 * se(kurt)
    np.testing.assert_allclose(kurt.std(), math.sqrt(8 * d * (d + 2) * (d + 3) / n), rtol=0.1)


def test_nac_of_independent_coordinates_is_about_sqrt_2_over_pi_n():
    sets, n, d = 200, 400, 4
    z = jax.random.normal(jax.random.key(1), (sets, n, d))
    nac = np.asarray(jax.vmap(normalized_absolute_correlation)(z))
    np.testing.assert_allclose(nac.mean(), math.sqrt(2 / (math.pi * n)), rtol=0.1)


def test_invariances(rng):
    z = rng.normal(size=(20, 3)) ** 2  # skewed, so that the values are not ~0
    rotation = ortho_group.rvs(3, random_state=2)
    z32, rotated = z.astype(np.float32), (z @ rotation.T).astype(np.float32)
    # b₁, b₂ depend on inner products and norms only: invariant under rotations ...
    np.testing.assert_allclose(skew_jit(rotated), skew_jit(z32), rtol=1e-4)
    np.testing.assert_allclose(kurt_jit(rotated), kurt_jit(z32), rtol=1e-4)
    # ... but not under translation: they measure distance from N(0, I) itself.
    assert skew_jit(z32 + 1.0) > 2 * skew_jit(z32)
    # NAC is invariant under per-coordinate affine maps (any sign) and permutations.
    affine = (z * [2.0, -0.5, 3.0] + [1.0, 2.0, -3.0]).astype(np.float32)
    np.testing.assert_allclose(nac_jit(affine), nac_jit(z32), rtol=1e-4)
    np.testing.assert_allclose(nac_jit(z32[:, [2, 0, 1]]), nac_jit(z32), rtol=1e-5)


def test_symmetric_sample_has_zero_skewness(rng):
    half = rng.normal(size=(10, 3))
    z = np.concatenate([half, -half]).astype(np.float32)  # (z_i·z_j)³ cancels with −z_j
    np.testing.assert_allclose(skew_jit(z), 0.0, atol=1e-3)


def test_departures_from_normality_are_detected(rng):
    z = rng.normal(size=(2000, 4)).astype(np.float32)
    exponential = (rng.exponential(size=(2000, 4)) - 1.0).astype(np.float32)
    student = (rng.standard_t(5.0, size=(2000, 4)) / math.sqrt(5 / 3)).astype(np.float32)
    assert skew_jit(exponential) > 10 * skew_jit(z)
    assert kurt_jit(student) > 10 * abs(kurt_jit(z))
    assert kurt_jit(0.7 * z) < -10 * abs(kurt_jit(z))  # lighter than N(0, I): negative
    mixed = z @ np.array([[1, 0.8, 0, 0], [0, 0.6, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1.0]])
    # ρ = 0.8 for one pair (twice among the 12 ordered ones); the other 10 carry only
    # sampling noise, E|ρ| ≈ sqrt(2/(π n)); the estimate's sd is about 0.005.
    want = (2 * 0.8 + 10 * math.sqrt(2 / (math.pi * 2000))) / 12
    np.testing.assert_allclose(nac_jit(mixed), want, atol=0.02)
    # That was the law; on this very sample the value is numpy's corrcoef exactly.
    np.testing.assert_allclose(nac_jit(mixed), nac_reference(mixed), rtol=1e-5)
    e64 = exponential.astype(np.float64)  # the loop reference is slow at n = 2000
    np.testing.assert_allclose(
        skew_jit(exponential), np.sum((e64 @ e64.T) ** 3) / 2000**2, rtol=1e-4
    )
    np.testing.assert_allclose(kurt_jit(student), kurtosis_reference(student), rtol=1e-4)


def test_nac_limits_and_constant_columns():
    t = jnp.linspace(-1.0, 1.0, 11)
    np.testing.assert_allclose(nac_jit(jnp.stack([t, -2 * t + 1, 3 * t], axis=1)), 1.0, rtol=1e-5)
    with_constant = jnp.stack([t, t**2, jnp.ones_like(t)], axis=1)  # ρ(t, t²) = 0 here
    np.testing.assert_allclose(nac_jit(with_constant), 0.0, atol=1e-6)
    grad = jax.jit(jax.grad(normalized_absolute_correlation))(
        with_constant + 0.1 * t[:, None] ** 3 * jnp.array([0, 1, 0])
    )
    assert np.all(np.isfinite(np.asarray(grad)))


@pytest.mark.parametrize(
    "fn, shape, match",
    [
        (mardia_skewness, (4,), r"\[n, d\]"),
        (mardia_kurtosis, (2, 3, 4), r"\[n, d\]"),
        (mardia_skewness, (0, 3), "at least 1"),
        (normalized_absolute_correlation, (5, 1), "d >= 2"),
        (normalized_absolute_correlation, (1, 3), "at least 2"),
    ],
)
def test_rejects_bad_shapes(fn, shape, match):
    with pytest.raises(ValueError, match=match):
        fn(jnp.zeros(shape))


def test_bf16_inputs_are_computed_in_float32(rng):
    z16 = jnp.asarray(rng.normal(size=(32, 4)), jnp.bfloat16)
    z32 = np.asarray(z16, np.float32)
    for f in (skew_jit, kurt_jit, nac_jit):
        assert f(z16).dtype == jnp.float32
        np.testing.assert_allclose(f(z16), f(z32), rtol=1e-6)


# ---------------------------------------------------------------- contract

FUNCTIONS = [mardia_skewness, mardia_kurtosis, normalized_absolute_correlation]


@pytest.mark.parametrize("fn", FUNCTIONS)
def test_contract(rng, mesh, fn):
    z = (rng.normal(size=(16, 3)) + 0.2).astype(np.float32)
    contract.assert_jit_matches_eager(fn, z, rtol=1e-5, atol=1e-5)
    contract.assert_sharded_matches(fn, mesh, z, rtol=1e-5, atol=1e-5)
    contract.assert_vmap_matches_loop(jax.jit(fn), z.reshape(2, 8, 3), rtol=1e-5, atol=1e-5)
    contract.assert_compiles_once(
        fn, lambda i: (jnp.asarray(rng.normal(size=(8, 3)), jnp.float32),)
    )
    contract.assert_grads_match_finite_differences(jax.jit(fn), rng.normal(size=(6, 3)))
