"""Every model on a tiny batch: finite losses, jit == eager, gradients, shapes, batch norm,
and the isolation of the two players of WAE-GAN and AAE."""

import functools

import jax
import numpy as np
import pytest
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

from genjax.models import AUTOENCODER_NAMES, MODEL_NAMES, build_model
from tests.contract import assert_compiles_once
from tests.models.helpers import MLP_SHAPE, batch, tiny_config, tiny_model, tiny_setup

PLAYERS = [(name, player) for name in MODEL_NAMES for player in tiny_model(name).players]
# Autoencoders with a critic (the GANs' players are tested in tests/models/test_gans.py).
TWO_PLAYER = [name for name in AUTOENCODER_NAMES if len(tiny_model(name).players) == 2]


# numpy, not jnp: eager jnp ops each compile on first use, which adds up on CPU.
def _global_norm(tree):
    return float(np.sqrt(sum(np.sum(np.square(g)) for g in jax.tree.leaves(tree))))


def _all_finite(tree):
    return all(np.all(np.isfinite(leaf)) for leaf in jax.tree.leaves(tree))


@pytest.mark.parametrize("name, player", PLAYERS)
def test_loss_finite_jit_and_gradients(name, player):
    model, params, state = tiny_setup(name)
    x = batch(MLP_SHAPE)
    key = jax.random.key(1)
    loss_fn = functools.partial(model.loss, player)

    loss, (metrics, new_state) = loss_fn(params, state, x, key)
    assert loss.shape == () and np.isfinite(loss)
    assert "loss" in metrics and len(metrics) >= 2, metrics
    np.testing.assert_allclose(metrics["loss"], loss, rtol=1e-6)
    assert _all_finite(metrics)
    assert set(new_state) == set(state)

    networks = model.player_networks[player]
    own = {n: params[n] for n in networks}

    def own_loss(own):
        return loss_fn({**params, **own}, state, x, key)

    # One compilation gives the jitted loss, its terms and the player's gradient.
    (jit_loss, (jit_metrics, _)), grads = jax.jit(jax.value_and_grad(own_loss, has_aux=True))(own)
    np.testing.assert_allclose(jit_loss, loss, rtol=1e-5, atol=1e-6)
    for term in metrics:
        np.testing.assert_allclose(jit_metrics[term], metrics[term], rtol=1e-5, atol=1e-6)
    assert _all_finite(grads)
    for network in networks:
        assert _global_norm(grads[network]) > 0, f"{name}/{player}: no gradient on {network}"


@pytest.mark.parametrize("name", AUTOENCODER_NAMES)
def test_shapes_and_evaluate(name):
    model, params, state = tiny_setup(name)
    x = batch(MLP_SHAPE)
    assert set(params) == set(state)
    assert set(model.players) == set(model.player_networks)
    assert all(n in params for nets in model.player_networks.values() for n in nets)

    @jax.jit
    def outputs(params, state, x):
        z = model.encode(params, state, x)
        samples = model.sample(params, state, jax.random.key(2), 7)
        return z, model.decode(params, state, z), samples, model.evaluate(params, state, x, key)

    key = jax.random.key(3)
    z, x_hat, samples, metrics = outputs(params, state, x)
    assert z.shape == (6, model.latent_dim)
    x_hat = np.asarray(x_hat)
    assert x_hat.shape == x.shape and np.all((x_hat >= 0) & (x_hat <= 1))
    assert samples.shape == (7, *MLP_SHAPE)
    assert "rec_error" in metrics and _all_finite(metrics)
    np.testing.assert_allclose(
        metrics["rec_error"],
        np.mean(np.sum(((np.asarray(x) - np.asarray(x_hat)) ** 2).reshape(6, -1), 1)),
        1e-5,
    )
    if name != "ae":
        assert len(metrics) >= 2, f"{name}: evaluate reports no divergence of the codes"


def test_models_are_hashable_static_pytrees():
    model, params, state = tiny_setup("wae_gan")
    assert hash(model) == hash(tiny_model("wae_gan"))
    assert jax.tree.leaves(model) == []
    x = batch(MLP_SHAPE)

    @functools.partial(jax.jit, static_argnums=0)
    def encode(model, params, state, x):
        return model.encode(params, state, x)

    assert encode(model, params, state, x).shape == (6, 3)


@pytest.mark.parametrize("name", TWO_PLAYER)
def test_two_player_gradient_isolation(name):
    """Differentiated with respect to every network, the critic's loss does not move the
    encoder or decoder, and the autoencoder's loss does not move the critic."""
    overrides = {"gaussian_encoder": True} if name == "aae" else {}
    model, params, state = tiny_setup(name, **overrides)
    x = batch(MLP_SHAPE)
    key = jax.random.key(1)
    for player, frozen in [("critic", ("encoder", "decoder")), ("autoencoder", ("critic",))]:
        grads = jax.jit(jax.grad(lambda p, player=player: model.loss(player, p, state, x, key)[0]))(
            params
        )
        for network in frozen:
            assert _global_norm(grads[network]) == 0.0, f"{player} loss trains {network}"
        for network in model.player_networks[player]:
            assert _global_norm(grads[network]) > 0.0


@pytest.mark.parametrize("name", ["vae", "wae_gan"])
def test_conv_batch_norm_state(name):
    """Train-mode losses update the batch-norm statistics; eval-mode functions use the
    stored ones (each example independently of the batch) and leave them alone."""
    model, params, state = tiny_setup(name, network="conv")
    x = batch(model.input_shape, n=4)
    assert state["encoder"] and state["decoder"]
    loss, (metrics, new_state) = jax.jit(functools.partial(model.loss, "autoencoder"))(
        params, state, x, jax.random.key(1)
    )
    assert np.isfinite(loss)
    for network in ("encoder", "decoder"):
        before, after = jax.tree.leaves(state[network]), jax.tree.leaves(new_state[network])
        assert any(not np.allclose(a, b) for a, b in zip(before, after, strict=True)), network
    encode = jax.jit(model.encode)
    np.testing.assert_allclose(
        encode(params, new_state, x)[:1], encode(params, new_state, x[:1]), 1e-5, 1e-6
    )
    metrics = jax.jit(model.evaluate)(params, new_state, x, jax.random.key(2))
    assert _all_finite(metrics)
    if "critic" in model.players:
        _, (_, critic_state) = jax.jit(functools.partial(model.loss, "critic"))(
            params, new_state, x, jax.random.key(3)
        )
        # Only the autoencoder player updates the autoencoder's statistics.
        for network in ("encoder", "decoder"):
            for a, b in zip(
                jax.tree.leaves(new_state[network]),
                jax.tree.leaves(critic_state[network]),
                strict=True,
            ):
                np.testing.assert_array_equal(a, b)


def test_real_init_on_vectors():
    """``model.init`` run for real (elsewhere the tests fill its structure with random
    values, see `random_variables`), on tabular inputs ``[b, n]``, for a model with
    three networks."""
    model = build_model(tiny_config("aae", gaussian_encoder=True), (7,))
    x = batch((7,))
    params, state = model.init(jax.random.key(0), x)
    assert set(params) == set(state) == {"encoder", "decoder", "critic"}
    assert _all_finite(params) and _global_norm(params) > 0
    assert params["encoder"]["Dense_1"]["kernel"].shape == (8, 6)  # mean and log_var
    assert model.encode(params, state, x).shape == (6, 3)
    assert model.sample(params, state, jax.random.key(1), 3).shape == (3, 7)


def test_learned_variance_is_a_network():
    """The VAE's learned likelihood variance is its own network, trained by the
    autoencoder player (its gradient is checked with the others below)."""
    model, params, state = tiny_setup(
        "vae", likelihood="gaussian_learned", output_activation="identity"
    )
    assert model.player_networks["autoencoder"] == ("encoder", "decoder", "likelihood")
    assert params["likelihood"]["log_var"].shape == () and state["likelihood"] == {}
    grads = jax.jit(
        jax.grad(
            lambda p: model.loss("autoencoder", p, state, batch(MLP_SHAPE), jax.random.key(1))[0]
        )
    )(params)
    assert float(grads["likelihood"]["log_var"]) != 0.0


@pytest.mark.parametrize("name, network", [("wae_mmd", "mlp"), ("vae", "conv")])
def test_sharded_batch_matches(name, network, mesh):
    """The loss on a batch sharded over the 8 fake devices equals the unsharded one
    (batch norm's statistics are global: jit sees the global batch)."""
    model, params, state = tiny_setup(name, network=network)
    x = batch(model.input_shape, n=8)
    loss_fn = jax.jit(functools.partial(model.loss, "autoencoder"))
    expected, (_, expected_state) = loss_fn(params, state, x, jax.random.key(1))
    x_sharded = jax.device_put(x, NamedSharding(mesh, P("data")))
    got, (_, got_state) = loss_fn(params, state, x_sharded, jax.random.key(1))
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    for a, b in zip(jax.tree.leaves(got_state), jax.tree.leaves(expected_state), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_loss_compiles_once():
    model, params, state = tiny_setup("wae_gan")

    def make_args(i):
        return params, state, batch(MLP_SHAPE, seed=i), jax.random.key(i)

    assert_compiles_once(functools.partial(model.loss, "critic"), make_args)
