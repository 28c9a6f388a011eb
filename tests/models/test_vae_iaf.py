"""VAE + IAF: the flow's log-determinant against slogdet of its Jacobian, the MADE's
autoregressive structure, and the loss's log q(z_T|x) by change of variables."""

import jax
import jax.numpy as jnp
import numpy as np

from genjax.models.autoencoders.iaf import IAFFlow, made_masks
from tests.models.helpers import MLP_SHAPE, batch, tiny_setup


def test_made_output_i_sees_only_earlier_inputs():
    d = 4
    masks = made_masks(d, (7, 5))
    reach = masks[0]
    for mask in masks[1:]:
        reach = (reach @ mask > 0).astype(float)  # [in, out]: is there a path?
    for half in (reach[:, :d], reach[:, d:]):
        np.testing.assert_array_equal(half > 0, np.tril(np.ones((d, d)), -1).T > 0)


def test_log_det_matches_slogdet_of_the_jacobian():
    flow = IAFFlow(num_flows=3, hidden=(6, 6), forget_bias=0.3)
    z0 = jax.random.normal(jax.random.key(0), (2, 4))
    h = jax.random.normal(jax.random.key(1), (2, 5))
    params = flow.init(jax.random.key(2), z0, h)
    # Random biases too, so that no step is near the identity.
    params = jax.tree.map(lambda p: p + 0.3 * jax.random.normal(jax.random.key(3), p.shape), params)
    _, log_det = flow.apply(params, z0, h)
    for i in range(2):

        def one(z, i=i):
            return flow.apply(params, z[None], h[i : i + 1])[0][0]

        jac = jax.jacfwd(one)(z0[i])  # [4, 4]
        sign, logabs = jnp.linalg.slogdet(jac)
        assert sign > 0
        np.testing.assert_allclose(log_det[i], logabs, rtol=1e-5, atol=1e-5)


def test_loss_terms_by_change_of_variables():
    model, params, state = tiny_setup("vae_iaf")
    x = batch(MLP_SHAPE)
    key = jax.random.key(7)
    loss, (metrics, _) = model.loss("autoencoder", params, state, x, key)
    eps = jax.random.normal(key, (6, 3))
    z, log_q, log_det, mean, _ = model.posterior(params, state, x, eps, train=True)
    out = model.encoder.apply({"params": params["encoder"]}, x)
    log_var = np.asarray(out[:, 3:6], np.float64)
    e = np.asarray(eps, np.float64)
    log_q0 = np.sum(-0.5 * (np.log(2 * np.pi) + log_var + e**2), 1)  # log N(z_0; mean, var)
    np.testing.assert_allclose(log_q, log_q0 - np.asarray(log_det), rtol=1e-5)
    zt = np.asarray(z, np.float64)
    kl = np.mean(log_q0 - np.asarray(log_det) + 0.5 * np.sum(np.log(2 * np.pi) + zt**2, 1))
    np.testing.assert_allclose(metrics["kl"], kl, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(loss, metrics["rec"] + kl, rtol=1e-5)
