"""Each model's loss against a float64 numpy recomputation of its formula.

The networks are re-run in numpy from the parameters (`np_mlp`), the random draws are
reproduced from the documented key splits, and the divergences are independent numpy
implementations (MMD by its U-statistic, sliced Wasserstein by sorting, Cramer-Wold by
scipy's 1F1, KL by its closed form). The weights (lambda_, beta, ...) are set large
enough for every term to move the total.
"""

import jax
import numpy as np
import pytest
import scipy.special

from genjax import divergences
from tests.models.helpers import (
    MLP_SHAPE,
    batch,
    flat,
    np_mlp,
    np_normal,
    sigmoid,
    softplus,
    tiny_setup,
)

RTOL = 2e-5
KEY = jax.random.key(7)


def _run(model, params, state, player="autoencoder"):
    x = batch(MLP_SHAPE)
    # Eagerly: the ops' compilations are shared with the other tests' eager calls.
    loss, (metrics, _) = model.loss(player, params, state, x, KEY)
    # Both the differentiated scalar and the logged "loss" metric are checked against
    # the numpy total: `loss` is the pair.
    metrics = {k: float(v) for k, v in metrics.items()}
    return flat(x), np.array([float(loss), metrics.pop("loss")]), metrics


def _decoder(params, z):
    return np_mlp(params["decoder"], z)  # logits, [b, D]


def _sq(x, logits):
    return np.mean(np.sum((x - sigmoid(logits)) ** 2, axis=1))


def _sq_dist(a, b):
    return np.sum((a[:, None, :] - b[None, :, :]) ** 2, axis=-1)


def np_mmd_imq(x, y, scales=(0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)):
    """Unbiased MMD² with WAE's multi-scale IMQ kernel (a direct transcription)."""
    n, d = x.shape
    off = 1.0 - np.eye(n)
    total = 0.0
    for s in scales:
        c = 2.0 * d * s
        kxx, kyy, kxy = (c / (c + _sq_dist(a, b)) for a, b in [(x, x), (y, y), (x, y)])
        total += np.sum((kxx + kyy) * off) / (n * (n - 1)) - 2.0 * np.mean(kxy)
    return total


def np_cw_normality(z):
    """Squared Cramer-Wold distance to N(0, I) (Tabor et al. 2020, Thm 3.1), exact
    kernel 1F1(½; d/2; -s), Silverman's gamma."""
    n, d = z.shape
    gamma = (4.0 / (3.0 * n)) ** 0.4

    def phi(s):
        return scipy.special.hyp1f1(0.5, d / 2.0, -s)

    a = np.mean(phi(_sq_dist(z, z) / (4 * gamma))) / np.sqrt(gamma)
    b = np.mean(phi(np.sum(z**2, axis=1) / (2 + 4 * gamma))) / np.sqrt(gamma + 0.5)
    return (a + 1.0 / np.sqrt(1 + gamma) - 2.0 * b) / (2.0 * np.sqrt(np.pi))


def test_ae():
    model, params, state = tiny_setup("ae")
    x, loss, metrics = _run(model, params, state)
    rec = _sq(x, _decoder(params, np_mlp(params["encoder"], x)))
    np.testing.assert_allclose([*loss, metrics["rec"]], [rec, rec, rec], rtol=RTOL)


@pytest.mark.parametrize(
    "likelihood, beta", [("bernoulli", 1.0), ("gaussian", 1.0), ("gaussian_learned", 3.0)]
)
def test_vae(likelihood, beta):
    overrides = {"likelihood": likelihood, "beta": beta, "gaussian_variance": 0.3}
    model, params, state = tiny_setup("vae", **overrides)
    if likelihood == "gaussian_learned":
        params = {**params, "likelihood": {"log_var": np.float32(-0.7)}}
    x, loss, metrics = _run(model, params, state)
    h = np_mlp(params["encoder"], x)
    mean, log_var = h[:, :3], h[:, 3:]
    z = mean + np.exp(0.5 * log_var) * np_normal(KEY, mean.shape)  # the key draws eps
    logits = _decoder(params, z)
    if likelihood == "bernoulli":
        nll = np.sum(softplus(logits) - x * logits, axis=1)
    else:
        var = 0.3 if likelihood == "gaussian" else np.exp(-0.7)
        mu = sigmoid(logits)
        nll = 0.5 * np.sum((x - mu) ** 2 / var + np.log(2 * np.pi * var), axis=1)
    kl = 0.5 * np.sum(np.exp(log_var) + mean**2 - 1.0 - log_var, axis=1)
    expected = np.mean(nll) + beta * np.mean(kl)
    np.testing.assert_allclose(
        [*loss, metrics["rec"], metrics["kl"]],
        [expected, expected, np.mean(nll), np.mean(kl)],
        rtol=RTOL,
    )


def test_beta_vae_default_beta():
    model, params, state = tiny_setup("beta_vae")
    assert model.beta == 4.0
    x, loss, _ = _run(model, params, state)
    h = np_mlp(params["encoder"], x)
    mean, log_var = h[:, :3], h[:, 3:]
    logits = _decoder(params, mean + np.exp(0.5 * log_var) * np_normal(KEY, mean.shape))
    nll = np.sum(softplus(logits) - x * logits, axis=1)
    kl = 0.5 * np.sum(np.exp(log_var) + mean**2 - 1.0 - log_var, axis=1)
    np.testing.assert_allclose(loss, [np.mean(nll) + 4.0 * np.mean(kl)] * 2, rtol=RTOL)


def test_wae_mmd():
    model, params, state = tiny_setup("wae_mmd")
    assert (model.lambda_, model.rec_scale) == (10.0, 0.05)
    x, loss, metrics = _run(model, params, state)
    z = np_mlp(params["encoder"], x)
    z_prior = np_normal(KEY, z.shape)  # the key draws the prior sample
    rec = 0.05 * _sq(x, _decoder(params, z))
    mmd = np_mmd_imq(z, z_prior)
    np.testing.assert_allclose(
        [*loss, metrics["rec"], metrics["mmd"]], [rec + 10.0 * mmd] * 2 + [rec, mmd], rtol=1e-4
    )


@pytest.mark.parametrize(
    "name, gaussian_encoder", [("wae_gan", False), ("aae", False), ("aae", True)]
)
def test_latent_gan(name, gaussian_encoder):
    overrides = {"lambda_": 2.5, "gaussian_encoder": True} if gaussian_encoder else {"lambda_": 2.5}
    model, params, state = tiny_setup(name, **overrides)
    k_codes, k_prior = jax.random.split(KEY)
    x = flat(batch(MLP_SHAPE))
    h = np_mlp(params["encoder"], x)
    if gaussian_encoder:
        z = h[:, :3] + np.exp(0.5 * h[:, 3:]) * np_normal(k_codes, (len(x), 3))
    else:
        z = h
    scale = 0.05 if name == "wae_gan" else 1.0
    rec = scale * _sq(x, _decoder(params, z))
    logits_codes = np_mlp(params["critic"], z)[:, 0]
    logits_prior = np_mlp(params["critic"], np_normal(k_prior, z.shape))[:, 0]
    match = np.mean(softplus(-logits_codes))  # -log sigmoid(l)
    gan = np.mean(softplus(-logits_prior)) + np.mean(softplus(logits_codes))

    _, loss, metrics = _run(model, params, state, "autoencoder")
    np.testing.assert_allclose(
        [*loss, metrics["rec"], metrics["match"]], [rec + 2.5 * match] * 2 + [rec, match], rtol=RTOL
    )
    _, loss, metrics = _run(model, params, state, "critic")
    critic_loss = 2.5 * gan if name == "wae_gan" else gan
    np.testing.assert_allclose([*loss, metrics["gan"]], [critic_loss, critic_loss, gan], rtol=RTOL)
    np.testing.assert_allclose(metrics["d_codes"], np.mean(sigmoid(logits_codes)), rtol=RTOL)


def test_swae():
    model, params, state = tiny_setup("swae", num_projections=13)
    x, loss, metrics = _run(model, params, state)
    z = np_mlp(params["encoder"], x)
    k_prior, k_directions = jax.random.split(KEY)
    theta = np.asarray(divergences.random_directions(k_directions, 13, 3), np.float64)
    proj = np.sort(z @ theta.T, axis=0)
    proj_prior = np.sort(np_normal(k_prior, z.shape) @ theta.T, axis=0)
    sw = np.mean((proj - proj_prior) ** 2)
    logits = _decoder(params, z)
    # The reference's per-pixel mean of cross-entropy plus L1.
    rec = np.mean(np.mean(softplus(logits) - x * logits + np.abs(x - sigmoid(logits)), axis=1))
    np.testing.assert_allclose(
        [*loss, metrics["rec"], metrics["sliced_wasserstein"]],
        [rec + 10 * sw] * 2 + [rec, sw],
        rtol=RTOL,
    )


@pytest.mark.parametrize("cost", ["log", "multiplicative"])
def test_cwae(cost):
    model, params, state = tiny_setup("cwae", cost=cost, lambda_=2.0)
    x, loss, metrics = _run(model, params, state)
    z = np_mlp(params["encoder"], x)
    rec = _sq(x, _decoder(params, z))
    cw = np_cw_normality(z)
    log_cw = np.log(cw + 1e-7)
    expected = rec + 2 * log_cw if cost == "log" else np.log(rec + 1e-7) + 2 * log_cw
    np.testing.assert_allclose([metrics["rec"], metrics["cw_normality"]], [rec, cw], rtol=1e-4)
    np.testing.assert_allclose(loss, [expected, expected], rtol=1e-4)


@pytest.mark.parametrize("decoder_reg", ["l2", "gradient_penalty", "none"])
def test_rae(decoder_reg):
    model, params, state = tiny_setup("rae", decoder_reg=decoder_reg, beta=0.5, lambda_=0.01)
    x, loss, metrics = _run(model, params, state)
    z = np_mlp(params["encoder"], x)
    rec = _sq(x, _decoder(params, z))
    latent = np.mean(0.5 * np.sum(z**2, axis=1))
    if decoder_reg == "l2":
        reg = sum(
            np.sum(np.asarray(p, np.float64) ** 2) for p in jax.tree.leaves(params["decoder"])
        )
    elif decoder_reg == "gradient_penalty":
        # ∇_z Σ_j x_hat_j by central differences of the numpy decoder, per example.
        eps = 1e-5
        grad = np.zeros_like(z)
        for k in range(z.shape[1]):
            dz = np.zeros_like(z)
            dz[:, k] = eps
            up = np.sum(sigmoid(_decoder(params, z + dz)), axis=1)
            down = np.sum(sigmoid(_decoder(params, z - dz)), axis=1)
            grad[:, k] = (up - down) / (2 * eps)
        reg = np.mean(np.sum(grad**2, axis=1))
    else:
        reg = 0.0
    np.testing.assert_allclose(
        [*loss, metrics["rec"], metrics["latent_l2"], metrics["decoder_reg"]],
        [rec + 0.5 * latent + 0.01 * reg] * 2 + [rec, latent, reg],
        rtol=1e-4,
        atol=1e-7,
    )


# --- held-out metrics (`model.evaluate`, eval mode) against numpy ---------------------


def _evaluate(name, **overrides):
    model, params, state = tiny_setup(name, **overrides)
    x = batch(MLP_SHAPE)
    metrics = {k: float(v) for k, v in model.evaluate(params, state, x, KEY).items()}
    return params, flat(x), metrics


@pytest.mark.parametrize("name", ["vae", "beta_vae"])
def test_vae_evaluate(name):
    params, x, metrics = _evaluate(name)
    h = np_mlp(params["encoder"], x)
    mean, log_var = h[:, :3], h[:, 3:]
    logits = _decoder(params, mean + np.exp(0.5 * log_var) * np_normal(KEY, mean.shape))
    nll = np.mean(np.sum(softplus(logits) - x * logits, axis=1))
    kl = np.mean(0.5 * np.sum(np.exp(log_var) + mean**2 - 1.0 - log_var, axis=1))
    expected = [_sq(x, _decoder(params, mean)), kl, nll + kl]  # rec_error decodes the mean
    got = [metrics["rec_error"], metrics["kl"], metrics["neg_elbo"]]
    np.testing.assert_allclose(got, expected, rtol=RTOL)


def test_wae_mmd_evaluate():
    params, x, metrics = _evaluate("wae_mmd")
    z = np_mlp(params["encoder"], x)
    mmd = np_mmd_imq(z, np_normal(KEY, z.shape))
    got = [metrics["rec_error"], metrics["mmd"]]
    np.testing.assert_allclose(got, [_sq(x, _decoder(params, z)), mmd], rtol=1e-4)


@pytest.mark.parametrize("name", ["wae_gan", "aae"])
def test_latent_gan_evaluate(name):
    params, x, metrics = _evaluate(name)
    z = np_mlp(params["encoder"], x)
    logits_codes = np_mlp(params["critic"], z)[:, 0]
    logits_prior = np_mlp(params["critic"], np_normal(KEY, z.shape))[:, 0]
    gan = np.mean(softplus(-logits_prior)) + np.mean(softplus(logits_codes))
    np.testing.assert_allclose(
        [metrics["rec_error"], metrics["gan"], metrics["d_codes"]],
        [_sq(x, _decoder(params, z)), gan, np.mean(sigmoid(logits_codes))],
        rtol=RTOL,
    )


def test_code_metrics_of_swae_cwae_rae():
    params, x, metrics = _evaluate("swae", num_projections=13)
    z = np_mlp(params["encoder"], x)
    k_prior, k_directions = jax.random.split(KEY)
    theta = np.asarray(divergences.random_directions(k_directions, 13, 3), np.float64)
    proj = np.sort(z @ theta.T, axis=0)
    proj_prior = np.sort(np_normal(k_prior, z.shape) @ theta.T, axis=0)
    np.testing.assert_allclose(metrics["sliced_wasserstein"], np.mean((proj - proj_prior) ** 2),
                               rtol=RTOL)  # fmt: skip

    params, x, metrics = _evaluate("cwae")
    z = np_mlp(params["encoder"], x)
    np.testing.assert_allclose(metrics["cw_normality"], np_cw_normality(z), rtol=1e-4)

    params, x, metrics = _evaluate("rae")
    z = np_mlp(params["encoder"], x)
    np.testing.assert_allclose(
        [metrics["rec_error"], metrics["latent_l2"]],
        [_sq(x, _decoder(params, z)), np.mean(0.5 * np.sum(z**2, axis=1))],
        rtol=RTOL,
    )
