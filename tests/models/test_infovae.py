"""InfoVAE: the alpha / lambda objective against a numpy recomputation."""

import jax
import numpy as np
import pytest

from tests.models.helpers import MLP_SHAPE, batch, flat, np_mlp, np_normal, softplus, tiny_setup

KEY = jax.random.key(7)


def _np_mmd_biased(x, y):
    d = x.shape[1]

    def k(a, b):  # the InfoVAE code's kernel: exp(-mean_j (a_j - b_j)² / d)
        return np.exp(-np.mean((a[:, None] - b[None]) ** 2, -1) / d)

    return k(x, x).mean() + k(y, y).mean() - 2 * k(x, y).mean()


@pytest.mark.parametrize("alpha, lambda_", [(1.0, 1000.0), (0.0, 5.0), (0.5, 2.0)])
def test_infovae_loss_by_hand(alpha, lambda_):
    model, params, state = tiny_setup("infovae", alpha=alpha, lambda_=lambda_)
    x = batch(MLP_SHAPE)
    loss, (metrics, _) = model.loss("autoencoder", params, state, x, KEY)
    k_codes, k_prior = jax.random.split(KEY)
    h = np_mlp(params["encoder"], flat(x))
    mean, log_var = h[:, :3], h[:, 3:]
    z = mean + np.exp(0.5 * log_var) * np_normal(k_codes, mean.shape)
    logits = np_mlp(params["decoder"], z)
    rec = np.mean(np.sum(softplus(logits) - flat(x) * logits, 1))
    kl = np.mean(0.5 * np.sum(np.exp(log_var) + mean**2 - 1 - log_var, 1))
    mmd = _np_mmd_biased(z, np_normal(k_prior, z.shape))
    np.testing.assert_allclose(metrics["mmd"], mmd, rtol=1e-4)
    expected = rec + (1 - alpha) * kl + (alpha + lambda_ - 1) * mmd
    np.testing.assert_allclose(loss, expected, rtol=1e-4)
