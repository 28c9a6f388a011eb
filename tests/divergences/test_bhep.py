"""bhep against numerical integration, henze_zirkler against a plain numpy transcription
of the published formulas and against its own null distribution, and the contract."""

import doctest
import importlib
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.integrate
import scipy.special
import scipy.stats

from genjax.divergences.bhep import bhep, henze_zirkler, henze_zirkler_beta
from tests import contract

henze_zirkler_batch = jax.jit(jax.vmap(henze_zirkler))


# ---------------------------------------------------------------- references


def normal_density(x, mean, var):
    """Isotropic N(mean, var I) density at x; x, mean: [..., d]."""
    d = x.shape[-1]
    return np.exp(-((x - mean) ** 2).sum(-1) / (2 * var)) / (2 * math.pi * var) ** (d / 2)


def bhep_by_integration(z, gamma):
    """∫ (smoothed sample − N(0, (1 + γ)I))² over R^d, d = 1 or 2, with scipy.integrate."""
    z = np.asarray(z, np.float64)
    d = z.shape[1]

    def squared_gap(*point):
        x = np.array(point)[None, :]
        smoothed = normal_density(x, z, gamma).mean()
        return (smoothed - normal_density(x[0], 0.0, 1 + gamma)) ** 2

    reach = np.abs(z).max() + 12 * math.sqrt(1 + gamma)
    if d == 1:
        return scipy.integrate.quad(squared_gap, -reach, reach, epsabs=1e-12, limit=200)[0]
    return scipy.integrate.dblquad(
        lambda y, x: squared_gap(x, y), -reach, reach, -reach, reach, epsabs=1e-10
    )[0]


def henze_zirkler_reference(x):
    """Henze & Zirkler (1990) as transcribed in R's MVN / pingouin, float64 numpy."""
    x = np.asarray(x, np.float64)
    n, p = x.shape
    s_inv = np.linalg.inv(np.atleast_2d(np.cov(x, rowvar=False, bias=True)))
    dif = x - x.mean(0)
    d_j = np.einsum("ij,jk,ik->i", dif, s_inv, dif)
    y = x @ s_inv @ x.T
    d_jk = -2 * y + np.diag(y)[:, None] + np.diag(y)[None, :]
    b = 1 / np.sqrt(2) * ((2 * p + 1) / 4) ** (1 / (p + 4)) * n ** (1 / (p + 4))
    hz = n * (
        np.exp(-(b**2) / 2 * d_jk).sum() / n**2
        - 2 * (1 + b**2) ** (-p / 2) * np.exp(-(b**2) / (2 * (1 + b**2)) * d_j).mean()
        + (1 + 2 * b**2) ** (-p / 2)
    )
    wb = (1 + b**2) * (1 + 3 * b**2)
    a = 1 + 2 * b**2
    mu = 1 - a ** (-p / 2) * (1 + p * b**2 / a + (p * (p + 2) * b**4) / (2 * a**2))
    si2 = (
        2 * (1 + 4 * b**2) ** (-p / 2)
        + 2 * a ** (-p) * (1 + (2 * p * b**4) / a**2 + (3 * p * (p + 2) * b**8) / (4 * a**4))
        - 4 * wb ** (-p / 2) * (1 + (3 * p * b**4) / (2 * wb) + (p * (p + 2) * b**8) / (2 * wb**2))
    )
    pmu = np.log(np.sqrt(mu**4 / (si2 + mu**2)))
    psi = np.sqrt(np.log1p(si2 / mu**2))
    return hz, scipy.stats.lognorm.sf(hz, psi, scale=np.exp(pmu))


# ---------------------------------------------------------------- bhep


@pytest.mark.parametrize("gamma", (0.1, 0.5, 2.0))
def test_bhep_matches_integration_in_one_dimension(gamma, rng):
    z = rng.standard_normal((7, 1)) * 1.3 + 0.4
    with jax.enable_x64(True):
        got = float(bhep(jnp.asarray(z), gamma=gamma))
    assert got == pytest.approx(bhep_by_integration(z, gamma), rel=1e-7, abs=1e-12)
    got32 = float(bhep(jnp.asarray(z, jnp.float32), gamma=gamma))
    assert got32 == pytest.approx(bhep_by_integration(z, gamma), rel=1e-4)


def test_bhep_matches_integration_in_two_dimensions(rng):
    z = rng.standard_normal((5, 2)) + np.array([0.5, -0.2])
    with jax.enable_x64(True):
        got = float(bhep(jnp.asarray(z), gamma=0.4))
    assert got == pytest.approx(bhep_by_integration(z, 0.4), rel=1e-6, abs=1e-10)


def test_bhep_properties(rng):
    big = jax.random.normal(jax.random.key(0), (512, 3))
    shifted = [float(bhep(big + s, gamma=0.5)) for s in (2.0, 1.0, 0.5, 0.0)]
    assert all(a > b for a, b in zip(shifted, shifted[1:], strict=False)), shifted
    assert shifted[-1] >= 0.0


def bhep_closed_form_float64(z, gamma):
    """The three Gaussian-product terms of bhep's docstring, in float64 logs (an
    independent transcription: numpy, explicit [n, n, d] differences)."""
    z = np.asarray(z, np.float64)
    n, d = z.shape
    dist = ((z[:, None, :] - z[None, :, :]) ** 2).sum(-1)
    log_pairs = scipy.special.logsumexp(-dist / (4 * gamma)) - 2 * math.log(n)
    log_cross = scipy.special.logsumexp(-(z**2).sum(1) / (2 * (1 + 2 * gamma))) - math.log(n)
    return (
        math.exp(log_pairs - d / 2 * math.log(4 * math.pi * gamma))
        - 2 * math.exp(log_cross - d / 2 * math.log(2 * math.pi * (1 + 2 * gamma)))
        + math.exp(-d / 2 * math.log(4 * math.pi * (1 + gamma)))
    )


FLOAT32_MAX = float(np.finfo(np.float32).max)


def test_bhep_in_large_dimension_where_the_prefactor_overflows_float32():
    """d = 128: the prefactor (4πγ)^(−d/2) is 1e39 at γ = 0.019578 (beyond float32's
    3.4e38) while the value, about prefactor/n, is 1.6e37: bhep must keep it in logs."""
    z = np.asarray(jax.random.normal(jax.random.key(1), (64, 128)), np.float64)
    gamma = 0.019578
    assert (4 * math.pi * gamma) ** (-64) > FLOAT32_MAX
    want = bhep_closed_form_float64(z, gamma)
    assert 1e37 < want < FLOAT32_MAX
    assert float(bhep(jnp.asarray(z, jnp.float32), gamma=gamma)) == pytest.approx(want, rel=1e-4)
    with jax.enable_x64(True):
        assert float(bhep(jnp.asarray(z), gamma=gamma)) == pytest.approx(want, rel=1e-10)
    # At γ = 0.01 the value itself (1e55) is beyond float32: inf is the right float32
    # answer (not NaN), and float64 gives the closed form.
    want = bhep_closed_form_float64(z, 0.01)
    assert want > 1e50
    assert float(bhep(jnp.asarray(z, jnp.float32), gamma=0.01)) == np.inf
    with jax.enable_x64(True):
        assert float(bhep(jnp.asarray(z), gamma=0.01)) == pytest.approx(want, rel=1e-10)


def test_bhep_gradient_with_a_sharp_kernel(rng):
    """Small γ in d = 16: the off-diagonal pair terms underflow, the gradient is the cross
    term's alone (analytic, float64 here) and must not drown in rounding noise."""
    z = rng.standard_normal((32, 16))
    gamma = 0.05
    n, d = z.shape
    cross = np.exp(-(z**2).sum(1) / (2 * (1 + 2 * gamma)))
    expected = 2 * (2 * math.pi * (1 + 2 * gamma)) ** (-d / 2) / (n * (1 + 2 * gamma))
    expected = expected * cross[:, None] * z
    grad = jax.jit(jax.grad(lambda z: bhep(z, gamma=gamma)))(jnp.asarray(z, jnp.float32))
    np.testing.assert_allclose(grad, expected, rtol=1e-4, atol=1e-6 * np.abs(expected).max())


# ---------------------------------------------------------------- henze_zirkler


@pytest.mark.parametrize("shape", ((12, 1), (20, 2), (60, 3), (100, 6)))
def test_henze_zirkler_matches_the_published_formula(shape, rng):
    n, d = shape
    x = rng.standard_normal(shape) @ rng.standard_normal((d, d)) + 1.0
    x[:, 0] += 0.5 * x[:, -1] ** 2  # a little non-normality, so that p is not ~uniform noise
    expected_stat, expected_p = henze_zirkler_reference(x)
    with jax.enable_x64(True):
        stat, p_value = henze_zirkler(jnp.asarray(x))
    assert float(stat) == pytest.approx(expected_stat, rel=1e-8)
    assert float(p_value) == pytest.approx(expected_p, rel=1e-7, abs=1e-12)
    stat32, p32 = henze_zirkler(jnp.asarray(x, jnp.float32))
    assert float(stat32) == pytest.approx(expected_stat, rel=2e-3)
    assert float(p32) == pytest.approx(expected_p, rel=2e-3, abs=1e-5)


def test_henze_zirkler_is_bhep_of_the_whitened_sample(rng):
    """HZ = n (4πγ)^(d/2) BHEP_γ(w), γ = 1/(2β²), w whitened by the symmetric S^(−1/2)."""
    n, d = 40, 3
    x = rng.standard_normal((n, d)) * np.array([1.0, 2.0, 0.5])
    centred = x - x.mean(0)
    evals, evecs = np.linalg.eigh(centred.T @ centred / n)
    w = centred @ evecs @ np.diag(evals**-0.5) @ evecs.T
    gamma = 1 / (2 * henze_zirkler_beta(n, d) ** 2)
    with jax.enable_x64(True):
        via_bhep = n * (4 * math.pi * gamma) ** (d / 2) * float(bhep(jnp.asarray(w), gamma=gamma))
        stat = float(henze_zirkler(jnp.asarray(x))[0])
    assert stat == pytest.approx(via_bhep, rel=1e-8)


def test_henze_zirkler_is_affine_invariant(rng):
    x = rng.standard_exponential((50, 3))
    a = rng.standard_normal((3, 3)) + 2 * np.eye(3)
    with jax.enable_x64(True):
        base = henze_zirkler(jnp.asarray(x))
        moved = henze_zirkler(jnp.asarray(x @ a + np.array([5.0, -1.0, 0.3])))
    np.testing.assert_allclose(np.array(moved), np.array(base), rtol=1e-8)


def test_null_distribution_by_simulation():
    """Normal samples: p-values close to uniform, ~5% rejected at 5% (400 samples, the
    binomial standard deviation is 1.1%, plus slack for the log-normal approximation);
    strongly non-normal (exponential) samples: nearly always rejected."""
    _, p_values = henze_zirkler_batch(jax.random.normal(jax.random.key(3), (400, 30, 3)))
    p_values = np.asarray(p_values)
    assert 0.02 <= np.mean(p_values < 0.05) <= 0.09, np.mean(p_values < 0.05)
    assert 0.4 <= np.mean(p_values < 0.5) <= 0.62, np.mean(p_values < 0.5)
    assert scipy.stats.kstest(p_values, "uniform").statistic < 0.12
    skewed = jax.random.exponential(jax.random.key(7), (400, 30, 3))  # same shape: no recompile
    _, p_values = henze_zirkler_batch(skewed)
    assert np.mean(np.asarray(p_values) < 0.05) >= 0.9


# ---------------------------------------------------------------- contract


def test_gradients_against_finite_differences(rng):
    z = rng.standard_normal((7, 2))

    @jax.jit
    def values(z, gamma):  # one jitted check: check_grads evaluates many perturbed copies
        stat, p_value = henze_zirkler(z)
        return jnp.stack([bhep(z, gamma=gamma), stat, p_value])

    contract.assert_grads_match_finite_differences(values, z, np.float64(0.6))


def test_jit_vmap_sharding_and_compilation(mesh, rng):
    z = jnp.asarray(rng.standard_normal((64, 3)), jnp.float32)
    batch = jnp.asarray(rng.standard_normal((3, 16, 3)), jnp.float32)

    def both(z):
        stat, p_value = henze_zirkler(z)
        return jnp.stack([bhep(z, gamma=0.5), stat, p_value])

    contract.assert_jit_matches_eager(both, z)
    contract.assert_vmap_matches_loop(both, batch)
    contract.assert_sharded_matches(both, mesh, z)
    contract.assert_compiles_once(both, lambda i: (jax.random.normal(jax.random.key(i), (32, 3)),))


def test_validation():
    with pytest.raises(ValueError, match="z must be a 2-D"):
        bhep(jnp.zeros(5), gamma=1.0)
    with pytest.raises(ValueError, match="gamma"):
        bhep(jnp.zeros((5, 2)), gamma=-1.0)
    with pytest.raises(ValueError, match="z must be a 2-D"):
        henze_zirkler(jnp.zeros(5))
    with pytest.raises(ValueError, match="z must hold at least 2"):
        henze_zirkler(jnp.zeros((1, 1)))
    with pytest.raises(ValueError, match="n > d"):
        henze_zirkler(jnp.zeros((3, 3)))
    with pytest.raises(ValueError, match="z must be real"):
        henze_zirkler(jnp.zeros((5, 2), jnp.complex64))
    with pytest.raises(TypeError):
        bhep(jnp.zeros((5, 2)))  # gamma has no default


def test_docstring_examples():
    # The package re-exports the function `bhep`, which hides the module attribute.
    failures, _ = doctest.testmod(importlib.import_module("genjax.divergences.bhep"))
    assert failures == 0
