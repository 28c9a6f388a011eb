"""MaskAAE: the mask, the four players' losses (the official MaskAAE_MNIST.py's
auto_encoder_loss, discriminator_loss, generator_loss and mask_loss) and the binarisation
schedule against numpy recomputations; num_active."""

import jax
import numpy as np
import pytest

from genjax.models.autoencoders._densities import COUNTER
from genjax.models.autoencoders.maskaae import (
    binarise_weight,
    mask_alpha,
    num_active,
    official_binarise_every,
)
from tests.models.helpers import (
    MLP_SHAPE,
    batch,
    flat,
    np_mlp,
    np_normal,
    sigmoid,
    tiny_model,
    tiny_setup,
)

RAW = np.array([3.0, -0.02, 0.75], np.float32)  # alpha ≈ [0.95, 0.02, 0.53]


def _np_alpha(raw):
    return 1 - np.exp(-np.abs(np.asarray(raw, np.float64)))


def _setup(step=0, **overrides):
    model, params, state = tiny_setup("maskaae", **overrides)
    params = {**params, "mask": {"raw": RAW}}
    state = {**state, COUNTER: {"step": np.int32(step)}}
    return model, params, state


def _np_codes(params, x, key):
    """``(alpha, E(x), n)`` as the losses draw them from ``key``."""
    k_prior, _ = jax.random.split(key)
    e = np_mlp(params["encoder"], flat(x))
    return _np_alpha(params["mask"]["raw"]), e, np_normal(k_prior, e.shape)


def _np_rec(params, x, z):
    """Squared error averaged over pixels and examples (rec_reduction="mean")."""
    return np.mean((flat(x) - sigmoid(np_mlp(params["decoder"], z))) ** 2)


def test_mask_is_one_minus_exp_of_a_nonnegative_m():
    raw = np.array([-30.0, -1.0, 0.0, 2.0, 30.0], np.float32)
    m = np.abs(raw)
    np.testing.assert_allclose(mask_alpha(raw), 1 - np.exp(-m), rtol=1e-6, atol=1e-12)
    assert float(num_active(np.array([0.05, 0.1, 0.5, 0.0999]))) == 2.0


def test_mask_init_is_uniform_m():
    """m = |raw| starts uniform on [0, mask_init_max], every dimension its own draw."""
    model = tiny_model("maskaae", latent_dim=400, mask_init_max=5.0)
    params, _ = model.init(jax.random.key(0), batch(MLP_SHAPE))
    m = np.abs(np.asarray(params["mask"]["raw"], np.float64))
    assert m.min() >= 0 and m.max() <= 5.0
    assert abs(m.mean() - 2.5) < 0.3 and abs(m.var() - 25 / 12) < 0.5


def test_binarisation_schedule_is_the_official_doubling():
    # R = 75 (d <= 20) or min(10_000, floor(1125 d / 10)); the weight doubles every 4 R.
    assert [official_binarise_every(d) for d in (8, 20, 21, 32, 64, 100)] == [
        300, 300, 9448, 14400, 28800, 40000,
    ]  # fmt: skip
    # The official loop: w = 2 / d; at step t > 0 with t % (4 R) == 0, w = min(2048, 2 w).
    d, every, w, expected = 32, official_binarise_every(32), 2 / 32, []
    steps = [0, 1, every - 1, every, 3 * every + 5, 20 * every]
    for t in range(20 * every + 1):
        if t > 0 and t % every == 0:
            w = min(2048.0, 2 * w)
        if t in steps:
            expected.append(w)
    got = [float(binarise_weight(np.int32(t), init=2 / d, every=every, cap=2048.0)) for t in steps]
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_autoencoder_loss_by_hand():
    model, params, state = _setup()
    x, key = batch(MLP_SHAPE), jax.random.key(5)
    loss, (metrics, _) = model.loss("autoencoder", params, state, x, key)
    alpha, e, _ = _np_codes(params, x, key)
    rec = _np_rec(params, x, alpha * e)
    variance = np.mean((e - e.mean(0)) ** 2 * np.exp(-10 * alpha**2))
    np.testing.assert_allclose(metrics["rec"], rec, rtol=1e-5)
    np.testing.assert_allclose(metrics["variance"], variance, rtol=1e-5)
    np.testing.assert_allclose(loss, rec + 100 * variance, rtol=1e-5)


def test_critic_and_generator_losses_by_hand():
    model, params, state = _setup()
    x, key = batch(MLP_SHAPE), jax.random.key(5)
    alpha, e, n = _np_codes(params, x, key)
    c_z, c_p = np_mlp(params["critic"], alpha * e), np_mlp(params["critic"], alpha * n)
    loss, (metrics, _) = model.loss("critic", params, state, x, key)
    np.testing.assert_allclose(metrics["w1"], c_p.mean() - c_z.mean(), rtol=1e-4, atol=1e-6)
    assert metrics["gp"] > 0
    np.testing.assert_allclose(loss, c_z.mean() - c_p.mean() + 10 * metrics["gp"], rtol=1e-5)
    gen, _ = model.loss("generator", params, state, x, key)
    np.testing.assert_allclose(gen, -c_z.mean(), rtol=1e-5)
    # Samples and codes are masked.
    np.testing.assert_allclose(
        model.sample_codes(params, state, jax.random.key(1), 4),
        alpha * np_normal(jax.random.key(1), (4, 3)),
        rtol=1e-5,
    )
    np.testing.assert_allclose(model.encode(params, state, x), alpha * e, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("step", [0, 299, 300, 1000])
def test_mask_loss_by_hand(step):
    """mask_loss = 1000 rec + (1 - (mean C(z) - mean C(z_p)))² + w_t Σ |alpha (1 - alpha)|,
    w_t = (2 / 3) 2^floor(t / 300) at d = 3; the mask player advances the counter."""
    model, params, state = _setup(step)
    x, key = batch(MLP_SHAPE), jax.random.key(5)
    loss, (metrics, new_state) = model.loss("mask", params, state, x, key)
    assert int(new_state[COUNTER]["step"]) == step + 1
    alpha, e, n = _np_codes(params, x, key)
    rec = _np_rec(params, x, alpha * e)
    c_z, c_p = np_mlp(params["critic"], alpha * e), np_mlp(params["critic"], alpha * n)
    weight = (2 / 3) * 2 ** (step // 300)
    binary = np.sum(np.abs(alpha * (1 - alpha)))
    expected = 1000 * rec + (1 - (c_z.mean() - c_p.mean())) ** 2 + weight * binary
    np.testing.assert_allclose(metrics["binarise_weight"], weight, rtol=1e-6)
    np.testing.assert_allclose(loss, expected, rtol=1e-5)
    assert float(metrics["num_active"]) == 2.0


def test_each_player_moves_only_its_networks():
    model, params, state = _setup()
    x, key = batch(MLP_SHAPE), jax.random.key(5)
    owners = {"autoencoder": {"encoder", "decoder"}, "critic": {"critic"},
              "generator": {"encoder"}, "mask": {"mask"}}  # fmt: skip
    assert {p: set(n) for p, n in model.player_networks.items()} == owners
    for player, own in owners.items():
        grads = jax.grad(lambda p, player=player: model.loss(player, p, state, x, key)[0])(params)
        for network in ("encoder", "decoder", "critic", "mask"):
            norm = sum(float(np.sum(np.square(g))) for g in jax.tree.leaves(grads[network]))
            assert (norm > 0) == (network in own), (player, network, norm)
