"""`genjax.training.optim` against the formulas it promises, computed by hand in numpy."""

import jax
import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest

from genjax.training.optim import make_optimizer, make_optimizers, make_schedule

LR = 1e-2
# Two steps' gradients of a 3-vector parameter; different signs and sizes so that a
# wrong moment, bias correction or decay shows.
GRADS = [np.array([0.3, -1.2, 2.0]), np.array([-0.5, 0.4, 1.0])]
PARAMS = np.array([1.0, -2.0, 0.5])


def block(**fields):
    base = dict(name="adam", learning_rate=LR, b1=0.9, b2=0.999, weight_decay=1e-4)
    base.update(fields)
    return ml_collections.ConfigDict(base)


def run(tx, steps=2):
    """The updates optax returns for `GRADS`, as float64 numpy arrays."""
    params = jnp.asarray(PARAMS, jnp.float32)
    state = tx.init(params)
    out = []
    for g in GRADS[:steps]:
        updates, state = tx.update(jnp.asarray(g, jnp.float32), state, params)
        out.append(np.asarray(updates, np.float64))
    return out


@pytest.mark.parametrize("warmup", [0, 10])
def test_cosine_schedule_matches_its_formula(warmup):
    total = 100
    schedule = make_schedule(block(schedule="cosine", warmup_steps=warmup), total)
    for t in [0, 1, 5, 10, 25, 50, 77, 99, 100, 150]:
        if t < warmup:
            expected = LR * t / warmup
        else:
            # Cosine from LR at the end of warm-up to 0 at `total`, then 0.
            u = min(t - warmup, total - warmup) / (total - warmup)
            expected = LR * 0.5 * (1 + np.cos(np.pi * u))
        np.testing.assert_allclose(float(schedule(t)), expected, rtol=1e-5, atol=1e-9)


def test_constant_schedule_with_linear_warmup():
    schedule = make_schedule(block(schedule="constant", warmup_steps=4), 100)
    got = [float(schedule(t)) for t in range(7)]
    np.testing.assert_allclose(got, [0, LR / 4, LR / 2, 3 * LR / 4, LR, LR, LR], rtol=1e-6)
    assert float(make_schedule(block(), 100)(37)) == pytest.approx(LR)


@pytest.mark.parametrize("clip", [0.5, 100.0])
def test_global_norm_clipping(clip):
    # sgd at rate 1 returns minus the clipped gradient itself.
    tx = make_optimizer(block(name="sgd", learning_rate=1.0, grad_clip_norm=clip), 10)
    tree = {"a": np.array([3.0, -4.0]), "b": np.array([[12.0]])}  # global norm 13
    updates, _ = tx.update(jax.tree.map(jnp.asarray, tree), tx.init(tree), tree)
    norm = np.sqrt(sum(np.sum(v**2) for v in tree.values()))
    scale = min(1.0, clip / norm)
    for k in tree:
        np.testing.assert_allclose(np.asarray(updates[k]), -tree[k] * scale, rtol=1e-6)


def _adam_direction(b1=0.9, b2=0.999, eps=1e-8):
    m, v, out = 0.0, 0.0, []
    for t, g in enumerate(GRADS, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        out.append(m_hat / (np.sqrt(v_hat) + eps))
    return out


def test_adam_two_steps_by_hand():
    got = run(make_optimizer(block(b1=0.8, b2=0.95), 10))
    for u, d in zip(got, _adam_direction(b1=0.8, b2=0.95), strict=True):
        np.testing.assert_allclose(u, -LR * d, rtol=1e-5)


def test_adamw_decays_the_weights_decoupled():
    wd = 0.1
    got = run(make_optimizer(block(name="adamw", weight_decay=wd), 10))
    # The parameters stay at PARAMS inside `run`, so the decay term is the same each step.
    for u, d in zip(got, _adam_direction(), strict=True):
        np.testing.assert_allclose(u, -LR * (d + wd * PARAMS), rtol=1e-5, atol=LR * 1e-5)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_two_steps_by_hand(momentum):
    got = run(make_optimizer(block(name="sgd", momentum=momentum), 10))
    trace, expected = 0.0, []
    for g in GRADS:
        trace = g + momentum * trace
        expected.append(-LR * trace)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_rmsprop_two_steps_by_hand():
    got = run(make_optimizer(block(name="rmsprop", momentum=0.0), 10))
    nu, expected = 0.0, []
    for g in GRADS:
        nu = 0.9 * nu + 0.1 * g**2  # optax's default decay, no bias correction
        expected.append(-LR * g / np.sqrt(nu + 1e-8))
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_unknown_names_and_missing_players_raise():
    with pytest.raises(ValueError, match="optimizer name must be one of .*'adagrad'"):
        make_optimizer(block(name="adagrad"), 10)
    with pytest.raises(ValueError, match="schedule must be .*'linear'"):
        make_schedule(block(schedule="linear"), 10)
    optim = ml_collections.ConfigDict({"autoencoder": block()})
    assert set(make_optimizers(optim, ("autoencoder",), 10)) == {"autoencoder"}
    with pytest.raises(ValueError, match=r"no block for player\(s\) \['critic'\]"):
        make_optimizers(optim, ("autoencoder", "critic"), 10)
