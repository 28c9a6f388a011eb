"""InfoGAN and GMMN: the mutual-information term and each loss against a direct float64
computation, InfoGAN's code-traversal grids, GMMN's MMD against numpy in data space and
code space, with the autoencoder trained in the run or restored from a workdir."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import stats

from experiments import common
from genjax.models import build_model
from genjax.models.gans.gmmn import gaussian_mmd2
from genjax.models.gans.infogan import information_loss
from genjax.training.checkpoint import Checkpoints
from genjax.training.optim import make_optimizers
from genjax.training.state import init_train_state
from tests.models.helpers import (
    MLP_SHAPE,
    batch,
    flat,
    np_mlp,
    sigmoid,
    softplus,
    tiny_config,
    tiny_setup,
)

KEY = jax.random.key(1)


@functools.cache
def jitted(model):
    """``model.loss`` compiled once per model (eager ops would each compile)."""
    return jax.jit(model.loss, static_argnums=0)


def leaky(a):
    return np.where(a > 0, a, 0.1 * a)


def dense(tree, h):
    return h @ np.asarray(tree["kernel"], np.float64) + np.asarray(tree["bias"], np.float64)


def np_info_critic(critic, x):
    h = leaky(np_mlp(critic["trunk"], flat(x)))
    q = dense(critic["q_head"], leaky(dense(critic["q_hidden"], h)))
    return dense(critic["d_head"], h)[:, 0], q


def np_information(q, c_cat, c_cont):
    k = c_cat.shape[1]
    logits = q[:, :k]
    log_q = logits - np.log(np.sum(np.exp(logits), axis=1, keepdims=True))
    ce = -np.mean(log_q[np.arange(len(q)), np.argmax(c_cat, axis=1)])
    nll = -np.mean(np.sum(stats.norm.logpdf(c_cont, loc=q[:, k:], scale=1.0), axis=1))
    return ce, nll


def test_information_loss_matches_a_direct_computation():
    rng = np.random.default_rng(0)
    q = rng.normal(size=(5, 6))
    c_cat = np.eye(4)[rng.integers(0, 4, 5)]
    c_cont = rng.uniform(-1, 1, size=(5, 2))
    info, terms = information_loss(jnp.asarray(q), jnp.asarray(c_cat), jnp.asarray(c_cont),
                                   lambda_cat=1.0, lambda_cont=0.5)  # fmt: skip
    ce, nll = np_information(q, c_cat, c_cont)
    np.testing.assert_allclose(info, ce + 0.5 * nll, rtol=1e-5)
    np.testing.assert_allclose(terms["mi_cat"], np.log(4) - ce, rtol=1e-5)


def test_infogan_losses():
    model, params, state = tiny_setup("infogan")
    x = batch(MLP_SHAPE)
    inputs = np.asarray(model.sample_noise(KEY, 6), np.float64)  # [6, 3 + 10 + 2]
    assert inputs.shape == (6, 15)
    c_cat, c_cont = inputs[:, 3:13], inputs[:, 13:]
    assert np.all(c_cat.sum(1) == 1) and np.all(np.abs(c_cont) <= 1)
    fake = sigmoid(np_mlp(params["generator"], inputs))
    real_logit, _ = np_info_critic(params["critic"], x)
    fake_logit, q = np_info_critic(params["critic"], fake)
    ce, nll = np_information(q, c_cat, c_cont)

    loss, (metrics, _) = jitted(model)("critic", params, state, x, KEY)
    gan = np.mean(softplus(-real_logit)) + np.mean(softplus(fake_logit))
    np.testing.assert_allclose(loss, gan + ce + nll, rtol=1e-5)
    loss, (metrics, _) = jitted(model)("generator", params, state, x, KEY)
    np.testing.assert_allclose(loss, np.mean(softplus(-fake_logit)) + ce + nll, rtol=1e-5)
    np.testing.assert_allclose(metrics["info_ce"], ce, rtol=1e-5)


def test_infogan_q_shares_the_trunk_and_the_generator_gets_the_information_gradient():
    model, params, state = tiny_setup("infogan")
    x = batch(MLP_SHAPE)

    def info(p):
        return jitted(model)("critic", p, state, x, KEY)[1][0]["info"]

    grads = jax.grad(info)(params)["critic"]
    assert float(jnp.abs(grads["trunk"]["Dense_0"]["kernel"]).sum()) > 0  # Q trains the trunk
    assert float(jnp.abs(grads["d_head"]["kernel"]).sum()) == 0
    g_grads = jax.grad(lambda p: jitted(model)("generator", p, state, x, KEY)[1][0]["info"])(params)
    assert float(jnp.abs(g_grads["generator"]["MLP_0"]["Dense_0"]["kernel"]).sum()) > 0


def test_infogan_image_grids_traverse_each_code():
    model, params, state = tiny_setup("infogan")
    grids = model.traversal_inputs(jax.random.key(0))
    assert sorted(grids) == ["code_cat", "code_cont0", "code_cont1"]
    inputs, ncol = grids["code_cat"]
    assert ncol == 10 and inputs.shape == (100, 15)
    rows = np.asarray(inputs).reshape(10, 10, 15)
    assert np.all(rows[:, :, :3] == rows[:, :1, :3])  # one noise draw per row
    assert np.all(np.argmax(rows[:, :, 3:13], -1) == np.arange(10))  # columns: categories
    inputs, ncol = grids["code_cont1"]
    rows = np.asarray(inputs).reshape(10, ncol, 15)
    assert np.all(np.argmax(rows[:, :, 3:13], -1) == np.arange(10)[:, None])  # rows: categories
    np.testing.assert_allclose(rows[0, :, 14], np.linspace(-2, 2, ncol), atol=1e-6)
    assert np.all(rows[:, :, 13] == 0)
    images = jax.jit(model.image_grids)(params, state, jax.random.key(0))
    assert images["code_cont0"][0].shape == (10 * ncol, *MLP_SHAPE)


def np_gaussian_mmd2(x, y, sigmas):
    z = np.concatenate([flat(x), flat(y)])
    r = np.sum((z[:, None] - z[None]) ** 2, -1)
    k = sum(np.exp(-r / (2 * s)) for s in sigmas)
    n = len(x)
    return k[:n, :n].mean() + k[n:, n:].mean() - 2 * k[:n, n:].mean()


def test_gaussian_mmd2_matches_numpy():
    rng = np.random.default_rng(2)
    x, y = rng.random((6, 5)), rng.random((4, 5))
    sigmas = (2.0, 5.0, 10.0)
    np.testing.assert_allclose(gaussian_mmd2(x, y, sigmas), np_gaussian_mmd2(x, y, sigmas),
                               rtol=1e-4)  # fmt: skip


def test_gmmn_data_space_loss():
    model, params, state = tiny_setup("gmmn")
    assert model.players == ("generator",)
    x = batch(MLP_SHAPE)
    z = np.asarray(jax.random.uniform(KEY, (6, 3), jnp.float32, -1.0, 1.0), np.float64)
    y = sigmoid(np_mlp(params["generator"], z))
    loss, (metrics, _) = jitted(model)("generator", params, state, x, KEY)
    mmd2 = np_gaussian_mmd2(y, x, (2.0, 5.0, 10.0, 20.0, 40.0, 80.0))
    np.testing.assert_allclose(metrics["mmd2"], mmd2, rtol=1e-3, atol=1e-7)
    np.testing.assert_allclose(loss, np.sqrt(mmd2), rtol=1e-3)


def test_gmmn_code_space_trains_its_autoencoder_as_a_first_player():
    model, params, state = tiny_setup("gmmn", space="code", code_dim=4)
    assert model.players == ("autoencoder", "generator")
    x = batch(MLP_SHAPE)
    h = sigmoid(np_mlp(params["encoder"], flat(x)))
    logits = np_mlp(params["decoder"], h)
    loss, _ = jitted(model)("autoencoder", params, state, x, KEY)
    bce = np.sum(softplus(logits) - flat(x) * logits, axis=1)
    np.testing.assert_allclose(loss, np.mean(bce), rtol=1e-5)

    z = np.asarray(jax.random.uniform(KEY, (6, 3), jnp.float32, -1.0, 1.0), np.float64)
    y = sigmoid(np_mlp(params["generator"], z))  # codes in [0, 1]
    loss, _ = jitted(model)("generator", params, state, x, KEY)
    np.testing.assert_allclose(loss, np.sqrt(np_gaussian_mmd2(y, h, (1.0,))), rtol=1e-3)
    # The generator's loss does not train the autoencoder.
    grads = jax.grad(lambda p: jitted(model)("generator", p, state, x, KEY)[0])(params)
    assert float(sum(jnp.abs(g).sum() for g in jax.tree.leaves(grads["encoder"]))) == 0
    assert model.sample(params, state, KEY, 5).shape == (5, *MLP_SHAPE)


def test_gmmn_code_space_restores_a_trained_autoencoder_workdir(tmp_path):
    ae_config = common.base_config("ae", num_steps=2)
    ae_config.model = tiny_config("ae")
    ae = build_model(ae_config.model, MLP_SHAPE)
    optimizers = make_optimizers(ae_config.optim, ae.players, 2)
    saved = init_train_state(ae, optimizers, jax.random.key(4), batch(MLP_SHAPE))
    (tmp_path / "config.json").write_text(ae_config.to_json())
    checkpoints = Checkpoints(tmp_path / "checkpoints")
    checkpoints.save(saved)
    checkpoints.close()

    config = tiny_config("gmmn", space="code", autoencoder_workdir=str(tmp_path))
    model = build_model(config, MLP_SHAPE)
    assert model.players == ("generator",)
    x = batch(MLP_SHAPE)
    params, state = model.init(jax.random.key(0), x)
    restored = state["autoencoder"]["params"]
    for a, b in zip(jax.tree.leaves(restored), jax.tree.leaves(saved.params), strict=True):
        np.testing.assert_array_equal(a, b)
    loss, (metrics, _) = jitted(model)("generator", params, state, x, KEY)
    codes = np.asarray(ae.encode(saved.params, saved.model_state, x), np.float64)
    z = np.asarray(jax.random.uniform(KEY, (6, 3), jnp.float32, -1.0, 1.0), np.float64)
    y = np_mlp(params["generator"], z)  # identity output: the AE's codes are unbounded
    np.testing.assert_allclose(loss, np.sqrt(np_gaussian_mmd2(y, codes, (1.0,))), rtol=1e-3)
    assert model.sample(params, state, KEY, 3).shape == (3, *MLP_SHAPE)


def test_gmmn_bad_workdir_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="has no config.json"):
        build_model(tiny_config("gmmn", space="code", autoencoder_workdir=str(tmp_path)),
                    MLP_SHAPE)  # fmt: skip
    with pytest.raises(ValueError, match="space="):
        build_model(tiny_config("gmmn", space="pixels"), MLP_SHAPE)
