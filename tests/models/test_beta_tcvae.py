"""beta-TCVAE: both estimators of the decomposed KL against brute-force numpy loops."""

import math

import jax
import numpy as np
import pytest
import scipy.special
import scipy.stats

from genjax.models.autoencoders.tcvae import decomposed_log_densities, log_importance_weights
from tests.models.helpers import MLP_SHAPE, batch, flat, np_mlp, np_normal, softplus, tiny_setup

N = 50  # dataset size


def _brute_force(z, mean, log_var, estimator):
    """log q(z_i|x_i), log q(z_i), Σ_d log q(z_id), log p(z_i) with explicit loops."""
    b, d = z.shape
    std = np.exp(0.5 * log_var)
    m = b - 1
    out = []
    for i in range(b):
        if estimator == "mws":
            w = np.full(b, 1.0 / (N * b))
        else:  # Chen et al. (2018), Appendix C.2: own 1/N, one (N - M)/(N M), rest 1/M
            w = np.full(b, 1.0 / m)
            w[i] = 1.0 / N
            w[(i + 1) % b] = (N - m) / (N * m)
        q_joint = sum(w[j] * np.prod(scipy.stats.norm(mean[j], std[j]).pdf(z[i])) for j in range(b))
        log_marg = sum(
            math.log(
                sum(w[j] * scipy.stats.norm(mean[j, k], std[j, k]).pdf(z[i, k]) for j in range(b))
            )
            for k in range(d)
        )
        out.append(
            (
                scipy.stats.norm(mean[i], std[i]).logpdf(z[i]).sum(),
                math.log(q_joint),
                log_marg,
                scipy.stats.norm().logpdf(z[i]).sum(),
            )
        )
    return [np.array(col) for col in zip(*out, strict=True)]


@pytest.mark.parametrize("estimator", ["mws", "mss"])
def test_estimators_match_brute_force(estimator):
    rng = np.random.default_rng(0)
    mean, log_var = rng.normal(size=(5, 3)), 0.5 * rng.normal(size=(5, 3))
    z = mean + np.exp(0.5 * log_var) * rng.normal(size=(5, 3))
    z, mean, log_var = (a.astype(np.float32) for a in (z, mean, log_var))
    got = decomposed_log_densities(z, mean, log_var, dataset_size=N, estimator=estimator)
    for g, e in zip(got, _brute_force(z, mean, log_var, estimator), strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-4)


def test_stratified_weights_are_a_distribution_per_row():
    w = np.exp(np.asarray(log_importance_weights(6, 100)))
    np.testing.assert_allclose(w.sum(1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(np.diag(w), 1 / 100, rtol=1e-5)


def test_loss_by_hand():
    model, params, state = tiny_setup("beta_tcvae", dataset_size=N, estimator="mss")
    key = jax.random.key(7)
    x = batch(MLP_SHAPE)
    loss, (metrics, _) = model.loss("autoencoder", params, state, x, key)
    h = np_mlp(params["encoder"], flat(x))
    mean, log_var = h[:, :3], h[:, 3:]
    z = mean + np.exp(0.5 * log_var) * np_normal(key, mean.shape)
    log_qzx, log_qz, log_prod, log_pz = _brute_force(z, mean, log_var, "mss")
    logits = np_mlp(params["decoder"], z)
    rec = np.mean(np.sum(softplus(logits) - flat(x) * logits, 1))
    mi, tc, dwkl = (
        np.mean(a - b) for a, b in [(log_qzx, log_qz), (log_qz, log_prod), (log_prod, log_pz)]
    )
    np.testing.assert_allclose(
        [metrics["mi"], metrics["tc"], metrics["dwkl"]], [mi, tc, dwkl], rtol=1e-4, atol=1e-5
    )
    np.testing.assert_allclose(loss, rec + mi + model.beta * tc + dwkl, rtol=1e-4)
    del scipy.special
