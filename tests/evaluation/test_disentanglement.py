"""MIG against hand-built codes and a direct count, and the factors data set."""

import numpy as np
import pytest

from genjax.data.synthetic import factor_data, make
from genjax.evaluation.disentanglement import discrete_mutual_information, mutual_information_gap


def test_mutual_information_against_direct_count():
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 3, 500), rng.integers(0, 4, 500)
    b = np.where(rng.random(500) < 0.5, a, b)  # dependent
    expected = 0.0
    for i in range(3):
        for j in range(4):
            p = np.mean((a == i) & (b == j))
            if p > 0:
                expected += p * np.log(p / (np.mean(a == i) * np.mean(b == j)))
    np.testing.assert_allclose(discrete_mutual_information(a, b), expected, rtol=1e-12)


def test_mig_extremes():
    rng = np.random.default_rng(1)
    v = rng.integers(0, 10, (4000, 3))
    noise = rng.normal(size=(4000, 2))
    axis_aligned = np.concatenate([v + 0.01 * rng.normal(size=v.shape), noise], 1)
    assert mutual_information_gap(axis_aligned, v) > 0.95
    duplicated = np.concatenate([axis_aligned[:, :3], axis_aligned[:, :3]], 1)
    assert mutual_information_gap(duplicated, v) < 0.05
    assert mutual_information_gap(rng.normal(size=(4000, 5)), v) < 0.05
    rotated = v @ np.linalg.qr(rng.normal(size=(3, 3)))[0]  # every dim mixes every factor
    assert mutual_information_gap(rotated, v) < mutual_information_gap(axis_aligned, v) - 0.3
    with pytest.raises(ValueError, match="factors"):
        mutual_information_gap(noise, v[:10])


def test_factor_data_matches_the_named_set():
    ds = make("factors3", max_train=50, max_test=20)
    x, v = factor_data(20, [0, 1], 3)
    np.testing.assert_array_equal(ds.test, x)
    assert ds.true_latent_dim == 3 and v.shape == (20, 3) and set(np.unique(v)) <= set(range(10))
