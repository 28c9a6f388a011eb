"""VampPrior VAE: the prior's log density against a direct mixture computation (scipy),
the loss against a numpy recomputation, and sampling from the mixture."""

import jax
import numpy as np
import scipy.stats

from genjax.models.autoencoders.vamp import mixture_log_density
from tests.models.helpers import MLP_SHAPE, batch, flat, np_mlp, np_normal, softplus, tiny_setup

KEY = jax.random.key(7)


def _components(params):
    u = np.clip(np.asarray(params["pseudo_inputs"]["u"], np.float64), 0.0, 1.0)
    h = np_mlp(params["encoder"], u)  # [K, 2d]
    d = h.shape[1] // 2
    return h[:, :d], h[:, d:]


def _np_log_prior(z, means, log_vars):
    dens = np.stack(
        [
            scipy.stats.multivariate_normal(m, np.diag(np.exp(lv))).pdf(z)
            for m, lv in zip(means, log_vars, strict=True)
        ]
    )  # [K, b]
    return np.log(dens.mean(0))


def test_mixture_log_density_matches_scipy():
    rng = np.random.default_rng(0)
    z, means, log_vars = rng.normal(size=(5, 3)), rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    np.testing.assert_allclose(
        mixture_log_density(z, means, log_vars), _np_log_prior(z, means, log_vars), rtol=1e-5
    )


def test_vamp_prior_and_loss_by_hand():
    model, params, state = tiny_setup("vamp", num_pseudo_inputs=4)
    assert params["pseudo_inputs"]["u"].shape == (4, *MLP_SHAPE)
    x = batch(MLP_SHAPE)
    loss, (metrics, _) = model.loss("autoencoder", params, state, x, KEY)

    means, log_vars = _components(params)
    h = np_mlp(params["encoder"], flat(x))
    mean, log_var = h[:, :3], h[:, 3:]
    z = mean + np.exp(0.5 * log_var) * np_normal(KEY, mean.shape)
    log_p = _np_log_prior(z, means, log_vars)
    np.testing.assert_allclose(model.log_prior(params, state, z), log_p, rtol=1e-4)
    log_q = scipy.stats.norm(mean, np.exp(0.5 * log_var)).logpdf(z).sum(1)
    logits = np_mlp(params["decoder"], z)
    rec = np.mean(np.sum(softplus(logits) - flat(x) * logits, 1))
    kl = np.mean(log_q - log_p)
    np.testing.assert_allclose(metrics["kl"], kl, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(metrics["rec"], rec, rtol=1e-5)
    np.testing.assert_allclose(loss, rec + kl, rtol=1e-5)


def test_samples_come_from_the_components():
    model, params, state = tiny_setup("vamp", num_pseudo_inputs=4)
    z = np.asarray(model.sample_codes(params, state, jax.random.key(3), 4000))
    means, log_vars = _components(params)
    # Mixture mean and per-dimension variance (law of total variance).
    np.testing.assert_allclose(z.mean(0), means.mean(0), atol=0.1)
    var = (np.exp(log_vars) + means**2).mean(0) - means.mean(0) ** 2
    np.testing.assert_allclose(z.var(0), var, rtol=0.15)
