"""latent_statistics entry by entry against NumPy formulas and the divergences it wires."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from genjax.divergences import cw_normality
from genjax.evaluation import latent_statistics, to_json_dict

SCALES = np.array([1.0, 2.0, 0.05, 0.0, 0.5])  # variances 1, 4, 0.0025, 0, 0.25


@pytest.fixture
def codes(rng):
    z = rng.normal(size=(400, 5)) * SCALES + np.array([0.0, 1.0, -1.0, 3.0, 0.0])
    z[:, 4] += 0.5 * z[:, 0]  # one correlated pair
    return z


def test_entries_match_numpy(codes):
    stats = latent_statistics(jnp.asarray(codes, jnp.float32))
    z = codes
    n, d = z.shape
    gram = z @ z.T
    squared_norms = np.sum(z * z, axis=1)
    np.testing.assert_allclose(stats["mardia_skewness"], np.sum(gram**3) / n**2, rtol=1e-4)
    np.testing.assert_allclose(
        stats["mardia_kurtosis"], np.mean(squared_norms**2) - d * (d + 2), rtol=1e-4
    )
    np.testing.assert_allclose(stats["mean"], z.mean(axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(stats["variance"], z.var(axis=0), rtol=1e-4, atol=1e-6)
    assert stats["mean"].shape == stats["variance"].shape == (d,)
    # Active units: variance above 0.01 (Burda et al.): dimensions 0, 1 and 4.
    assert int(stats["num_active"]) == int(np.sum(z.var(axis=0) > 0.01)) == 3
    assert 0 < float(stats["normalized_absolute_correlation"]) <= 1


def test_normality_entries_are_the_divergences(codes):
    z = jnp.asarray(codes, jnp.float32)
    stats = latent_statistics(z)
    np.testing.assert_allclose(stats["cw_normality"], jax.jit(cw_normality)(z), rtol=1e-5)


def test_normalized_absolute_correlation_matches_numpy(rng):
    # Full-rank codes, where every pair has a defined correlation.
    z = rng.normal(size=(400, 5)) @ rng.normal(size=(5, 5))
    stats = latent_statistics(jnp.asarray(z, jnp.float32))
    correlation = np.corrcoef(z, rowvar=False)
    off_diagonal = ~np.eye(5, dtype=bool)
    np.testing.assert_allclose(
        stats["normalized_absolute_correlation"],
        np.abs(correlation[off_diagonal]).mean(),
        rtol=1e-4,
    )


def test_threshold_option_and_jit(codes):
    z = jnp.asarray(codes, jnp.float32)
    # Dimension 2 (variance 0.0025) is active above 0.001; the constant one never is.
    assert int(latent_statistics(z, active_threshold=1e-3)["num_active"]) == 4
    jitted = jax.jit(latent_statistics, static_argnames="active_threshold")(
        z, active_threshold=1e-3
    )
    # Under jit, each entry against its NumPy formula (not against the eager call).
    n, d = codes.shape
    squared_norms = np.sum(codes * codes, axis=1)
    expected = {
        "mardia_skewness": np.sum((codes @ codes.T) ** 3) / n**2,
        "mardia_kurtosis": np.mean(squared_norms**2) - d * (d + 2),
        "mean": codes.mean(axis=0),
        "variance": codes.var(axis=0),
    }
    for name, value in expected.items():
        np.testing.assert_allclose(jitted[name], value, rtol=1e-4, atol=1e-6, err_msg=name)
    assert int(jitted["num_active"]) == int(np.sum(codes.var(axis=0) > 1e-3)) == 4


def test_standard_normal_codes_look_normal(rng):
    # Prior-distributed codes: every dimension active, kurtosis 0 within 4 standard
    # errors (Var ‖z‖⁴ = 8d(d+2)(d+3) for ‖z‖² ~ χ²_d), correlations near 0.
    n, d = 400, 5
    stats = latent_statistics(jnp.asarray(rng.normal(size=(n, d)), jnp.float32))
    assert int(stats["num_active"]) == d
    assert abs(float(stats["mardia_kurtosis"])) < 4 * np.sqrt(8 * d * (d + 2) * (d + 3) / n)
    assert float(stats["normalized_absolute_correlation"]) < 2 / np.sqrt(n)


def test_to_json_dict_round_trips(codes):
    stats = latent_statistics(jnp.asarray(codes, jnp.float32))
    as_json = to_json_dict(stats)
    decoded = json.loads(json.dumps(as_json))
    assert set(decoded) == set(stats)
    assert isinstance(decoded["num_active"], int)
    assert isinstance(decoded["cw_normality"], float)
    assert len(decoded["variance"]) == 5
    for name, value in stats.items():
        np.testing.assert_allclose(np.asarray(decoded[name]), np.asarray(value), err_msg=name)


def test_bad_shape_raises():
    with pytest.raises(ValueError, match="z"):
        latent_statistics(jnp.zeros(5))
