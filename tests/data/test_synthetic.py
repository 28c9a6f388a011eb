"""Synthetic sets: deterministic, and of the intrinsic dimension they claim."""

import numpy as np
import pytest

from genjax.data import load
from genjax.data.synthetic import manifold_apply, manifold_jacobian, manifold_params


@pytest.mark.parametrize("name", ["manifold8", "manifold16", "gaussian_mixture"])
def test_deterministic_from_seed(name):
    a = load(f"synthetic:{name}", max_train=500, max_test=100, seed=1)
    b = load(f"synthetic:{name}", max_train=500, max_test=100, seed=1)
    c = load(f"synthetic:{name}", max_train=500, max_test=100, seed=2)
    np.testing.assert_array_equal(a.train, b.train)
    np.testing.assert_array_equal(a.test, b.test)
    assert not np.array_equal(a.train, c.train)
    assert not np.array_equal(a.train[:100], a.test)  # test is a separate draw
    assert a.train.dtype == np.float32 and np.isfinite(a.train).all()
    # A small set is the start of a bigger one.
    bigger = load(f"synthetic:{name}", max_train=800, max_test=100, seed=1)
    np.testing.assert_array_equal(bigger.train[:500], a.train)


@pytest.mark.parametrize("n", [8, 16])
def test_manifold_has_the_stated_intrinsic_dimension(n):
    ds = load(f"synthetic:manifold{n}", max_train=2000, max_test=10)
    assert ds.true_latent_dim == n and ds.shape == (64,)
    # The data are f(z) for the documented code stream, and f is standardised on its
    # documented reference codes: exactly mean 0 and standard deviation 1 there.
    params = manifold_params(n)
    z_train = np.random.default_rng([0, 0]).standard_normal((2000, n))
    np.testing.assert_allclose(ds.train, manifold_apply(params, z_train), rtol=1e-6, atol=1e-6)
    rng = np.random.default_rng([20_211, n, 64])
    rng.standard_normal((n, 128)), rng.uniform(-1, 1, 128), rng.standard_normal((128, 64))
    x_ref = manifold_apply(params, rng.standard_normal((4096, n)))
    np.testing.assert_allclose(x_ref.mean(0), 0.0, atol=1e-12)
    np.testing.assert_allclose(x_ref.std(0), 1.0, rtol=1e-12)

    params = manifold_params(n)
    z = np.random.default_rng(5).standard_normal((50, n))
    jac = manifold_jacobian(params, z)  # [50, 64, n]
    # The Jacobian agrees with finite differences ...
    eps = 1e-6
    fd = (manifold_apply(params, z[:1] + eps * np.eye(n)) - manifold_apply(params, z[:1])) / eps
    np.testing.assert_allclose(fd.T, jac[0], rtol=1e-4, atol=1e-5)
    # ... and has rank n at every point: the map is an immersion of R^n.
    s = np.linalg.svd(jac, compute_uv=False)  # [50, n]
    assert (s[:, -1] / s[:, 0]).min() > 1e-3

    # Local PCA of the data itself: a small neighbourhood spans n directions only.
    z0 = np.random.default_rng(6).standard_normal(n)
    dz = 1e-5 * np.random.default_rng(7).standard_normal((500, n))
    x = manifold_apply(params, z0 + dz)
    local = np.linalg.svd(x - x.mean(0), compute_uv=False)
    # n directions of size ~1e-5, the rest only curvature, ~1e-10.
    assert local[n - 1] / local[0] > 1e-3 and local[n] / local[n - 1] < 1e-3

    # Globally the set is curved: more than n principal components matter,
    # so a linear n-dimensional model cannot fit it.
    pcs = np.linalg.svd(ds.train - ds.train.mean(0), compute_uv=False) ** 2
    assert pcs[:n].sum() / pcs.sum() < 0.99


def test_gaussian_mixture_modes():
    ds = load("synthetic:gaussian_mixture", max_train=4000, max_test=100, seed=0)
    assert ds.shape == (2,) and ds.true_latent_dim == 2
    angle = 2 * np.pi * ds.train_labels / 8
    centres = 2 * np.stack([np.cos(angle), np.sin(angle)], 1)
    assert np.abs(ds.train - centres).max() < 0.02 * 6
    assert np.all(np.bincount(ds.train_labels, minlength=8) > 400)


def test_unknown_synthetic_name():
    with pytest.raises(ValueError, match="unknown synthetic set 'synthetic:spiral'"):
        load("synthetic:spiral")
    with pytest.raises(ValueError, match="latent_dim"):
        load("synthetic:manifold100")
