"""mmd, imq_kernel, rbf_kernel against plain numpy loops, closed forms and the contract."""

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.stats import ortho_group

from genjax.divergences.mmd import IMQ_SCALES, imq_kernel, mmd, rbf_kernel
from tests import contract

# Jitted once per option set: eager dispatch of every small op is slow on a busy CPU.
mmd_jit = jax.jit(mmd, static_argnames=("kernel", "scales", "unbiased"))

# ---------------------------------------------------------------- references


def kernel_reference(a, b, kernel, scales):
    """One kernel value from the WAE formulas, float64, no shared code."""
    d = len(a)
    r = sum((float(a[k]) - float(b[k])) ** 2 for k in range(d))
    if kernel == "imq":
        return sum(2 * d * s / (2 * d * s + r) for s in scales)
    return sum(math.exp(-r / (2 * d * s)) for s in scales)


def gram_reference(x, y, kernel, scales):
    return np.array([[kernel_reference(a, b, kernel, scales) for b in y] for a in x])


def mmd_reference(x, y, kernel, scales, unbiased):
    """The estimator written as in Gretton et al. (2012), Eq. 3 and Lemma 6."""
    n, m = len(x), len(y)
    k_xx = k_yy = k_xy = 0.0
    for i in range(n):
        for j in range(n):
            if i != j or not unbiased:
                k_xx += kernel_reference(x[i], x[j], kernel, scales)
    for i in range(m):
        for j in range(m):
            if i != j or not unbiased:
                k_yy += kernel_reference(y[i], y[j], kernel, scales)
    for i in range(n):
        for j in range(m):
            k_xy += kernel_reference(x[i], y[j], kernel, scales)
    if unbiased:
        return k_xx / (n * (n - 1)) + k_yy / (m * (m - 1)) - 2 * k_xy / (n * m)
    return k_xx / n**2 + k_yy / m**2 - 2 * k_xy / (n * m)


def rbf_mmd_two_gaussians(mu_p, var_p, mu_q, var_q, d, scales):
    """Population MMD² between N(mu_p, var_p I) and N(mu_q, var_q I), RBF kernel.

    E exp(−‖W‖²/C) for W ~ N(m, s² I_d) is (1 + 2s²/C)^(−d/2) exp(−‖m‖²/(C + 2s²)).
    """

    def expected_kernel(mean_gap_sq, s2):
        return sum(
            (1 + 2 * s2 / c) ** (-d / 2) * math.exp(-mean_gap_sq / (c + 2 * s2))
            for c in (2 * d * s for s in scales)
        )

    gap = float(np.sum((np.asarray(mu_p) - np.asarray(mu_q)) ** 2))
    return (
        expected_kernel(0.0, 2 * var_p)
        + expected_kernel(0.0, 2 * var_q)
        - 2 * expected_kernel(gap, var_p + var_q)
    )


# ---------------------------------------------------------------- values


@pytest.mark.parametrize("kernel_fn, name", [(imq_kernel, "imq"), (rbf_kernel, "rbf")])
def test_gram_matrices_match_loops(rng, kernel_fn, name):
    x = rng.normal(size=(5, 3)).astype(np.float32)
    y = rng.normal(size=(4, 3)).astype(np.float32) * 2.0
    scales = (0.3, 1.0, 4.0)
    got = kernel_fn(x, y, scales=scales)
    assert got.shape == (5, 4)
    np.testing.assert_allclose(got, gram_reference(x, y, name, scales), rtol=1e-5)
    np.testing.assert_allclose(kernel_fn(x, y), gram_reference(x, y, name, IMQ_SCALES), rtol=1e-5)


@pytest.mark.parametrize("kernel", ["imq", "rbf"])
@pytest.mark.parametrize("unbiased", [True, False])
def test_mmd_matches_double_loop(rng, kernel, unbiased):
    x = rng.normal(size=(7, 3)).astype(np.float32)
    y = (rng.normal(size=(9, 3)) * 1.5 + 0.7).astype(np.float32)
    got = mmd_jit(x, y, kernel=kernel, unbiased=unbiased)
    want = mmd_reference(x, y, kernel, IMQ_SCALES, unbiased)
    assert got.shape == () and got.dtype == jnp.float32
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)


def test_biased_mmd_of_a_sample_with_itself_is_zero(rng):
    x = rng.normal(size=(32, 4)).astype(np.float32)
    np.testing.assert_allclose(mmd_jit(x, x, unbiased=False), 0.0, atol=1e-6)
    # The U-statistic of x against itself is not 0: it lacks the diagonal of k_xx.
    assert mmd_jit(x, x, unbiased=True) < -1e-3


@pytest.mark.parametrize("unbiased", [True, False])
def test_symmetric(rng, unbiased):
    x = rng.normal(size=(10, 3)).astype(np.float32)
    y = rng.normal(size=(13, 3)).astype(np.float32) + 0.5
    np.testing.assert_allclose(
        mmd_jit(x, y, unbiased=unbiased), mmd_jit(y, x, unbiased=unbiased), rtol=1e-5, atol=1e-7
    )


@pytest.mark.parametrize("kernel", ["imq", "rbf"])
def test_invariant_to_rotation_and_translation(rng, kernel):
    x = rng.normal(size=(12, 4))
    y = rng.normal(size=(10, 4)) * 1.3 + 0.4
    rotation = ortho_group.rvs(4, random_state=1)
    shift = rng.normal(size=4) * 3.0
    moved = [(a @ rotation.T + shift).astype(np.float32) for a in (x, y)]
    np.testing.assert_allclose(
        mmd_jit(*moved, kernel=kernel),
        mmd_jit(x.astype(np.float32), y.astype(np.float32), kernel=kernel),
        rtol=1e-4,
        atol=1e-6,
    )


@pytest.mark.parametrize("kernel", ["imq", "rbf"])
def test_decreases_as_y_approaches_x(rng, kernel):
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y0 = rng.normal(size=(64, 3)).astype(np.float32)
    values = [
        float(mmd_jit(x, y0 + t, kernel=kernel, unbiased=False)) for t in (3.0, 1.0, 0.3, 0.0)
    ]
    assert all(a > b for a, b in zip(values, values[1:], strict=False)), values


def test_unbiased_estimator_is_unbiased_for_two_gaussians():
    """Mean of many small-sample U-statistics vs the closed form (RBF kernel); the
    V-statistic, biased upwards by O(1/n), must miss it at the same precision."""
    d, n, m, sets = 2, 6, 8, 4000
    mu_q, var_p, var_q = np.array([0.8, 0.0]), 1.0, 2.25
    kx, ky = jax.random.split(jax.random.key(0))
    x = jax.random.normal(kx, (sets, n, d))
    y = mu_q + math.sqrt(var_q) * jax.random.normal(ky, (sets, m, d))
    truth = rbf_mmd_two_gaussians(np.zeros(d), var_p, mu_q, var_q, d, IMQ_SCALES)
    for unbiased in (True, False):
        estimates = np.asarray(
            jax.vmap(functools.partial(mmd, kernel="rbf", unbiased=unbiased))(x, y)
        )
        mean, se = estimates.mean(), estimates.std(ddof=1) / math.sqrt(sets)
        if unbiased:
            assert abs(mean - truth) < 4 * se, (mean, truth, se)
        else:
            assert mean - truth > 6 * se, (mean, truth, se)


def test_unbiased_mmd_is_zero_in_expectation_for_one_law():
    sets, n = 2000, 5
    x = jax.random.normal(jax.random.key(1), (sets, n, 3))
    y = jax.random.normal(jax.random.key(2), (sets, n, 3))
    estimates = np.asarray(jax.vmap(mmd)(x, y))
    assert abs(estimates.mean()) < 4 * estimates.std(ddof=1) / math.sqrt(sets)


def test_bf16_inputs_are_computed_in_float32(rng):
    x = rng.normal(size=(16, 3))
    y = rng.normal(size=(16, 3)) + 1.0
    x16, y16 = jnp.asarray(x, jnp.bfloat16), jnp.asarray(y, jnp.bfloat16)
    got = mmd_jit(x16, y16)
    assert got.dtype == jnp.float32
    # Same inputs (rounded to bf16) in float64: only the arithmetic precision differs.
    want = mmd_reference(
        np.asarray(x16, np.float64), np.asarray(y16, np.float64), "imq", IMQ_SCALES, True
    )
    np.testing.assert_allclose(got, want, rtol=1e-4)


def intermediate_sizes(jaxpr):
    """Sizes of every value a jaxpr computes, including those of nested jaxprs."""
    for eqn in jaxpr.eqns:
        yield from (math.prod(v.aval.shape) for v in eqn.outvars)
        for param in eqn.params.values():
            for sub in param if isinstance(param, (tuple, list)) else (param,):
                inner = getattr(sub, "jaxpr", sub)
                if hasattr(inner, "eqns"):
                    yield from intermediate_sizes(inner)


def test_never_builds_an_n_m_d_tensor():
    n, m, d = 24, 20, 16
    for unbiased in (True, False):
        jaxpr = jax.make_jaxpr(functools.partial(mmd, unbiased=unbiased))(
            jnp.zeros((n, d)), jnp.zeros((m, d))
        )
        assert max(intermediate_sizes(jaxpr.jaxpr)) <= max(n, m) ** 2 < n * m * d


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "kwargs, shapes, match",
    [
        ({}, ((1, 3), (4, 3)), "x"),
        ({}, ((4, 3), (1, 3)), "in y"),
        ({"kernel": "gauss"}, ((4, 3), (4, 3)), "kernel"),
        ({"scales": ()}, ((4, 3), (4, 3)), "scales"),
        ({"scales": (1.0, -2.0)}, ((4, 3), (4, 3)), "scales"),
        ({"scales": 1.0}, ((4, 3), (4, 3)), "scales"),
        ({}, ((4,), (4, 3)), "x must have shape"),
        ({}, ((4, 3), (4, 2)), "dimension"),
    ],
)
def test_rejects_bad_arguments(kwargs, shapes, match):
    with pytest.raises(ValueError, match=match):
        mmd(jnp.zeros(shapes[0]), jnp.zeros(shapes[1]), **kwargs)


def test_biased_accepts_single_samples():
    """n = m = 1: k(x, x) + k(y, y) − 2 k(x, y) with ‖x − y‖² = 2 and C = 2·d·s = 4s."""
    scales = np.array(IMQ_SCALES)
    want_imq = 2 * len(scales) - 2 * np.sum(4 * scales / (4 * scales + 2))
    want_rbf = 2 * len(scales) - 2 * np.sum(np.exp(-2 / (4 * scales)))
    x, y = jnp.zeros((1, 2)), jnp.ones((1, 2))
    assert float(mmd(x, y, unbiased=False)) == pytest.approx(want_imq, rel=1e-6)
    assert float(mmd(x, y, kernel="rbf", unbiased=False)) == pytest.approx(want_rbf, rel=1e-6)


# ---------------------------------------------------------------- contract


@pytest.fixture
def xy(rng):
    x = rng.normal(size=(16, 3)).astype(np.float32)
    y = (rng.normal(size=(24, 3)) + 0.5).astype(np.float32)
    return x, y


@pytest.mark.parametrize("kernel", ["imq", "rbf"])
@pytest.mark.parametrize("unbiased", [True, False])
def test_jit_and_sharded_match_eager(xy, mesh, kernel, unbiased):
    def fn(x, y):
        return mmd(x, y, kernel=kernel, unbiased=unbiased)

    contract.assert_jit_matches_eager(fn, *xy)
    contract.assert_sharded_matches(fn, mesh, *xy)


def test_vmap_matches_loop(rng):
    x = rng.normal(size=(3, 8, 2)).astype(np.float32)
    y = rng.normal(size=(3, 6, 2)).astype(np.float32) + 0.3
    contract.assert_vmap_matches_loop(mmd, x, y)


def test_compiles_once(rng):
    def make_args(i):
        return tuple(jnp.asarray(rng.normal(size=(8, 3)) + i, jnp.float32) for _ in range(2))

    contract.assert_compiles_once(mmd, make_args)


@pytest.mark.parametrize("kernel", ["imq", "rbf"])
@pytest.mark.parametrize("unbiased", [True, False])
def test_gradients_match_finite_differences(rng, kernel, unbiased):
    x = rng.normal(size=(5, 3))
    y = rng.normal(size=(4, 3)) + 0.5

    def fn(x, y):
        return mmd(x, y, kernel=kernel, scales=(0.2, 1.0), unbiased=unbiased)

    contract.assert_grads_match_finite_differences(jax.jit(fn), x, y)


@pytest.mark.parametrize("kernel_fn", [imq_kernel, rbf_kernel])
def test_gram_gradients_match_finite_differences(rng, kernel_fn):
    x = rng.normal(size=(3, 2))
    y = rng.normal(size=(4, 2)) + 0.5
    fn = jax.jit(functools.partial(kernel_fn, scales=(0.2, 1.0)))
    contract.assert_grads_match_finite_differences(fn, x, y)
