"""cw_kernel, cw_normality, cw_distance against scipy/mpmath, the slice definition
(Monte Carlo over directions, numerical 1-D integrals), properties and the contract."""

import doctest
import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special
from scipy.stats import ortho_group

from genjax.divergences import _pairwise, cramer_wold
from genjax.divergences.cramer_wold import cw_distance, cw_kernel, cw_normality, silverman_gamma
from tests import contract

DIMENSIONS = (1, 2, 3, 4, 5, 8, 16, 64, 256, 1024, 4096)
# Log-spaced over [1e-8, 1e5] plus 0: the whole range that squared distances over 4γ reach.
S_GRID = np.concatenate([[0.0], np.logspace(-8, 5, 400)])

cw_normality_jit = jax.jit(cw_normality, static_argnames=("kernel",))
cw_distance_jit = jax.jit(cw_distance, static_argnames=("kernel",))


# ---------------------------------------------------------------- references


def phi_reference(s, d):
    return scipy.special.hyp1f1(0.5, d / 2, -np.asarray(s, dtype=np.float64))


def dphi_reference(s, d):
    """d/ds 1F1(a; b; −s) = −(a/b) 1F1(a + 1; b + 1; −s)."""
    return -(0.5 / (d / 2)) * scipy.special.hyp1f1(1.5, d / 2 + 1, -np.asarray(s, np.float64))


def cw_normality_reference(z, gamma, asymptotic=False):
    """The CWAE formula in float64 numpy, with scipy's 1F1 or the reference-code kernel."""
    z = np.asarray(z, np.float64)
    n, d = z.shape
    if asymptotic:
        phi = lambda s: (1 + 4 * s / (2 * d - 3)) ** -0.5  # noqa: E731
    else:
        phi = functools.partial(phi_reference, d=d)
    dist = ((z[:, None, :] - z[None, :, :]) ** 2).sum(-1)
    zz = phi(dist / (4 * gamma)).sum() / math.sqrt(gamma)
    zn = phi((z**2).sum(1) / (2 + 4 * gamma)).sum()
    return (zz + n * n / math.sqrt(1 + gamma) - 2 * n / math.sqrt(gamma + 0.5) * zn) / (
        2 * n * n * math.sqrt(math.pi)
    )


def sliced_l2_monte_carlo(x, y_or_none, gamma, num_directions, rng):
    """Mean over random unit directions v of ∫ (f_v − g_v)² dt, with f_v the Gaussian KDE
    (variance gamma) of v·x and g_v that of v·y, or N(0, 1 + gamma) when y is None.
    The 1-D integrals are trapezoid sums on a fine grid. Returns (mean, standard error)."""
    x = np.asarray(x, np.float64)
    d = x.shape[1]
    v = rng.standard_normal((num_directions, d))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    reach = np.abs(x).sum(1).max() + 10 * math.sqrt(1 + gamma)
    t = np.linspace(-reach, reach, 801)

    def kde(points):  # points: [K, n] → [K, T]
        diff = t[None, None, :] - points[:, :, None]
        return np.exp(-(diff**2) / (2 * gamma)).mean(1) / math.sqrt(2 * math.pi * gamma)

    values = []
    for chunk in np.array_split(np.arange(num_directions), 8):
        f = kde(v[chunk] @ x.T)
        if y_or_none is None:
            g = np.exp(-(t**2) / (2 * (1 + gamma))) / math.sqrt(2 * math.pi * (1 + gamma))
            g = g[None, :]
        else:
            g = kde(v[chunk] @ np.asarray(y_or_none, np.float64).T)
        values.append(np.trapezoid((f - g) ** 2, t, axis=1))
    values = np.concatenate(values)
    return values.mean(), values.std(ddof=1) / math.sqrt(num_directions)


# ---------------------------------------------------------------- cw_kernel


@pytest.mark.parametrize("d", DIMENSIONS)
def test_exact_kernel_matches_scipy_in_float64(d):
    expected = phi_reference(S_GRID, d)
    expected_slope = dphi_reference(S_GRID, d)
    with jax.enable_x64(True):
        s = jnp.asarray(S_GRID)
        got = np.asarray(cw_kernel(s, d=d))
        slope = np.asarray(jax.vmap(jax.grad(lambda u: cw_kernel(u, d=d)))(s))
    assert got.dtype == np.float64
    # The docstring's promise: relative error below 1e-10 (values) and 1e-8 (derivatives)
    # in float64; measured 4e-11 and 5e-9 at worst (d = 2..5). atol only matters for
    # d = 1, where exp(−1e5) underflows to 0 in both.
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(slope, expected_slope, rtol=1e-8, atol=1e-300)


@pytest.mark.parametrize("d", (1, 2, 3, 8, 64, 4096))
def test_exact_kernel_float32(d):
    s32 = np.asarray(S_GRID, np.float32)
    got = cw_kernel(jnp.asarray(s32), d=d)
    assert got.dtype == jnp.float32
    slope = jax.vmap(jax.grad(lambda u: cw_kernel(u, d=d)))(jnp.asarray(s32))
    # Against the reference at the float32-rounded s (the kernel cannot see the rest):
    # the docstring's 1e-6 for values (measured 3e-7), the same for derivatives (7e-7).
    np.testing.assert_allclose(got, phi_reference(s32, d), rtol=1e-6, atol=1e-30)
    np.testing.assert_allclose(slope, dphi_reference(s32, d), rtol=1e-6, atol=1e-30)


def test_scipy_reference_itself_against_closed_forms_and_mpmath():
    """The bar above trusts scipy: check it where it is hardest (large s, large d)."""
    s = np.array([0.0, 1e-3, 0.5, 7.0, 30.0, 400.0, 1e4, 1e5])
    np.testing.assert_allclose(phi_reference(s, 1), np.exp(-s), rtol=1e-12)
    np.testing.assert_allclose(phi_reference(s, 2), scipy.special.i0e(s / 2), rtol=1e-12)
    s3 = s[1:]  # 1F1(1/2; 3/2; −s) = √π erf(√s) / (2√s)
    erf_form = math.sqrt(math.pi) * scipy.special.erf(np.sqrt(s3)) / (2 * np.sqrt(s3))
    np.testing.assert_allclose(phi_reference(s3, 3), erf_form, rtol=1e-12)
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    for d in (5, 64, 1024, 4096):
        for si in (3.0, 300.0, 3e4, 1e5):
            exact = float(mpmath.hyp1f1(mpmath.mpf(1) / 2, mpmath.mpf(d) / 2, -mpmath.mpf(si)))
            assert phi_reference(si, d) == pytest.approx(exact, rel=1e-10), (d, si)


def test_kernel_closed_forms_and_limits():
    s = jnp.asarray([0.0, 0.3, 5.0, 60.0])
    np.testing.assert_allclose(cw_kernel(s, d=1), np.exp(-np.asarray(s)), rtol=1e-6)
    np.testing.assert_allclose(cw_kernel(s, d=2), scipy.special.i0e(np.asarray(s) / 2), rtol=2e-6)
    # Large-s expansion: Γ(b)/Γ(b − 1/2) s^(−1/2) (1 + (1/2)(3/2 − b)/s + …), b = d/2.
    d, big = 6, 1e4
    lead = math.exp(math.lgamma(d / 2) - math.lgamma(d / 2 - 0.5)) / math.sqrt(big)
    expansion = lead * (1 + 0.5 * (1.5 - d / 2) / big)
    assert float(cw_kernel(big, d=d)) == pytest.approx(expansion, rel=1e-6)


def test_asymptotic_kernel_is_the_reference_code_formula_and_converges_for_large_d():
    s = np.array([0.0, 0.5, 3.0, 40.0])
    for d in (2, 8, 64):
        expected = (1 + 4 * s / (2 * d - 3)) ** -0.5
        np.testing.assert_allclose(cw_kernel(s, d=d, kernel="asymptotic"), expected, rtol=1e-6)
    # 1F1(1/2; b; −b x) → (1 + x)^(−1/2) as b → ∞: the two kernels meet for large d ...
    d = 4096
    s_scaled = jnp.asarray([0.1, 1.0, 10.0]) * d
    exact, asym = cw_kernel(s_scaled, d=d), cw_kernel(s_scaled, d=d, kernel="asymptotic")
    np.testing.assert_allclose(asym, exact, rtol=1e-3)
    # ... and differ by far more at small d (scipy: the asymptotic form is 30% low at d = 2).
    ratio = float(cw_kernel(1.0, d=2, kernel="asymptotic")) / phi_reference(1.0, 2)
    assert ratio < 0.8


def test_kernel_gradients_against_finite_differences():
    s = np.array([1e-3, 0.2, 3.0, 50.0, 2e3])

    @jax.jit
    def kernels(u):  # one check for three code paths: closed form, short and long series
        return jnp.stack([cw_kernel(u, d=1), cw_kernel(u, d=3), cw_kernel(u, d=64)])

    contract.assert_grads_match_finite_differences(kernels, s, eps=1e-5)


def test_kernel_validation():
    with pytest.raises(ValueError, match="d must"):
        cw_kernel(1.0, d=0)
    with pytest.raises(ValueError, match="d must"):
        cw_kernel(1.0, d=2.0)
    with pytest.raises(ValueError, match="kernel"):
        cw_kernel(1.0, d=2, kernel="approx")
    with pytest.raises(ValueError, match="asymptotic"):
        cw_kernel(1.0, d=1, kernel="asymptotic")
    with pytest.raises(ValueError, match="s must be real"):
        cw_kernel(jnp.ones(3, jnp.complex64), d=2)


def test_silverman_gamma_is_the_squared_silverman_bandwidth():
    for n in (16, 256, 4096):
        bandwidth = 1.06 * n ** (-1 / 5)  # Silverman (1986), eq. 3.28, unit variance
        assert silverman_gamma(n) == pytest.approx(bandwidth**2, rel=1e-2)
    with pytest.raises(ValueError, match="n must"):
        silverman_gamma(0)


# ---------------------------------------------------------------- the distances


@pytest.mark.parametrize("kernel", ("exact", "asymptotic"))
@pytest.mark.parametrize("d", (2, 5, 64))
def test_cw_normality_matches_numpy_reference(kernel, d, rng):
    z = rng.standard_normal((40, d)) * 1.2 + 0.1
    gamma = silverman_gamma(40)
    expected = cw_normality_reference(z, gamma, asymptotic=kernel == "asymptotic")
    got = cw_normality_jit(jnp.asarray(z, jnp.float32), kernel=kernel)
    assert float(got) == pytest.approx(expected, rel=2e-4)
    with jax.enable_x64(True):
        got64 = cw_normality(jnp.asarray(z), gamma=0.7, kernel=kernel)
    assert float(got64) == pytest.approx(
        cw_normality_reference(z, 0.7, asymptotic=kernel == "asymptotic"), rel=1e-8
    )


@pytest.mark.parametrize("d", (1, 3, 6))
def test_closed_forms_match_the_slice_definition(d, rng):
    """Thm. 3.1 of the CWAE paper: the 1F1 formula is the direction-average of 1-D L2
    distances between smoothed projections. Monte Carlo over 4000 directions."""
    x = rng.standard_normal((7, d)) + 0.4
    y = 1.5 * rng.standard_normal((5, d))
    gamma = 0.3
    with jax.enable_x64(True):
        closed_xy = float(cw_distance(jnp.asarray(x), jnp.asarray(y), gamma=gamma))
        closed_xn = float(cw_normality(jnp.asarray(x), gamma=gamma))
    for closed, other in ((closed_xy, y), (closed_xn, None)):
        mean, stderr = sliced_l2_monte_carlo(x, other, gamma, 4000, rng)
        assert abs(closed - mean) < 4 * stderr + 1e-9, (closed, mean, stderr)
        assert stderr < 0.05 * mean  # the check is sharp enough to catch a wrong constant


def test_cw_distance_properties(rng):
    x = jnp.asarray(rng.standard_normal((48, 5)), jnp.float32)
    y = jnp.asarray(rng.standard_normal((30, 5)) * 0.8 + 0.3, jnp.float32)
    assert float(cw_distance_jit(x, x)) == pytest.approx(0.0, abs=1e-7)
    assert float(cw_distance_jit(x, y)) == pytest.approx(float(cw_distance_jit(y, x)), rel=1e-5)
    for i in range(5):
        a = jnp.asarray(rng.standard_normal((20, 3)) * (1 + i), jnp.float32)
        b = jnp.asarray(rng.standard_normal((25, 3)) + i, jnp.float32)
        assert float(cw_distance_jit(a, b)) > 0.0
    q = jnp.asarray(ortho_group.rvs(5, random_state=1), jnp.float32)
    assert float(cw_distance_jit(x @ q, y @ q)) == pytest.approx(
        float(cw_distance_jit(x, y)), rel=1e-4
    )
    assert float(cw_normality_jit(x @ q)) == pytest.approx(float(cw_normality_jit(x)), rel=1e-4)


def test_cw_distance_matches_numpy_reference(rng):
    x, y = rng.standard_normal((9, 4)), rng.standard_normal((6, 4)) + 0.5
    gamma = 0.4

    def cross(a, b):
        dist = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
        return phi_reference(dist / (4 * gamma), 4).mean()

    expected = (cross(x, x) + cross(y, y) - 2 * cross(x, y)) / (2 * math.sqrt(math.pi * gamma))
    with jax.enable_x64(True):
        got = cw_distance(jnp.asarray(x), jnp.asarray(y), gamma=gamma)
    assert float(got) == pytest.approx(expected, rel=1e-8)
    # Default gamma: Silverman's rule for the smaller sample, the same both ways.
    assert float(cw_distance_jit(x, y)) == pytest.approx(
        float(cw_distance_jit(x, y, gamma=silverman_gamma(6))), rel=1e-6
    )


def test_decreases_as_the_sample_approaches_the_standard_normal():
    noise = jax.random.normal(jax.random.key(3), (512, 4))
    reference = jax.random.normal(jax.random.key(4), (512, 4))
    shifts = (3.0, 2.0, 1.0, 0.5, 0.0)
    to_normal = [float(cw_normality_jit(noise + s)) for s in shifts]
    to_sample = [float(cw_distance_jit(noise + s, reference)) for s in shifts]
    assert all(a > b for a, b in zip(to_normal, to_normal[1:], strict=False)), to_normal
    assert all(a > b for a, b in zip(to_sample, to_sample[1:], strict=False)), to_sample
    scales = (3.0, 2.0, 1.5)
    scaled = [float(cw_normality_jit(noise * s)) for s in scales]
    assert all(a > b for a, b in zip(scaled, scaled[1:], strict=False)), scaled


def test_gradients_against_finite_differences(rng):
    z = rng.standard_normal((6, 3))
    y = rng.standard_normal((5, 3)) + 0.5

    # One jitted check for all (check_grads evaluates many perturbed copies): z, y and a
    # traced gamma, both kernels.
    @jax.jit
    def divergences(z, y, gamma):
        return jnp.stack(
            [
                cw_normality(z, gamma=gamma),
                cw_normality(y, kernel="asymptotic"),
                cw_distance(z, y),
            ]
        )

    contract.assert_grads_match_finite_differences(divergences, z, y, np.float64(0.5))


def all_distances(z, y):
    """Every public distance and both kernels in one program: one compilation per check."""
    return jnp.stack([cw_normality(z), cw_distance(z, y), cw_normality(y, kernel="asymptotic")])


def test_jit_vmap_sharding_and_compilation(mesh, rng):
    z = jnp.asarray(rng.standard_normal((64, 4)), jnp.float32)
    y = jnp.asarray(rng.standard_normal((32, 4)), jnp.float32)
    contract.assert_jit_matches_eager(all_distances, z, y)
    batch = jnp.asarray(rng.standard_normal((3, 16, 4)), jnp.float32)
    contract.assert_vmap_matches_loop(all_distances, batch, batch[::-1] + 0.5)
    contract.assert_sharded_matches(all_distances, mesh, z, y)
    contract.assert_compiles_once(
        all_distances, lambda i: tuple(jax.random.normal(jax.random.key(i), (2, 32, 4)))
    )


@pytest.mark.parametrize("block_rows", (None, 3))
def test_self_distances_on_the_diagonal_are_exactly_zero(block_rows, rng):
    """For ``pairwise_sum(k, z, z)`` the expansion ‖a‖² + ‖a‖² − 2a·a leaves ~eps·‖a‖² on
    the diagonal, with a gradient of that size; a sharp kernel would turn it into noise
    far above the true gradient, which here is exactly 0 (off-diagonal terms underflow)."""
    z = jnp.asarray(rng.standard_normal((10, 4)) * 3.0 + 20.0, jnp.float32)

    def sharp_sum(z):
        return _pairwise.pairwise_sum(lambda r: jnp.exp(-r / 1e-3), z, z, block_rows=block_rows)

    value, grad = jax.jit(jax.value_and_grad(sharp_sum))(z)
    assert float(value) == 10.0
    np.testing.assert_array_equal(np.asarray(grad), 0.0)


@pytest.fixture
def small_blocks(monkeypatch):
    """Force the row-blocked path of pairwise_sum on small inputs (200 pairs per block)."""
    monkeypatch.setattr(_pairwise, "MAX_UNBLOCKED_PAIRS", 0)
    monkeypatch.setattr(_pairwise, "PAIRS_PER_BLOCK", 200)
    jax.clear_caches()  # the block sizes are read at trace time
    yield
    jax.clear_caches()


def test_blocked_pairwise_sum_matches_the_simple_path(small_blocks, mesh, rng):
    x = jnp.asarray(rng.standard_normal((45, 3)), jnp.float32)  # 45 rows: a ragged last block
    y = jnp.asarray(rng.standard_normal((40, 3)), jnp.float32)

    def kernel(r):
        return 1.0 / (1.0 + r)

    pairwise_sum = jax.jit(
        _pairwise.pairwise_sum, static_argnums=0, static_argnames=("exclude_diagonal", "block_rows")
    )
    for exclude, other in ((False, y), (True, x)):
        simple = pairwise_sum(kernel, x, other, exclude_diagonal=exclude, block_rows=45)
        blocked = pairwise_sum(kernel, x, other, exclude_diagonal=exclude)
        np.testing.assert_allclose(blocked, simple, rtol=1e-5)
    z = jnp.asarray(rng.standard_normal((64, 3)), jnp.float32)
    assert "scan" in str(jax.make_jaxpr(cw_normality)(z))  # the blocked path is in use
    contract.assert_sharded_matches(cw_distance, mesh, z, y)
    contract.assert_vmap_matches_loop(cw_normality, z.reshape(4, 16, 3))
    blocked_sum = jax.jit(lambda a, b: _pairwise.pairwise_sum(kernel, a, b, block_rows=4))
    contract.assert_grads_match_finite_differences(
        blocked_sum, np.asarray(x[:10]), np.asarray(y[:6])
    )


def test_memory_stays_linear_in_n():
    """n = 8192: one [n, n] float32 matrix is 256 MiB; the blocked gradient needs far less."""
    z = jax.ShapeDtypeStruct((8192, 16), jnp.float32)
    compiled = jax.jit(jax.value_and_grad(cw_normality)).lower(z).compile()
    analysis = compiled.memory_analysis()
    if analysis is None:
        pytest.skip("this backend reports no memory analysis")
    assert analysis.temp_size_in_bytes < 64 * 2**20, analysis.temp_size_in_bytes


def test_bf16_inputs_are_computed_in_float32(rng):
    z = rng.standard_normal((32, 8))
    got = cw_normality_jit(jnp.asarray(z, jnp.bfloat16))
    assert got.dtype == jnp.float32
    expected = cw_normality_reference(
        np.asarray(jnp.asarray(z, jnp.bfloat16), np.float64), silverman_gamma(32)
    )
    assert float(got) == pytest.approx(expected, rel=1e-3)


def test_validation():
    z = jnp.zeros((8, 3))
    with pytest.raises(ValueError, match="z must be a 2-D"):
        cw_normality(jnp.zeros(8))
    with pytest.raises(ValueError, match="x must be a 2-D"):
        cw_distance(jnp.zeros(8), z)
    with pytest.raises(ValueError, match="y must have the same dimension"):
        cw_distance(z, jnp.zeros((8, 4)))
    with pytest.raises(ValueError, match="z must hold"):
        cw_normality(jnp.zeros((0, 3)))
    with pytest.raises(ValueError, match="gamma"):
        cw_normality(z, gamma=0.0)
    with pytest.raises(ValueError, match="kernel"):
        cw_distance(z, z, kernel="fast")
    with pytest.raises(ValueError, match="z must be real"):
        cw_normality(jnp.zeros((8, 3), jnp.complex64))


def test_docstring_examples():
    failures, _ = doctest.testmod(cramer_wold, optionflags=doctest.ELLIPSIS)
    assert failures == 0
