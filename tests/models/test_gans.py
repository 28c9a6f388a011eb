"""GAN, f-GAN, LSGAN, WGAN, WGAN-GP and DCGAN: each model's two losses against a numpy
forward pass of its tiny MLPs, WGAN's critic schedule and clipping, float64 gradients,
and the DCGAN networks."""

import functools

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest
from jax.test_util import check_grads

from genjax.models import GAN_NAMES, build_model, default_model_config
from genjax.nn import DCGANDiscriminator, DCGANGenerator, dcgan_stages
from genjax.training.optim import make_optimizers
from genjax.training.state import init_train_state
from genjax.training.step import batches_per_step, make_multi_step, train_step
from tests.models.helpers import MLP_SHAPE, batch, flat, np_mlp, sigmoid, tiny_setup
from tests.models.test_adversarial import FGAN_TABLE, _hand

MY_GANS = ("gan", "fgan", "lsgan", "wgan", "wgan_gp")


def _np_critic(tree, x, slope=0.2):
    """Numpy float64 forward of `genjax.nn.MLPDiscriminator`: LeakyReLU(0.2) hidden layers."""
    h = flat(x)
    layers = sorted(tree, key=lambda name: int(name.split("_")[1]))
    for i, name in enumerate(layers):
        h = h @ np.asarray(tree[name]["kernel"], np.float64) + np.asarray(tree[name]["bias"])
        if i < len(layers) - 1:
            h = np.where(h > 0, h, slope * h)
    return h[:, 0]


def _np_critic_input_grad(tree, x, slope=0.2):
    """d critic / d x for a one-hidden-layer `MLPDiscriminator`, by hand: ``[b, D]``."""
    w0, b0 = np.asarray(tree["Dense_0"]["kernel"], np.float64), np.asarray(tree["Dense_0"]["bias"])
    w1 = np.asarray(tree["Dense_1"]["kernel"], np.float64)[:, 0]
    pre = flat(x) @ w0 + b0
    return (np.where(pre > 0, 1.0, slope) * w1) @ w0.T


def _noise(model, key, n):
    shape = (n, model.latent_dim)
    if model.noise == "uniform":
        return np.asarray(jax.random.uniform(key, shape, jnp.float32, -1.0, 1.0), np.float64)
    return np.asarray(jax.random.normal(key, shape, jnp.float32), np.float64)


def _np_fake(model, params, key, n):
    logits = np_mlp(params["generator"], _noise(model, key, n))
    return sigmoid(logits).reshape(n, *model.input_shape)


CASES = [
    ("gan", {"loss": "ns"}),
    ("gan", {"loss": "mm"}),
    *[("fgan", {"divergence": d}) for d in sorted(FGAN_TABLE)],
    ("fgan", {"divergence": "pearson", "non_saturating": False}),
    ("lsgan", {}),
    ("lsgan", {"a": -1.0, "c": 0.0}),
    ("wgan", {}),
    ("wgan_gp", {}),
]


def _hand_losses(name, options, real, fake):
    if name == "gan":
        return _hand(options["loss"], real, fake)
    if name == "lsgan":
        return _hand("ls", real, fake, ls_targets=(options.get("a", 0.0), 1.0,
                                                   options.get("c", 1.0)))  # fmt: skip
    if name == "fgan":
        g, f_star = FGAN_TABLE[options["divergence"]]
        bound = np.mean(g(real)) - np.mean(f_star(g(fake)))
        return -bound, (-np.mean(g(fake)) if options.get("non_saturating", True) else bound)
    return _hand("wasserstein", real, fake)


@pytest.mark.parametrize("name, options", CASES, ids=[f"{n}-{o}" for n, o in CASES])
def test_losses_match_a_numpy_forward_pass(name, options):
    model, params, state = tiny_setup(name, **options)
    x = batch(MLP_SHAPE)
    key = jax.random.key(5)
    critic_loss, (critic_metrics, _) = jax.jit(functools.partial(model.loss, "critic"))(
        params, state, x, key
    )
    gen_loss, (gen_metrics, _) = jax.jit(functools.partial(model.loss, "generator"))(
        params, state, x, key
    )
    k_z, k_penalty = jax.random.split(key)
    x_fake = _np_fake(model, params, k_z, len(x))
    real, fake = _np_critic(params["critic"], x), _np_critic(params["critic"], x_fake)
    expected_critic, _ = _hand_losses(name, options, real, fake)
    if name == "wgan_gp":
        eps = np.asarray(jax.random.uniform(k_penalty, (len(x), 1, 1, 1)), np.float64)
        x_hat = eps * np.asarray(x, np.float64) + (1 - eps) * x_fake
        norms = np.linalg.norm(_np_critic_input_grad(params["critic"], x_hat), axis=1)
        penalty = np.mean((norms - 1.0) ** 2)
        np.testing.assert_allclose(float(critic_metrics["penalty"]), penalty, rtol=1e-4)
        expected_critic += 10.0 * penalty
    np.testing.assert_allclose(float(critic_loss), expected_critic, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(float(critic_metrics["real"]), np.mean(real), rtol=1e-4, atol=1e-6)
    # The generator's update draws its own noise with the key it is given.
    fake_g = _np_critic(params["critic"], _np_fake(model, params, key, len(x)))
    _, expected_gen = _hand_losses(name, options, fake_g, fake_g)
    np.testing.assert_allclose(float(gen_loss), expected_gen, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(float(gen_metrics["fake"]), np.mean(fake_g), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", MY_GANS)
def test_each_loss_moves_only_its_player(name):
    model, params, state = tiny_setup(name)
    x = batch(MLP_SHAPE)
    for player, frozen in [("critic", "generator"), ("generator", "critic")]:
        grads = jax.jit(
            jax.grad(lambda p, player=player: model.loss(player, p, state, x, jax.random.key(1))[0])
        )(params)
        assert all(np.all(g == 0) for g in jax.tree.leaves(grads[frozen])), (player, frozen)
        assert any(np.any(g != 0) for g in jax.tree.leaves(grads[player]))


@pytest.mark.parametrize("name", ["gan", "wgan_gp"])
def test_float64_gradients_match_finite_differences(name):
    """Tiny MLPs in float64 (`jax.enable_x64`): both players' gradients (WGAN-GP's
    critic through its input-gradient penalty) against finite differences."""
    model, params, state = tiny_setup(name)
    with jax.enable_x64(True):
        params64 = jax.tree.map(lambda a: jnp.asarray(np.asarray(a), jnp.float64), params)
        x = jnp.asarray(np.asarray(batch(MLP_SHAPE, n=4)), jnp.float64)
        for player in model.players:

            def loss(own, player=player):
                p = {**params64, player: own}
                return model.loss(player, p, state, x, jax.random.key(2))[0]

            assert loss(params64[player]).dtype == jnp.float64
            check_grads(loss, (params64[player],), order=1, modes=("rev",), eps=1e-5,
                        rtol=1e-4, atol=1e-6)  # fmt: skip


# --- WGAN: schedule and clipping -------------------------------------------------------


def _official_diters(gen_iterations):
    """github.com/martinarjovsky/WassersteinGAN, main.py, verbatim in effect."""
    if gen_iterations < 25 or gen_iterations % 500 == 0:
        return 100
    return 5


def test_wgan_schedule_is_the_official_one():
    model = build_model(default_model_config("wgan"), (28, 28, 1))
    assert model.player_updates == {"critic": 100, "generator": 1}
    assert batches_per_step(model) == 100
    steps = jnp.asarray([0, 24, 25, 499, 500, 501, 1000, 1001], jnp.int32)
    got = jax.vmap(lambda s: model.num_updates("critic", s))(steps)
    assert got.tolist() == [_official_diters(int(s)) for s in steps]
    assert int(model.num_updates("generator", jnp.int32(0))) == 1


def _tiny_wgan(**fields):
    config = default_model_config("wgan")
    config.update(latent_dim=3, encoder_hidden=(8,), decoder_hidden=(8,), **fields)
    return build_model(config, MLP_SHAPE)


def _optimizers(model, *, weight_clip, name="rmsprop", lr=5e-2):
    block = dict(name=name, learning_rate=lr, weight_clip=weight_clip)
    blocks = {"critic": block, "generator": dict(block, weight_clip=0.0)}
    return make_optimizers(ml_collections.ConfigDict(blocks), model.players, 100)


def test_wgan_takes_the_scheduled_number_of_critic_updates():
    """Adam's update count in the critic's optimiser state: 7 updates at step 0 (warm-up),
    2 at step 3, 7 at step 5 (every 5th), with warm-up 7 for 3 steps, n_critic 2."""
    model = _tiny_wgan(n_critic=2, warmup_critic_updates=7, warmup_generator_steps=3,
                       critic_refresh_every=5)  # fmt: skip
    optimizers = _optimizers(model, weight_clip=0.0, name="adam", lr=1e-3)
    xs = jnp.asarray(np.random.default_rng(0).random((7, 6, *MLP_SHAPE), np.float32))
    state = init_train_state(model, optimizers, jax.random.key(0), xs[0])
    step = jax.jit(lambda s, x: train_step(model, optimizers, s, x, jax.random.key(1)))

    def count(state):
        return int(jax.tree.leaves(state.opt_states["critic"])[0])

    counts = []
    for _ in range(7):
        state, metrics = step(state, xs)
        counts.append(count(state))
    assert np.diff([0, *counts]).tolist() == [7, 7, 7, 2, 2, 7, 2]
    assert all(np.isfinite(v) for v in jax.tree.leaves(metrics))


def test_wgan_training_keeps_critic_weights_in_the_box():
    c = 0.01
    model = _tiny_wgan(n_critic=3, warmup_critic_updates=0)
    optimizers = _optimizers(model, weight_clip=c)
    rng = np.random.default_rng(0)
    x0 = jnp.asarray(rng.random((6, *MLP_SHAPE), np.float32))
    state = init_train_state(model, optimizers, jax.random.key(0), x0)
    step = make_multi_step(model, optimizers)
    for _ in range(2):
        xs = jnp.asarray(rng.random((2 * 3, 6, *MLP_SHAPE), np.float32))  # [k·u, b, ...]
        state, _ = step(state, xs, jax.random.key(1))
        critic = np.concatenate([np.ravel(a) for a in jax.tree.leaves(state.params["critic"])])
        assert np.all(np.abs(critic) <= c * (1 + 1e-6))
    assert np.mean(np.isclose(np.abs(critic), c, rtol=1e-4)) > 0.3  # the clip binds
    generator = np.concatenate([np.ravel(a) for a in jax.tree.leaves(state.params["generator"])])
    assert np.max(np.abs(generator)) > 10 * c  # only the critic is clipped


# --- DCGAN networks -----------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (64, 64, 3)])
def test_dcgan_networks_shapes(shape):
    k, base = dcgan_stages(shape[0])
    assert base * 2**k == shape[0] and base in (4, 7)
    generator, discriminator = DCGANGenerator(shape), DCGANDiscriminator()
    z = jax.ShapeDtypeStruct((2, 100), jnp.float32)
    g_vars = jax.eval_shape(generator.init, jax.random.key(0), z)
    assert jax.eval_shape(generator.apply, g_vars, z).shape == (2, *shape)
    x = jax.ShapeDtypeStruct((2, *shape), jnp.float32)
    d_vars = jax.eval_shape(discriminator.init, jax.random.key(0), x)
    assert jax.eval_shape(discriminator.apply, d_vars, x).shape == (2,)
    # The paper's widths: the discriminator's last feature map is 4x4 (7x7 for 28x28).
    last = d_vars["params"][f"DCGANConv_{k - 1}"]["kernel"].shape[-1]
    assert last == (128, 256, 512, 1024)[k - 1]
    assert g_vars["params"]["Dense_0"]["kernel"].shape == (100, base * base * last)


def test_dcgan_init_and_batch_norm_placement():
    generator, discriminator = DCGANGenerator((8, 8, 1), (64,)), DCGANDiscriminator((16, 32))
    g_vars = jax.jit(generator.init)(jax.random.key(0), jnp.zeros((2, 64)))
    kernel = np.asarray(g_vars["params"]["Dense_0"]["kernel"])  # [64, 4·4·64]
    assert abs(kernel.std() - 0.02) < 0.002 and abs(kernel.mean()) < 0.002
    scale = np.asarray(g_vars["params"]["BatchNorm_0"]["scale"])
    assert abs(scale.mean() - 1.0) < 0.01 and 0.005 < scale.std() < 0.04
    x = jax.ShapeDtypeStruct((2, 16, 16, 1), jnp.float32)
    d_vars = jax.eval_shape(discriminator.init, jax.random.key(1), x)
    # No batch norm after the first conv; one after each later conv.
    assert list(d_vars["batch_stats"]) == ["BatchNorm_0"]
    for normalization in ("layer", "none"):
        d = DCGANDiscriminator((16, 32), normalization=normalization)
        assert "batch_stats" not in jax.eval_shape(d.init, jax.random.key(1), x)


def test_wgan_gp_conv_critic_scores_examples_independently():
    """Without batch norm the critic's output on an example does not depend on the rest
    of the batch, in train mode too (what the per-example penalty needs)."""
    model, params, state = tiny_setup("wgan_gp", network="conv", critic_normalization="layer")
    assert state["critic"] == {}
    x = batch(model.input_shape, n=4)
    outputs = jax.jit(lambda x: model.critic_outputs(params["critic"], state, x, train=True)[0])
    np.testing.assert_allclose(outputs(x)[:2], outputs(x[:2]), rtol=1e-5, atol=1e-6)


def test_dcgan_model_trains_a_step_and_updates_batch_norm():
    model, params, state = tiny_setup("dcgan", network="conv")
    x = batch(model.input_shape, n=4)
    assert state["generator"]["batch_stats"] and state["critic"]["batch_stats"]

    @jax.jit
    def step(params, state, key):
        return {p: model.loss(p, params, state, x, key) for p in model.players}

    for player, (loss, (_, new_state)) in step(params, state, jax.random.key(1)).items():
        assert np.isfinite(loss) and set(new_state) == set(state)
        other = "critic" if player == "generator" else "generator"
        jax.tree.map(np.testing.assert_array_equal, new_state[other], state[other])
        before, after = jax.tree.leaves(state[player]), jax.tree.leaves(new_state[player])
        assert any(not np.allclose(a, b) for a, b in zip(before, after, strict=True)), player


def test_registry_has_every_gan_and_rejects_bad_options():
    assert set(MY_GANS) | {"dcgan"} <= set(GAN_NAMES)
    assert default_model_config("dcgan").network == "conv"
    for name, field, value in [
        ("gan", "loss", "hinge"),
        ("fgan", "divergence", "tv"),
        ("gan", "noise", "cauchy"),
        ("wgan_gp", "critic_normalization", "batch"),
    ]:
        config = default_model_config(name)
        config[field] = value
        with pytest.raises(ValueError, match=f"{field}="):
            build_model(config, MLP_SHAPE)
