"""Precision / recall / density / coverage against a brute-force NumPy implementation."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.spatial.distance import cdist

from genjax.evaluation import knn_radii, precision_recall_density_coverage


def reference_prdc(real, fake, k):
    """Full distance matrices in float64, closed balls (Kynkäänniemi et al.; Naeem et al.)."""
    real_radii = np.sort(cdist(real, real), axis=1)[:, k]  # column 0 is the point itself
    fake_radii = np.sort(cdist(fake, fake), axis=1)[:, k]
    d = cdist(real, fake)  # [n, m]
    inside_real = d <= real_radii[:, None]
    return {
        "precision": inside_real.any(axis=0).mean(),
        "recall": (d <= fake_radii[None, :]).any(axis=1).mean(),
        "density": inside_real.sum(axis=0).mean() / k,
        "coverage": (d.min(axis=1) <= real_radii).mean(),
    }


def as_floats(result):
    return {name: float(value) for name, value in result.items()}


def overlapping_sets(rng, n, m, d):
    real = rng.normal(size=(n, d))
    fake = rng.normal(size=(m, d)) * 1.2 + 0.3
    return real, fake


@pytest.mark.parametrize("k, block_size", [(3, 7), (5, 1024)])
def test_matches_brute_force_in_float64(rng, k, block_size):
    # Block sizes that do not divide n or m exercise the padding.
    real, fake = overlapping_sets(rng, 83, 61, 5)
    expected = reference_prdc(real, fake, k)
    with jax.enable_x64(True):
        got = precision_recall_density_coverage(
            jnp.asarray(real), jnp.asarray(fake), nearest_k=k, block_size=block_size
        )
        got = as_floats(got)
    for name in expected:
        assert got[name] == pytest.approx(expected[name], abs=1e-12), name


def test_float32_is_within_a_few_boundary_flips(rng):
    real, fake = overlapping_sets(rng, 300, 200, 16)
    expected = reference_prdc(real, fake, 3)
    got = as_floats(
        precision_recall_density_coverage(
            jnp.asarray(real, jnp.float32), jnp.asarray(fake, jnp.float32), block_size=64
        )
    )
    for name in expected:
        assert got[name] == pytest.approx(expected[name], abs=3 / 200), name


def test_knn_radii_match_sorted_distances(rng):
    x = rng.normal(size=(50, 4))
    with jax.enable_x64(True):
        got = knn_radii(jnp.asarray(x), nearest_k=3, block_size=16)
        np.testing.assert_allclose(got, np.sort(cdist(x, x), axis=1)[:, 3], rtol=1e-10)


def test_block_size_does_not_change_the_result(rng):
    real, fake = (jnp.asarray(a, jnp.float32) for a in overlapping_sets(rng, 40, 30, 3))
    # 7 divides neither 40 nor 30; the default block holds every row at once.
    assert as_floats(precision_recall_density_coverage(real, fake, block_size=7)) == (
        as_floats(precision_recall_density_coverage(real, fake))
    )


def test_two_halves_of_one_distribution(rng):
    # Naeem et al., Lemmas 1-2: for identical distributions E[density] = 1 and
    # E[coverage] = 1 − Π_{i=1..k} (n−i)/(n+m−i), in any dimension. In 2-D the
    # 3-NN balls of 1000 points cover all but the sparse tails, so precision and
    # recall are close to 1.
    n = m = 1000
    k = 3
    expected_coverage = 1 - math.prod((n - i) / (n + m - i) for i in range(1, k + 1))
    for d in (2, 8):
        x64 = rng.normal(size=(n + m, d))
        x = jnp.asarray(x64, jnp.float32)
        got = as_floats(precision_recall_density_coverage(x[:n], x[n:], nearest_k=k))
        assert got["coverage"] == pytest.approx(expected_coverage, abs=0.05), d
        assert got["density"] == pytest.approx(1.0, abs=0.12), d
        # Precision and recall have no closed form here: their exact values on this
        # very sample, brute force in float64 (float32 may flip a boundary point or two).
        exact = reference_prdc(x64[:n].astype(np.float32), x64[n:].astype(np.float32), k)
        for name in ("precision", "recall"):
            assert got[name] == pytest.approx(exact[name], abs=2 / n), (d, name)
        if d == 2:
            assert exact["precision"] > 0.95 and exact["recall"] > 0.95


def test_collapsed_generator_has_no_recall(rng):
    real = jnp.asarray(rng.normal(size=(400, 4)), jnp.float32)
    point = real[0] * 0.1  # inside the real manifold
    fake = jnp.tile(point, (300, 1))
    got = as_floats(precision_recall_density_coverage(real, fake))
    assert got["recall"] == 0.0  # the fakes' balls have radius 0
    assert got["precision"] == 1.0
    # Only the reals whose ball holds the point are covered.
    real64 = np.asarray(real, np.float64)
    radii = np.sort(cdist(real64, real64), axis=1)[:, 3]
    inside = np.linalg.norm(real64 - np.asarray(point, np.float64), axis=1) <= radii
    assert got["coverage"] == pytest.approx(inside.mean(), abs=2 / 400)
    assert got["coverage"] < 0.05


def test_disjoint_sets_score_zero(rng):
    real = jnp.asarray(rng.normal(size=(100, 3)), jnp.float32)
    fake = real + 100.0
    got = as_floats(precision_recall_density_coverage(real, fake))
    assert got == {"precision": 0.0, "recall": 0.0, "density": 0.0, "coverage": 0.0}


def test_cached_real_radii_give_the_same_result(rng):
    real, fake = (jnp.asarray(a, jnp.float32) for a in overlapping_sets(rng, 40, 30, 3))
    radii = knn_radii(real, nearest_k=3)
    assert as_floats(precision_recall_density_coverage(real, fake, real_radii=radii)) == (
        as_floats(precision_recall_density_coverage(real, fake))
    )
    with pytest.raises(ValueError, match="real_radii"):
        precision_recall_density_coverage(real, fake, real_radii=radii[:-1])


def _largest_intermediate(jaxpr):
    """Largest number of elements of any value produced inside a (nested) jaxpr."""
    largest = 0
    for eqn in jaxpr.eqns:
        for var in eqn.outvars:
            largest = max(largest, math.prod(getattr(var.aval, "shape", ())))
        for param in eqn.params.values():
            inner = getattr(param, "jaxpr", param)
            if hasattr(inner, "eqns"):
                largest = max(largest, _largest_intermediate(inner))
    return largest


def test_memory_is_one_block_of_rows():
    # 10k x 10k must never hold an [n, m] matrix: only [block_size, max(n, m)] blocks.
    n = m = 10_000
    block_size = 256
    real = jax.ShapeDtypeStruct((n, 64), jnp.float32)
    fake = jax.ShapeDtypeStruct((m, 64), jnp.float32)
    jaxpr = jax.make_jaxpr(
        lambda r, f: precision_recall_density_coverage(r, f, block_size=block_size)
    )(real, fake)
    assert _largest_intermediate(jaxpr.jaxpr) <= block_size * max(n, m)


@pytest.mark.parametrize(
    "real_shape, fake_shape, options, name",
    [
        ((10,), (10, 3), {}, "real"),
        ((10, 3), (10, 3, 1), {}, "fake"),
        ((10, 3), (10, 4), {}, "feature size"),
        ((3, 3), (10, 3), {}, "real"),
        ((10, 3), (5, 3), {"nearest_k": 5}, "fake"),
    ],
)
def test_bad_shapes_raise(real_shape, fake_shape, options, name):
    with pytest.raises(ValueError, match=name):
        precision_recall_density_coverage(jnp.zeros(real_shape), jnp.zeros(fake_shape), **options)
