"""Synthetic sets made here, with a known true latent dimension.

``synthetic:manifold<n>`` (e.g. ``manifold8``, ``manifold16``, as in the
MaskAAE study): ``x = f(z)``, ``z ~ N(0, I_n)``, where ``f: R^n -> R^64`` is a
fixed random smooth network

    h = tanh(2 z W1 / sqrt(n) + b1)        W1 [n, 128], b1 [128] ~ U(-1, 1)
    x = (h W2 / sqrt(128) - mu) / sigma    W2 [128, 64]

with W1, W2 standard normal. ``mu``, ``sigma`` (per coordinate) standardise
the output, measured once on 4096 reference codes, so every coordinate has
mean ~0 and standard deviation ~1. The map's weights depend only on
``(n, D)`` — every run and every ``seed`` sees the same manifold — while
``seed`` picks the codes z. There is no noise, so the data lie exactly on an
n-dimensional manifold; `manifold_jacobian` has rank n almost everywhere
(tested), and the set is not flat: its global PCA needs more than n
components (also tested), so a linear model cannot solve it.

``synthetic:factors<k>`` (e.g. ``factors4``): data with known generative factors, for
disentanglement scores. ``k`` independent factors ``v_j``, each uniform on
``FACTOR_VALUES`` = 10 levels, mapped to ``z_j = sqrt(3) (2 (v_j + ½) / 10 - 1)`` (mean 0,
variance ~1) and then through the same fixed map ``f`` as ``manifold<k>``;
`factor_data` returns the factors with the data (``true_latent_dim`` is k).

``synthetic:gaussian_mixture``: 8 Gaussians (std 0.02) on a circle of radius 2
in 2-D, equal weights, the usual toy for mode collapse in GANs; labels are the
mode index and ``true_latent_dim`` is 2.

>>> ds = make("manifold8", seed=0, max_train=100, max_test=10)
>>> ds.train.shape, ds.true_latent_dim
((100, 64), 8)
"""

from __future__ import annotations

import re

import numpy as np

from genjax.data.dataset import Dataset

NUM_TRAIN = 50_000
NUM_TEST = 10_000
DATA_DIM = 64
HIDDEN = 128
_MAP_SEED = 20_211  # fixed: the manifold is part of the dataset's definition
_NAMES = (
    "manifold<n> (e.g. manifold8, manifold16)",
    "factors<k> (e.g. factors4)",
    "gaussian_mixture",
)
FACTOR_VALUES = 10


def manifold_params(latent_dim: int, data_dim: int = DATA_DIM) -> dict[str, np.ndarray]:
    """The fixed weights of ``f: R^latent_dim -> R^data_dim`` (see the module docstring)."""
    if not 1 <= latent_dim <= data_dim:
        raise ValueError(f"latent_dim must be in [1, {data_dim}], got {latent_dim}")
    rng = np.random.default_rng([_MAP_SEED, latent_dim, data_dim])
    params = {
        "w1": rng.standard_normal((latent_dim, HIDDEN)) * (2 / np.sqrt(latent_dim)),
        "b1": rng.uniform(-1, 1, HIDDEN),
        "w2": rng.standard_normal((HIDDEN, data_dim)) / np.sqrt(HIDDEN),
        "mu": np.zeros(data_dim),
        "sigma": np.ones(data_dim),
    }
    x_ref = manifold_apply(params, rng.standard_normal((4096, latent_dim)))
    params["mu"], params["sigma"] = x_ref.mean(0), x_ref.std(0)
    return params


def manifold_apply(params: dict[str, np.ndarray], z: np.ndarray) -> np.ndarray:
    """``x = f(z)``: ``z [b, n] -> x [b, D]`` (float64)."""
    h = np.tanh(z @ params["w1"] + params["b1"])  # [b, H]
    return (h @ params["w2"] - params["mu"]) / params["sigma"]


def manifold_jacobian(params: dict[str, np.ndarray], z: np.ndarray) -> np.ndarray:
    """``df/dz`` at each code: ``z [b, n] -> J [b, D, n]``."""
    h = np.tanh(z @ params["w1"] + params["b1"])  # [b, H]
    # dx_d/dz_i = sum_k w1[i, k] (1 - h_k^2) w2[k, d] / sigma_d
    scaled = params["w1"][None] * (1 - h**2)[:, None, :]  # [b, n, H]
    return np.swapaxes(scaled @ params["w2"] / params["sigma"], 1, 2)


def gaussian_mixture(
    n: int, seed: int | list[int], *, modes: int = 8, radius: float = 2.0, std: float = 0.02
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points ``[n, 2]`` from ``modes`` equal Gaussians on a circle, and their mode ``[n]``.

    Modes and noise come from separate streams, so the first ``m`` of ``n``
    points are the ``m`` points drawn with the same seed.
    """
    mode_rng, noise_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    k = mode_rng.integers(0, modes, n)
    angle = 2 * np.pi * k / modes
    centres = radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    x = centres + std * noise_rng.standard_normal((n, 2))
    return x.astype(np.float32), k.astype(np.int32)


def factor_data(
    n: int, seed: int | list[int], num_factors: int, *, values: int = FACTOR_VALUES
) -> tuple[np.ndarray, np.ndarray]:
    """``(x [n, 64] float32, v [n, num_factors] int32)``: ``x = f(z(v))`` for factors ``v``
    drawn uniformly on ``values`` levels (see the module docstring).

    >>> x, v = factor_data(5, [0, 1], 3)
    >>> x.shape, v.shape, int(v.max()) < 10
    ((5, 64), (5, 3), True)
    """
    v = np.random.default_rng(seed).integers(0, values, (n, num_factors))
    z = np.sqrt(3.0) * (2.0 * (v + 0.5) / values - 1.0)
    return manifold_apply(manifold_params(num_factors), z).astype(np.float32), v.astype(np.int32)


def make(
    name: str, *, seed: int = 0, max_train: int | None = None, max_test: int | None = None
) -> Dataset:
    """The synthetic set ``name`` (without the ``synthetic:`` prefix).

    ``NUM_TRAIN`` = 50 000 train and ``NUM_TEST`` = 10 000 test examples by
    default, drawn independently from ``seed``; ``max_train`` / ``max_test``
    keep a prefix of the same streams (so a small set is the start of a big one).
    """
    n_train = NUM_TRAIN if max_train is None else min(max_train, NUM_TRAIN)
    n_test = NUM_TEST if max_test is None else min(max_test, NUM_TEST)
    if n_train < 1 or n_test < 1:
        raise ValueError(f"max_train and max_test must be >= 1, got {max_train}, {max_test}")
    full_name = f"synthetic:{name}"
    if name == "gaussian_mixture":
        train, train_labels = gaussian_mixture(n_train, [seed, 0])
        test, test_labels = gaussian_mixture(n_test, [seed, 1])
        return Dataset(full_name, train, test, train_labels, test_labels, true_latent_dim=2)
    match = re.fullmatch(r"factors(\d+)", name)
    if match:
        k = int(match.group(1))
        train, _ = factor_data(n_train, [seed, 0], k)
        test, _ = factor_data(n_test, [seed, 1], k)
        return Dataset(full_name, train, test, true_latent_dim=k)
    match = re.fullmatch(r"manifold(\d+)", name)
    if match:
        n = int(match.group(1))
        params = manifold_params(n)
        z_train = np.random.default_rng([seed, 0]).standard_normal((n_train, n))
        z_test = np.random.default_rng([seed, 1]).standard_normal((n_test, n))
        return Dataset(
            full_name,
            manifold_apply(params, z_train).astype(np.float32),
            manifold_apply(params, z_test).astype(np.float32),
            true_latent_dim=n,
        )
    raise ValueError(f"unknown synthetic set {full_name!r}; known: synthetic:{', '.join(_NAMES)}")
