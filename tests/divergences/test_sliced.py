"""random_directions, wasserstein_1d, sliced_wasserstein against scipy, linear
programming, closed forms for Gaussians and the contract."""

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.stats import kstest, wasserstein_distance

from genjax.divergences.sliced import random_directions, sliced_wasserstein, wasserstein_1d
from tests import contract

sw_jit = jax.jit(sliced_wasserstein, static_argnames=("num_projections", "p"))
w1d_jit = jax.jit(wasserstein_1d, static_argnames=("p",))


def transport_cost_reference(u, v, p):
    """Optimal transport between uniform weights on u and v, as a linear program."""
    n, m = len(u), len(v)
    cost = np.abs(np.subtract.outer(u, v)) ** p  # [n, m]
    rows = np.kron(np.eye(n), np.ones(m))  # Σ_j π_ij = 1/n
    cols = np.kron(np.ones(n), np.eye(m))  # Σ_i π_ij = 1/m
    result = linprog(
        cost.ravel(),
        A_eq=np.vstack([rows, cols]),
        b_eq=np.concatenate([np.full(n, 1 / n), np.full(m, 1 / m)]),
        bounds=(0, None),
        method="highs",
    )
    assert result.success
    return result.fun


def sorted_reference(u, v, p):
    """Equal sizes: the order statistics are matched."""
    return np.mean(np.abs(np.sort(u) - np.sort(v)) ** p)


# ---------------------------------------------------------------- directions


def test_random_directions_are_unit_and_uniform():
    theta = np.asarray(random_directions(jax.random.key(0), 4000, 3), np.float64)
    assert theta.shape == (4000, 3)
    np.testing.assert_allclose(np.linalg.norm(theta, axis=1), 1.0, rtol=1e-6)
    # Archimedes: one coordinate of a uniform point on S² is uniform on [−1, 1].
    for k in range(3):
        assert kstest(theta[:, k], "uniform", args=(-1, 2)).pvalue > 1e-3
    # E θθᵀ = I/d in any dimension.
    theta8 = np.asarray(random_directions(jax.random.key(1), 4000, 8), np.float64)
    np.testing.assert_allclose(theta8.T @ theta8 / 4000, np.eye(8) / 8, atol=0.015)


def test_random_directions_rejects_bad_sizes():
    with pytest.raises(ValueError, match="num_projections"):
        random_directions(jax.random.key(0), 0, 3)
    with pytest.raises(ValueError, match="d must"):
        random_directions(jax.random.key(0), 4, 2.5)


# ---------------------------------------------------------------- 1-D


@pytest.mark.parametrize("n, m", [(9, 9), (7, 4), (5, 12), (6, 4)])
def test_w1_matches_scipy(rng, n, m):
    u, v = rng.normal(size=n), rng.exponential(size=m) - 0.5
    got = w1d_jit(u.astype(np.float32), v.astype(np.float32), p=1)
    np.testing.assert_allclose(got, wasserstein_distance(u, v), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("n, m", [(8, 8), (7, 4), (3, 10), (6, 4)])
@pytest.mark.parametrize("p", [2, 3])
def test_wp_matches_linear_program(rng, n, m, p):
    u, v = rng.normal(size=n), rng.normal(size=m) * 2 + 1
    got = w1d_jit(u.astype(np.float32), v.astype(np.float32), p=p)
    np.testing.assert_allclose(got, transport_cost_reference(u, v, p), rtol=1e-5, atol=1e-6)
    if n == m:
        np.testing.assert_allclose(got, sorted_reference(u, v, p), rtol=1e-5)


def test_w1_handles_ties_and_repeated_values():
    u = np.array([0.0, 0.0, 1.0, 1.0, 1.0, 3.0])
    v = np.array([1.0, 1.0, 2.0, 0.0])
    np.testing.assert_allclose(w1d_jit(u, v, p=1), wasserstein_distance(u, v), rtol=1e-6)


def test_w2_of_gaussians_matches_closed_form():
    """Large samples of N(μ1, σ1²), N(μ2, σ2²): W₂² = (μ1 − μ2)² + (σ1 − σ2)²."""
    ku, kv = jax.random.split(jax.random.key(3))
    u = 0.5 + 1.0 * jax.random.normal(ku, (20000,))
    v = -1.0 + 2.0 * jax.random.normal(kv, (15000,))
    np.testing.assert_allclose(w1d_jit(u, v, p=2), 1.5**2 + 1.0**2, rtol=0.03)


def test_wasserstein_1d_rejects_bad_arguments():
    with pytest.raises(ValueError, match="u must"):
        wasserstein_1d(jnp.zeros((3, 2)), jnp.zeros(3))
    with pytest.raises(ValueError, match="v must"):
        wasserstein_1d(jnp.zeros(3), jnp.zeros(0))
    with pytest.raises(ValueError, match="p must"):
        wasserstein_1d(jnp.zeros(3), jnp.zeros(3), p=0.5)


# ---------------------------------------------------------------- sliced


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("m", [10, 7])
def test_sliced_matches_per_direction_references(rng, p, m):
    x = rng.normal(size=(10, 3))
    y = rng.normal(size=(m, 3)) * 1.5 + 0.3
    theta = np.asarray(random_directions(jax.random.key(4), 6, 3), np.float64)
    if p == 1:
        per_direction = [wasserstein_distance(x @ t, y @ t) for t in theta]
    else:
        per_direction = [transport_cost_reference(x @ t, y @ t, 2) for t in theta]
    got = sw_jit(x.astype(np.float32), y.astype(np.float32), p=p, directions=theta)
    np.testing.assert_allclose(got, np.mean(per_direction), rtol=1e-5)


def test_key_draws_the_same_directions_as_random_directions(rng):
    x, y = rng.normal(size=(8, 4)), rng.normal(size=(8, 4)) + 1
    key = jax.random.key(5)
    np.testing.assert_allclose(
        sw_jit(x, y, key, num_projections=7),
        sw_jit(x, y, directions=random_directions(key, 7, 4)),
        rtol=1e-6,
    )


def test_sliced_w2_of_a_translation_is_mean_squared_projected_shift(rng):
    """SW₂²(x, x + b) = (1/L) Σ_l (θ_l·b)², exactly, for any sample x."""
    x = rng.normal(size=(20, 5)).astype(np.float32)
    b = rng.normal(size=5).astype(np.float32)
    theta = random_directions(jax.random.key(6), 30, 5)
    want = np.mean((np.asarray(theta, np.float64) @ b) ** 2)
    np.testing.assert_allclose(sw_jit(x, x + b, directions=theta), want, rtol=1e-4)
    np.testing.assert_allclose(sw_jit(x, x, directions=theta), 0.0, atol=1e-7)


def test_sliced_w2_of_isotropic_gaussians_matches_closed_form():
    """Projections of N(μ, σ² I) are N(θ·μ, σ²), so SW₂² = mean_l (θ_l·Δμ)² + (σ1 − σ2)²."""
    d = 4
    kx, ky = jax.random.split(jax.random.key(7))
    mu = jnp.array([1.0, -0.5, 0.0, 2.0])
    x = jax.random.normal(kx, (12000, d))
    y = mu + 1.5 * jax.random.normal(ky, (12000, d))
    theta = random_directions(jax.random.key(8), 40, d)
    want = np.mean((np.asarray(theta) @ np.asarray(mu)) ** 2) + 0.5**2
    np.testing.assert_allclose(sw_jit(x, y, directions=theta), want, rtol=0.03)


def test_symmetric_and_decreasing_towards_the_same_law(rng):
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = rng.normal(size=(48, 3)).astype(np.float32)
    key = jax.random.key(9)
    np.testing.assert_allclose(sw_jit(x, y + 1, key), sw_jit(y + 1, x, key), rtol=1e-5)
    values = [float(sw_jit(x, y * s + s, key)) for s in (3.0, 2.0, 1.0)]
    assert values[0] > values[1] > values[2], values


@pytest.mark.parametrize(
    "kwargs, shapes, match",
    [
        ({}, ((4, 3), (4, 3)), "exactly one"),
        ({"key": jax.random.key(0), "directions": jnp.ones((2, 3))}, ((4, 3), (4, 3)), "exactly"),
        ({"directions": jnp.ones((2, 4))}, ((4, 3), (4, 3)), "directions"),
        ({"directions": jnp.ones(3)}, ((4, 3), (4, 3)), "directions"),
        ({"key": jax.random.key(0), "p": 0}, ((4, 3), (4, 3)), "p must"),
        ({"key": jax.random.key(0)}, ((4,), (4, 3)), "x must"),
        ({"key": jax.random.key(0)}, ((4, 3), (4, 2)), "dimension"),
        ({"key": jax.random.key(0), "num_projections": 0}, ((4, 3), (4, 3)), "num_projections"),
    ],
)
def test_sliced_rejects_bad_arguments(kwargs, shapes, match):
    with pytest.raises(ValueError, match=match):
        sliced_wasserstein(jnp.zeros(shapes[0]), jnp.zeros(shapes[1]), **kwargs)


def test_bf16_inputs_are_computed_in_float32(rng):
    x, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 3)) + 1
    x16, y16 = jnp.asarray(x, jnp.bfloat16), jnp.asarray(y, jnp.bfloat16)
    theta = random_directions(jax.random.key(0), 5, 3)
    got = sw_jit(x16, y16, directions=theta)
    assert got.dtype == jnp.float32
    want = sw_jit(np.asarray(x16, np.float32), np.asarray(y16, np.float32), directions=theta)
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_memory_is_linear_in_the_sample_sizes():
    n, m, d, num_projections = 40, 30, 16, 8
    jaxpr = jax.make_jaxpr(functools.partial(sliced_wasserstein, num_projections=num_projections))(
        jnp.zeros((n, d)), jnp.zeros((m, d)), jax.random.key(0)
    )
    sizes = [math.prod(v.aval.shape) for eqn in jaxpr.jaxpr.eqns for v in eqn.outvars]
    assert max(sizes) <= (n + m) * max(d, num_projections) < n * m


# ---------------------------------------------------------------- contract


@pytest.mark.parametrize("p, m", [(1, 24), (2, 16)])
def test_jit_and_sharded_match_eager(rng, mesh, p, m):
    x = rng.normal(size=(16, 3)).astype(np.float32)
    y = (rng.normal(size=(m, 3)) + 0.5).astype(np.float32)
    fn = functools.partial(sliced_wasserstein, key=jax.random.key(0), p=p)
    contract.assert_jit_matches_eager(fn, x, y)
    contract.assert_sharded_matches(fn, mesh, x, y)


def test_vmap_matches_loop(rng):
    x = rng.normal(size=(3, 8, 2)).astype(np.float32)
    y = rng.normal(size=(3, 5, 2)).astype(np.float32)
    theta = random_directions(jax.random.key(1), 4, 2)
    contract.assert_vmap_matches_loop(
        jax.jit(functools.partial(sliced_wasserstein, directions=theta)), x, y
    )
    contract.assert_vmap_matches_loop(w1d_jit, x[:, :, 0], y[:, :, 1])


def test_vmap_over_keys(rng):
    x, y = rng.normal(size=(8, 2)), rng.normal(size=(8, 2))
    keys = jax.random.split(jax.random.key(2), 3)
    mapped = jax.vmap(lambda k: sliced_wasserstein(x, y, k, num_projections=5))(keys)
    looped = [sw_jit(x, y, k, num_projections=5) for k in keys]
    np.testing.assert_allclose(mapped, looped, rtol=1e-5)


def test_compiles_once(rng):
    def make_args(i):
        return (
            jnp.asarray(rng.normal(size=(8, 3)), jnp.float32),
            jnp.asarray(rng.normal(size=(6, 3)), jnp.float32),
            jax.random.key(i),
        )

    contract.assert_compiles_once(sliced_wasserstein, make_args)


@pytest.mark.parametrize("p", [1, 2, 3])
@pytest.mark.parametrize("m", [6, 4])
def test_gradients_match_finite_differences(rng, p, m):
    x = rng.normal(size=(6, 3))
    y = rng.normal(size=(m, 3)) + 0.5
    # Non-unit directions, differentiated too (through their normalisation).
    theta = np.asarray(random_directions(jax.random.key(3), 5, 3)) * np.arange(1.0, 6.0)[:, None]
    fn = jax.jit(lambda x, y, theta: sliced_wasserstein(x, y, p=p, directions=theta))
    contract.assert_grads_match_finite_differences(fn, x, y, theta)
    w1d = jax.jit(functools.partial(wasserstein_1d, p=p))
    contract.assert_grads_match_finite_differences(w1d, x[:, 0], y[:, 1])
