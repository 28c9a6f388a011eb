"""FlexAE: each player's loss against a numpy recomputation; sampling goes through the
learned prior."""

import jax
import numpy as np

from tests.models.helpers import MLP_SHAPE, batch, flat, np_mlp, np_normal, sigmoid, tiny_setup


def test_losses_by_hand():
    model, params, state = tiny_setup("flexae")
    x, key = batch(MLP_SHAPE), jax.random.key(5)
    k_prior, _ = jax.random.split(key)
    z = np_mlp(params["encoder"], flat(x))
    z_p = np_mlp(params["prior"], np_normal(k_prior, z.shape))
    c, c_p = np_mlp(params["critic"], z)[:, 0], np_mlp(params["critic"], z_p)[:, 0]

    loss, (metrics, _) = model.loss("critic", params, state, x, key)
    np.testing.assert_allclose(metrics["w1"], c.mean() - c_p.mean(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(loss, c_p.mean() - c.mean() + 10 * metrics["gp"], rtol=1e-5)

    loss, _ = model.loss("prior", params, state, x, key)
    np.testing.assert_allclose(loss, -c_p.mean(), rtol=1e-4, atol=1e-6)

    loss, (metrics, _) = model.loss("autoencoder", params, state, x, key)
    rec = np.mean(np.sum((flat(x) - sigmoid(np_mlp(params["decoder"], z))) ** 2, 1))
    np.testing.assert_allclose(loss, rec + model.lambda_ * c.mean(), rtol=1e-5)


def test_gradient_isolation_and_sampling():
    model, params, state = tiny_setup("flexae")
    x, key = batch(MLP_SHAPE), jax.random.key(1)
    for player in model.players:
        grads = jax.grad(lambda p, player=player: model.loss(player, p, state, x, key)[0])(params)
        for network in ("encoder", "decoder", "critic", "prior"):
            norm = sum(float(np.sum(np.square(g))) for g in jax.tree.leaves(grads[network]))
            assert (norm > 0) == (network in model.player_networks[player]), (player, network)
    codes = model.sample_codes(params, state, jax.random.key(2), 4)
    expected = np_mlp(params["prior"], np_normal(jax.random.key(2), (4, 3)))
    np.testing.assert_allclose(codes, expected, rtol=1e-4, atol=1e-6)
