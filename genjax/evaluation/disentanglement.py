"""Disentanglement scores of codes against known generative factors.

`mutual_information_gap` (MIG): Chen, Li, Grosse & Duvenaud, "Isolating Sources of
Disentanglement in Variational Autoencoders", NeurIPS 2018, Eq. 6; the estimator of
Locatello et al., "Challenging Common Assumptions in the Unsupervised Learning of
Disentangled Representations", ICML 2019 (disentanglement_lib ``mig.py``: codes
discretised into 20 equal-width bins per dimension, plug-in mutual information).
Host numpy: a score computed once per evaluation.
"""

from __future__ import annotations

import numpy as np


def _discretise(z: np.ndarray, bins: int) -> np.ndarray:
    """Each column of ``z: [n, d]`` into ``bins`` equal-width bins over its range."""
    out = np.zeros(z.shape, np.int64)
    for j in range(z.shape[1]):
        edges = np.histogram_bin_edges(z[:, j], bins)
        out[:, j] = np.digitize(z[:, j], edges[1:-1])
    return out


def discrete_mutual_information(a: np.ndarray, b: np.ndarray) -> float:
    """Plug-in ``I(a; b) = Σ p(a, b) log(p(a, b) / (p(a) p(b)))`` in nats, ``a, b: [n]``
    integer labels.

    >>> a, b = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    >>> round(discrete_mutual_information(a, a), 4), discrete_mutual_information(a, b)
    (0.6931, 0.0)
    """
    _, ia = np.unique(a, return_inverse=True)
    _, ib = np.unique(b, return_inverse=True)
    joint = np.zeros((ia.max() + 1, ib.max() + 1))
    np.add.at(joint, (ia, ib), 1.0)
    joint /= joint.sum()
    outer = joint.sum(1, keepdims=True) * joint.sum(0, keepdims=True)
    nz = joint > 0
    return float(np.sum(joint[nz] * np.log(joint[nz] / outer[nz])))


def mutual_information_gap(z, factors, *, bins: int = 20) -> float:
    """``MIG = (1/K) Σ_k (I(z_j*; v_k) - I(z_j°; v_k)) / H(v_k)``, where ``j*`` and
    ``j°`` are the code dimensions with the largest and second largest mutual information
    with factor ``v_k``. In [0, 1]: 1 when each factor is captured by one dimension
    alone, 0 when it is spread over two or more (or over none).

    Args:
      z: ``[n, d]`` codes (``d >= 2``), discretised into ``bins`` per dimension.
      factors: ``[n, K]`` integer factors.

    Cost: O(n d K).
    """
    z, factors = np.asarray(z, np.float64), np.asarray(factors)
    if z.ndim != 2 or z.shape[1] < 2:
        raise ValueError(f"z must be [n, d] with d >= 2, got shape {z.shape}")
    if factors.ndim != 2 or len(factors) != len(z):
        raise ValueError(f"factors must be [n, K] with n = {len(z)}, got {factors.shape}")
    zd = _discretise(z, bins)
    gaps = []
    for k in range(factors.shape[1]):
        v = factors[:, k]
        h = discrete_mutual_information(v, v)  # H(v) = I(v; v)
        mi = np.sort([discrete_mutual_information(zd[:, j], v) for j in range(z.shape[1])])
        gaps.append((mi[-1] - mi[-2]) / h if h > 0 else 0.0)
    return float(np.mean(gaps))
