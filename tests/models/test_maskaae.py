"""MaskAAE: the mask, the mask loss with its growing binarisation weight and the critic's
Wasserstein estimate against numpy recomputations; num_active."""

import jax
import numpy as np
import pytest

from genjax.models.autoencoders._densities import COUNTER
from genjax.models.autoencoders.maskaae import mask_alpha, num_active
from tests.models.helpers import MLP_SHAPE, batch, flat, np_mlp, np_normal, sigmoid, tiny_setup


def test_mask_is_one_minus_exp_of_a_nonnegative_m():
    raw = np.array([-30.0, -1.0, 0.0, 2.0, 30.0], np.float32)
    m = np.logaddexp(0.0, raw)
    np.testing.assert_allclose(mask_alpha(raw), 1 - np.exp(-m), rtol=1e-6, atol=1e-12)
    assert float(num_active(np.array([0.05, 0.1, 0.5, 0.0999]))) == 2.0


@pytest.mark.parametrize("step", [0, 250, 2000])
def test_autoencoder_loss_by_hand(step):
    model, params, state = tiny_setup("maskaae", binarise_steps=1000, binarise_weight=4.0)
    params = {**params, "mask": {"raw": np.array([3.0, -4.0, 0.2], np.float32)}}
    state = {**state, COUNTER: {"step": np.int32(step)}}
    x, key = batch(MLP_SHAPE), jax.random.key(5)
    loss, (metrics, new_state) = model.loss("autoencoder", params, state, x, key)
    assert int(new_state[COUNTER]["step"]) == step + 1

    alpha = 1 - np.exp(-np.logaddexp(0.0, params["mask"]["raw"].astype(np.float64)))
    k_prior, _ = jax.random.split(key)
    z = alpha * np_mlp(params["encoder"], flat(x))
    z_p = alpha * np_normal(k_prior, z.shape)
    rec = np.mean(np.sum((flat(x) - sigmoid(np_mlp(params["decoder"], z))) ** 2, 1))
    w1 = np.mean(np_mlp(params["critic"], z_p)) - np.mean(np_mlp(params["critic"], z))
    weight = 4.0 * min(1.0, step / 1000)
    binary = np.sum(alpha * (1 - alpha))
    np.testing.assert_allclose(metrics["w1"], w1, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(metrics["binarise_weight"], weight, rtol=1e-6)
    np.testing.assert_allclose(loss, rec + w1 + weight * binary, rtol=1e-5)
    assert float(metrics["num_active"]) == 2.0  # alpha ≈ [0.95, 0.018, 0.53]


def test_critic_loss_is_minus_w1_plus_penalty():
    model, params, state = tiny_setup("maskaae")
    x, key = batch(MLP_SHAPE), jax.random.key(5)
    loss, (metrics, _) = model.loss("critic", params, state, x, key)
    alpha = np.asarray(model.alpha(params), np.float64)
    k_prior, _ = jax.random.split(key)
    z = alpha * np_mlp(params["encoder"], flat(x))
    z_p = alpha * np_normal(k_prior, z.shape)
    w1 = np.mean(np_mlp(params["critic"], z_p)) - np.mean(np_mlp(params["critic"], z))
    np.testing.assert_allclose(metrics["w1"], w1, rtol=1e-4, atol=1e-6)
    assert metrics["gp"] > 0
    np.testing.assert_allclose(loss, -w1 + 10.0 * metrics["gp"], rtol=1e-5)
    # Samples and codes are masked.
    np.testing.assert_allclose(
        model.sample_codes(params, state, jax.random.key(1), 4),
        alpha * np_normal(jax.random.key(1), (4, 3)),
        rtol=1e-5,
    )
