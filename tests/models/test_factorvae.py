"""FactorVAE: permute-dims keeps each dimension's marginal, and both players' losses
against a numpy recomputation."""

import jax
import numpy as np

from genjax.models.autoencoders.factorvae import permute_dims
from tests.models.helpers import MLP_SHAPE, batch, flat, np_mlp, np_normal, softplus, tiny_setup


def test_permute_dims_keeps_marginals_and_breaks_rows():
    z = np.random.default_rng(0).normal(size=(64, 5)).astype(np.float32)
    p = np.asarray(permute_dims(z, jax.random.key(1)))
    np.testing.assert_array_equal(np.sort(p, 0), np.sort(z, 0))
    # Different permutations per dimension: rows are no longer the original rows.
    assert not any(
        np.array_equal(np.argsort(np.argsort(p[:, j])), np.argsort(np.argsort(p[:, 0])))
        for j in range(1, 5)
    )
    assert (p != z).any(axis=1).mean() > 0.9


def _np_discriminator(tree, z):
    tree = tree["MLP_0"]
    layers = sorted(tree, key=lambda name: int(name.split("_")[1]))
    h = np.asarray(z, np.float64)
    for i, name in enumerate(layers):
        h = h @ np.asarray(tree[name]["kernel"], np.float64) + np.asarray(tree[name]["bias"])
        if i < len(layers) - 1:
            h = np.where(h > 0, h, 0.01 * h)  # flax's leaky_relu
    return h[:, 0]


def test_losses_by_hand():
    model, params, state = tiny_setup("factorvae")
    x = batch(MLP_SHAPE)
    key = jax.random.key(7)
    h = np_mlp(params["encoder"], flat(x))
    mean, log_var = h[:, :3], h[:, 3:]

    loss, (metrics, _) = model.loss("autoencoder", params, state, x, key)
    z = mean + np.exp(0.5 * log_var) * np_normal(key, mean.shape)
    logits = np_mlp(params["decoder"], z)
    rec = np.mean(np.sum(softplus(logits) - flat(x) * logits, 1))
    kl = np.mean(0.5 * np.sum(np.exp(log_var) + mean**2 - 1 - log_var, 1))
    tc = np.mean(_np_discriminator(params["discriminator"], z))
    np.testing.assert_allclose(metrics["tc"], tc, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(loss, rec + kl + model.gamma * tc, rtol=1e-5)

    loss, _ = model.loss("discriminator", params, state, x, key)
    k_codes, k_perm = jax.random.split(key)
    z = mean + np.exp(0.5 * log_var) * np_normal(k_codes, mean.shape)
    z_perm = np.asarray(permute_dims(z[3:].astype(np.float32), k_perm), np.float64)
    joint, product = (_np_discriminator(params["discriminator"], a) for a in (z[:3], z_perm))
    expected = np.mean(softplus(-joint)) + np.mean(softplus(product))
    np.testing.assert_allclose(loss, expected, rtol=1e-4)


def test_player_isolation():
    """Differentiated w.r.t. every network, each player's loss moves only its own."""
    model, params, state = tiny_setup("factorvae")
    x, key = batch(MLP_SHAPE), jax.random.key(1)
    for player in model.players:
        grads = jax.grad(lambda p, player=player: model.loss(player, p, state, x, key)[0])(params)
        for network in ("encoder", "decoder", "discriminator"):
            norm = sum(float(np.sum(np.square(g))) for g in jax.tree.leaves(grads[network]))
            assert (norm > 0) == (network in model.player_networks[player]), (player, network)
