"""Fréchet distance against scipy's sqrtm formula (pytorch-fid) and Gaussian closed forms."""

import numpy as np
import pytest
import scipy.linalg

from genjax.evaluation import (
    feature_statistics,
    frechet_distance,
    frechet_distance_from_statistics,
)


def pytorch_fid_formula(mu1, sigma1, mu2, sigma2):
    """pytorch-fid's calculate_frechet_distance, in float64 with scipy's sqrtm."""
    covmean = scipy.linalg.sqrtm(sigma1 @ sigma2)
    covmean = np.real(covmean)
    diff = mu1 - mu2
    return diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean)


def random_covariance(rng, k, scale=1.0):
    a = rng.normal(size=(k, k)) * scale
    return a @ a.T + 0.1 * np.eye(k)


def correlated_features(rng, n, k, shift=0.0):
    return rng.normal(size=(n, k)) @ rng.normal(size=(k, k)) + shift


def test_feature_statistics_match_numpy(rng):
    features = correlated_features(rng, 300, 5).astype(np.float32)
    mu, sigma = feature_statistics(features)
    assert mu.dtype == sigma.dtype == np.float64
    np.testing.assert_allclose(mu, features.astype(np.float64).mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(sigma, np.cov(features.astype(np.float64), rowvar=False), rtol=1e-10)


def test_matches_scipy_sqrtm_formula(rng):
    a = correlated_features(rng, 400, 8)
    b = correlated_features(rng, 300, 8, shift=0.5)
    expected = pytorch_fid_formula(
        a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False)
    )
    np.testing.assert_allclose(frechet_distance(a, b), expected, rtol=1e-9)


def test_statistics_path_matches_scipy_for_random_covariances(rng):
    k = 16
    mu1, mu2 = rng.normal(size=k), rng.normal(size=k)
    sigma1, sigma2 = random_covariance(rng, k), random_covariance(rng, k, scale=2.0)
    np.testing.assert_allclose(
        frechet_distance_from_statistics(mu1, sigma1, mu2, sigma2),
        pytorch_fid_formula(mu1, sigma1, mu2, sigma2),
        rtol=1e-9,
    )


def test_closed_form_for_commuting_covariances(rng):
    # Σ1 = R diag(a) Rᵀ, Σ2 = R diag(b) Rᵀ: W2² = ‖Δμ‖² + Σ_i (√a_i − √b_i)².
    k = 6
    rotation, _ = np.linalg.qr(rng.normal(size=(k, k)))
    a, b = rng.uniform(0.1, 3.0, size=k), rng.uniform(0.1, 3.0, size=k)
    mu1, mu2 = rng.normal(size=k), rng.normal(size=k)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    got = frechet_distance_from_statistics(
        mu1, rotation @ np.diag(a) @ rotation.T, mu2, rotation @ np.diag(b) @ rotation.T
    )
    np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_closed_form_for_non_commuting_2x2(rng):
    # For a 2x2 matrix M with positive eigenvalues, tr √M = √(tr M + 2 √det M).
    sigma1, sigma2 = random_covariance(rng, 2), random_covariance(rng, 2)
    assert not np.allclose(sigma1 @ sigma2, sigma2 @ sigma1)
    product = sigma1 @ sigma2
    trace_sqrt = np.sqrt(np.trace(product) + 2 * np.sqrt(np.linalg.det(product)))
    expected = np.trace(sigma1) + np.trace(sigma2) - 2 * trace_sqrt
    got = frechet_distance_from_statistics(np.zeros(2), sigma1, np.zeros(2), sigma2)
    np.testing.assert_allclose(got, expected, rtol=1e-10)


def test_samples_approach_the_gaussian_closed_form(rng):
    # 1-D: W2²(N(m1, s1²), N(m2, s2²)) = (m1 − m2)² + (s1 − s2)² = 4 + 1.
    a = rng.normal(0.0, 1.0, size=(200_000, 1))
    b = rng.normal(2.0, 2.0, size=(200_000, 1))
    assert frechet_distance(a, b) == pytest.approx(5.0, abs=0.05)


def test_distance_to_itself_is_zero_and_symmetric(rng):
    a = correlated_features(rng, 500, 32).astype(np.float32)
    b = correlated_features(rng, 400, 32, shift=0.1).astype(np.float32)
    scale = np.trace(np.cov(a.astype(np.float64), rowvar=False))
    assert abs(frechet_distance(a, a)) < 1e-10 * scale
    np.testing.assert_allclose(frechet_distance(a, b), frechet_distance(b, a), rtol=1e-10)


def test_rank_deficient_covariances_are_handled(rng):
    # Fewer samples than features: both covariances are singular, where
    # pytorch-fid needs an eps offset. Exact value by another route: with centred
    # data A [n, k], B [m, k], Σa = AᵀA/(n−1), Σb = BᵀB/(m−1), the cross term
    # tr((Σa^½ Σb Σa^½)^½) is the nuclear norm of A Bᵀ / √((n−1)(m−1)) (polar
    # decompositions), an SVD of a small [n, m] matrix with no square root of a
    # singular matrix anywhere.
    a = correlated_features(rng, 10, 20)
    b = correlated_features(rng, 12, 20, shift=1.0)
    ac, bc = a - a.mean(axis=0), b - b.mean(axis=0)
    cross = np.linalg.svd(ac @ bc.T, compute_uv=False).sum() / np.sqrt(9 * 11)
    diff = a.mean(axis=0) - b.mean(axis=0)
    trace_a = np.sum(ac * ac) / 9
    trace_b = np.sum(bc * bc) / 11
    expected = diff @ diff + trace_a + trace_b - 2 * cross
    np.testing.assert_allclose(frechet_distance(a, b), expected, rtol=1e-9)
    assert abs(frechet_distance(a, a)) < 1e-12 * np.trace(np.cov(a, rowvar=False))


def test_square_root_is_a_metric_on_gaussians(rng):
    # √FD is the 2-Wasserstein distance between Gaussians, so it obeys the triangle inequality.
    k = 5
    stats = [(rng.normal(size=k), random_covariance(rng, k)) for _ in range(3)]

    def w2(i, j):
        return np.sqrt(frechet_distance_from_statistics(*stats[i], *stats[j]))

    assert w2(0, 2) <= w2(0, 1) + w2(1, 2) + 1e-12


def test_accepts_jax_arrays(rng):
    import jax.numpy as jnp

    a, b = correlated_features(rng, 100, 4), correlated_features(rng, 100, 4, shift=1.0)
    np.testing.assert_allclose(
        frechet_distance(jnp.asarray(a), jnp.asarray(b)),
        frechet_distance(a.astype(np.float32), b.astype(np.float32)),
        rtol=1e-12,
    )


@pytest.mark.parametrize(
    "args, name",
    [
        ((np.zeros(5), np.zeros((5, 3))), "features_a"),
        ((np.zeros((5, 3)), np.zeros((5, 4))), "features_a and features_b"),
        ((np.zeros((1, 3)), np.zeros((5, 3))), "features_a"),
    ],
)
def test_bad_feature_shapes_raise(args, name):
    with pytest.raises(ValueError, match=name):
        frechet_distance(*args)


@pytest.mark.parametrize(
    "args, name",
    [
        ((np.zeros(3), np.eye(3), np.zeros(2), np.eye(3)), "mu2"),
        ((np.zeros(3), np.eye(2), np.zeros(3), np.eye(3)), "sigma1"),
        ((np.zeros(3), np.eye(3), np.zeros(3), np.eye(3)[:2]), "sigma2"),
        ((np.zeros((3, 1)), np.eye(3), np.zeros(3), np.eye(3)), "mu1"),
    ],
)
def test_bad_statistics_shapes_raise(args, name):
    with pytest.raises(ValueError, match=name):
        frechet_distance_from_statistics(*args)
