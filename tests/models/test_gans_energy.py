"""EBGAN, BEGAN and MMD-GAN (autoencoder critics): each loss against a float64 numpy
computation on a tiny batch, the pulling-away term against a loop, BEGAN's k_t controller
over a few training steps, MMD-GAN's critic schedule and encoder-only clipping."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from experiments import common
from genjax.models.gans.ebgan import pulling_away_term
from genjax.models.gans.mmd_gan import mixture_rbf_mmd2, one_sided_penalty
from genjax.training.optim import make_optimizers
from genjax.training.state import init_train_state
from genjax.training.step import make_multi_step
from tests.models.helpers import MLP_SHAPE, batch, flat, np_mlp, np_normal, sigmoid, tiny_setup

KEY = jax.random.key(1)


@functools.cache
def jitted(model):
    """``model.loss`` compiled once per model (eager ops would each compile)."""
    return jax.jit(model.loss, static_argnums=0)


def np_generate(params, z):
    return sigmoid(np_mlp(params["generator"], z))


def np_autoencode(params, x):
    """``(codes, reconstructions)`` of the critic autoencoder, float64."""
    h = np_mlp(params["critic"]["encoder"], flat(x))
    return h, sigmoid(np_mlp(params["critic"]["decoder"], h))


def np_uniform(key, shape):
    return np.asarray(jax.random.uniform(key, shape, jnp.float32, -1.0, 1.0), np.float64)


def np_pulling_away(s):
    n = len(s)
    total = 0.0
    for i in range(n):
        for j in range(n):
            if i != j:
                cos = s[i] @ s[j] / (np.linalg.norm(s[i]) * np.linalg.norm(s[j]))
                total += cos**2
    return total / (n * (n - 1))


def test_pulling_away_term_matches_a_loop():
    s = np.random.default_rng(0).normal(size=(5, 4))
    np.testing.assert_allclose(pulling_away_term(jnp.asarray(s)), np_pulling_away(s), rtol=1e-5)
    with pytest.raises(ValueError, match="at least 2"):
        pulling_away_term(jnp.ones((1, 3)))


@pytest.mark.parametrize("margin", [10.0, 0.6])
def test_ebgan_losses(margin):
    model, params, state = tiny_setup("ebgan", margin=margin)
    x = batch(MLP_SHAPE)
    fake = np_generate(params, np_normal(KEY, (6, 3)))

    def energy(v):
        return np.sum((flat(v) - np_autoencode(params, v)[1]) ** 2, axis=1)

    e_real, e_fake = energy(x), energy(fake)
    loss, (metrics, _) = jitted(model)("critic", params, state, x, KEY)
    hinge = np.mean(np.maximum(margin - e_fake, 0.0))
    np.testing.assert_allclose(loss, np.mean(e_real) + hinge, rtol=1e-5)
    np.testing.assert_allclose(metrics["hinge"], hinge, rtol=1e-5, atol=1e-6)
    if margin < 1:  # a margin between the energies: the hinge is active for some only
        assert 0 < np.sum(e_fake < margin) < len(e_fake)

    loss, (metrics, _) = jitted(model)("generator", params, state, x, KEY)
    pt = np_pulling_away(np_autoencode(params, fake)[0])
    np.testing.assert_allclose(metrics["pt"], pt, rtol=1e-5)
    np.testing.assert_allclose(loss, np.mean(e_fake) + 0.1 * pt, rtol=1e-5)


@pytest.mark.parametrize("critic_output", ["identity", "sigmoid"])
def test_began_losses(critic_output):
    model, params, state = tiny_setup("began", critic_output_activation=critic_output)
    x = batch(MLP_SHAPE)
    fake = np_generate(params, np_uniform(KEY, (6, 3)))  # the generator keeps its sigmoid
    to_data = sigmoid if critic_output == "sigmoid" else (lambda v: v)

    def l1(v):
        h = np_mlp(params["critic"]["encoder"], flat(v))
        return np.mean(np.abs(flat(v) - to_data(np_mlp(params["critic"]["decoder"], h))))

    k = float(state["control"]["k"])
    loss, (metrics, new_state) = jitted(model)("critic", params, state, x, KEY)
    np.testing.assert_allclose(loss, l1(x) - k * l1(fake), rtol=1e-5)
    np.testing.assert_allclose(metrics["m_global"], l1(x) + abs(0.5 * l1(x) - l1(fake)), rtol=1e-5)
    expected_k = np.clip(k + 0.001 * (0.5 * l1(x) - l1(fake)), 0, 1)
    np.testing.assert_allclose(new_state["control"]["k"], expected_k, rtol=1e-6)
    loss, _ = jitted(model)("generator", params, state, x, KEY)
    np.testing.assert_allclose(loss, l1(fake), rtol=1e-5)


def test_began_k_follows_its_formula_in_training_and_lives_in_the_state():
    model, _, _ = tiny_setup("began", lambda_k=0.5, k_init=0.3)
    config = common.base_config("began", num_steps=6, players=model.players)
    optimizers = make_optimizers(config.optim, model.players, 6)
    xs = jnp.stack([batch(MLP_SHAPE, n=8, seed=s) for s in range(6)])
    state = init_train_state(model, optimizers, jax.random.key(0), xs[0])
    assert float(state.model_state["control"]["k"]) == pytest.approx(0.3)
    assert "control" not in state.opt_states["critic"]  # not trained
    state, metrics = make_multi_step(model, optimizers)(state, xs, jax.random.key(2))
    k = 0.3
    for t in range(6):
        assert float(metrics["critic/k"][t]) == pytest.approx(k, abs=1e-6)
        real, fake = float(metrics["critic/loss_real"][t]), float(metrics["critic/loss_fake"][t])
        k = min(max(k + 0.5 * (0.5 * real - fake), 0.0), 1.0)
    assert float(state.model_state["control"]["k"]) == pytest.approx(k, abs=1e-6)
    assert k != pytest.approx(0.3)


def np_mix_rbf_mmd2(x, y, sigmas):
    z = np.concatenate([x, y])
    r = np.sum((z[:, None] - z[None]) ** 2, -1)
    k = sum(np.exp(-r / (2 * s**2)) for s in sigmas)
    n = len(x)
    return k[:n, :n].mean() + k[n:, n:].mean() - 2 * k[:n, n:].mean()


def test_mmd_gan_kernel_and_penalty():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 3)) + 0.5
    sigmas = (1.0, 2.0, 4.0, 8.0, 16.0)
    np.testing.assert_allclose(mixture_rbf_mmd2(x, y, sigmas), np_mix_rbf_mmd2(x, y, sigmas),
                               rtol=1e-4)  # fmt: skip
    delta = x.mean(0) - y.mean(0)
    np.testing.assert_allclose(one_sided_penalty(x, y), np.mean(np.maximum(-delta, 0)), rtol=1e-6)


def test_mmd_gan_losses():
    model, params, state = tiny_setup("mmd_gan")
    x = batch(MLP_SHAPE)
    fake = np_generate(params, np_normal(KEY, (6, 3)))
    (h_x, r_x), (h_y, r_y) = np_autoencode(params, x), np_autoencode(params, fake)
    sigmas = (1.0, 2.0, 4.0, 8.0, 16.0)
    root = np.sqrt(max(np_mix_rbf_mmd2(h_x, h_y, sigmas), 0))
    penalty = np.mean(np.maximum(-(h_x.mean(0) - h_y.mean(0)), 0))
    ae = np.mean((flat(x) - r_x) ** 2) + np.mean((flat(fake) - r_y) ** 2)
    loss, (metrics, _) = jitted(model)("critic", params, state, x, KEY)
    np.testing.assert_allclose(loss, -root + 16 * penalty + 8 * ae, rtol=1e-4)
    loss, _ = jitted(model)("generator", params, state, x, KEY)
    np.testing.assert_allclose(loss, root - 16 * penalty, rtol=1e-4, atol=1e-6)


def test_mmd_gan_schedule():
    model, _, _ = tiny_setup("mmd_gan")
    assert model.player_updates == {"critic": 100, "generator": 1}
    n = jax.jit(lambda s: model.num_updates("critic", s))
    assert [int(n(s)) for s in (0, 24, 25, 499, 500, 501, 1000)] == [100, 100, 5, 5, 100, 5, 100]
    assert int(model.num_updates("generator", jnp.asarray(0))) == 1


def test_mmd_gan_clips_the_encoder_only():
    model, _, _ = tiny_setup("mmd_gan", warmup_critic_updates=5)
    config = common.base_config("mmd_gan", num_steps=4, players=model.players, learning_rate=0.05)
    config.optim.critic.weight_clip = 0.01
    config.optim.critic.weight_clip_only = ("critic/encoder",)
    optimizers = make_optimizers(config.optim, model.players, 4)
    # One step (k = 1, no scan): the warm-up step 0 runs 5 critic updates on 5 batches.
    xs = jnp.stack([batch(MLP_SHAPE, n=8, seed=s) for s in range(5)])  # [k·u, b, ...]
    state = init_train_state(model, optimizers, jax.random.key(0), xs[0])
    before = [np.asarray(p) for p in jax.tree.leaves(state.params["critic"]["decoder"])]
    state, metrics = make_multi_step(model, optimizers)(state, xs, jax.random.key(2))
    assert all(np.all(np.isfinite(v)) for v in metrics.values())
    encoder = jax.tree.leaves(state.params["critic"]["encoder"])
    decoder = jax.tree.leaves(state.params["critic"]["decoder"])
    assert max(float(jnp.max(jnp.abs(p))) for p in encoder) <= 0.01 + 1e-7
    assert max(float(jnp.max(jnp.abs(p))) for p in decoder) > 0.01
    assert any(not np.array_equal(a, b) for a, b in zip(before, decoder, strict=True))
