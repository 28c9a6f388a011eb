"""The adversarial losses against hand computations in numpy (float64) on tiny batches, the
gradient penalty against finite-difference gradient norms, and weight clipping."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from genjax.models.adversarial import adversarial_losses, gradient_penalty, interpolates
from genjax.training.optim import clip_params
from tests.contract import assert_grads_match_finite_differences

REAL = np.array([1.3, -0.4, 2.2, 0.1])
FAKE = np.array([-0.7, 0.5, -1.9])


def _log_sigmoid(a):
    return -np.log1p(np.exp(-a))


def _hand(kind, real, fake, **options):
    """Each loss written out from its paper's formula, elementwise in float64."""
    d_real, d_fake = 1 / (1 + np.exp(-real)), 1 / (1 + np.exp(-fake))
    if kind in ("ns", "mm"):
        critic = -np.mean(np.log(d_real)) - np.mean(np.log(1 - d_fake))
        gen = -np.mean(np.log(d_fake)) if kind == "ns" else np.mean(np.log(1 - d_fake))
        return critic, gen
    if kind == "ls":
        a, b, c = options["ls_targets"]
        critic = 0.5 * np.mean((real - b) ** 2) + 0.5 * np.mean((fake - a) ** 2)
        return critic, 0.5 * np.mean((fake - c) ** 2)
    if kind == "hinge":
        critic = np.mean(np.maximum(0, 1 - real)) + np.mean(np.maximum(0, 1 + fake))
        return critic, -np.mean(fake)
    if kind == "wasserstein":
        return np.mean(fake) - np.mean(real), -np.mean(fake)
    raise AssertionError(kind)


# Nowozin et al. 2016, Table 2: the activation g_f and the conjugate f*, as printed.
FGAN_TABLE = {
    "kl": (lambda v: v, lambda t: np.exp(t - 1)),
    "reverse_kl": (lambda v: -np.exp(-v), lambda t: -1 - np.log(-t)),
    "pearson": (lambda v: v, lambda t: 0.25 * t**2 + t),
    "squared_hellinger": (lambda v: 1 - np.exp(-v), lambda t: t / (1 - t)),
    "jensen_shannon": (
        lambda v: np.log(2) - np.log1p(np.exp(-v)),
        lambda t: -np.log(2 - np.exp(t)),
    ),
    "gan": (lambda v: -np.log1p(np.exp(-v)), lambda t: -np.log(1 - np.exp(t))),
}


@pytest.mark.parametrize(
    "kind, options",
    [
        ("ns", {}),
        ("mm", {}),
        ("ls", {"ls_targets": (0.0, 1.0, 1.0)}),
        ("ls", {"ls_targets": (-1.0, 1.0, 0.0)}),
        ("hinge", {}),
        ("wasserstein", {}),
    ],
)
def test_losses_match_hand_computation(kind, options):
    got = adversarial_losses(jnp.asarray(REAL), jnp.asarray(FAKE), kind=kind, **options)
    np.testing.assert_allclose(np.array(got), _hand(kind, REAL, FAKE, **options), rtol=1e-6)


@pytest.mark.parametrize("divergence", sorted(FGAN_TABLE))
@pytest.mark.parametrize("non_saturating", [False, True])
def test_fgan_losses_match_the_papers_table(divergence, non_saturating):
    g, f_star = FGAN_TABLE[divergence]
    bound = np.mean(g(REAL)) - np.mean(f_star(g(FAKE)))
    gen = -np.mean(g(FAKE)) if non_saturating else bound
    critic, generator = adversarial_losses(
        jnp.asarray(REAL), jnp.asarray(FAKE), kind="fgan", divergence=divergence,
        non_saturating=non_saturating,
    )  # fmt: skip
    np.testing.assert_allclose([float(critic), float(generator)], [-bound, gen], rtol=1e-5)


def test_fgan_gan_row_is_the_ns_gan():
    """The f-GAN "gan" divergence with the non-saturating generator loss is Goodfellow's
    NS GAN up to the constant log 4 in the critic's bound (f(1) = -log 4)."""
    fgan = adversarial_losses(jnp.asarray(REAL), jnp.asarray(FAKE), kind="fgan", divergence="gan")
    ns = adversarial_losses(jnp.asarray(REAL), jnp.asarray(FAKE), kind="ns")
    np.testing.assert_allclose(np.array(fgan), np.array(ns), rtol=1e-6)


def test_unknown_kind_is_named():
    with pytest.raises(ValueError, match="kind='nope'"):
        adversarial_losses(jnp.zeros(2), jnp.zeros(2), kind="nope")


# --- gradient penalty ---------------------------------------------------------------


def _np_critic(w1, w2, x):
    """A smooth nonlinear critic ``[b, 2, 3] -> [b]`` in numpy."""
    return np.tanh(x.reshape(len(x), -1) @ w1) @ w2


def _jax_critic(w1, w2):
    return lambda x: jnp.tanh(x.reshape(x.shape[0], -1) @ w1) @ w2


@pytest.mark.parametrize("one_sided", [False, True])
def test_gradient_penalty_matches_finite_difference_norms(one_sided):
    rng = np.random.default_rng(0)
    w1, w2 = rng.normal(size=(6, 5)), rng.normal(size=5)
    x_real, x_fake = rng.normal(size=(4, 2, 3)), rng.normal(size=(4, 2, 3))
    key = jax.random.key(3)
    with jax.enable_x64(True):
        got = gradient_penalty(
            _jax_critic(jnp.asarray(w1), jnp.asarray(w2)), jnp.asarray(x_real),
            jnp.asarray(x_fake), key, one_sided=one_sided,
        )  # fmt: skip
        x_hat = np.asarray(interpolates(jnp.asarray(x_real), jnp.asarray(x_fake), key))
    # The interpolates are per example: each lies on the segment between its own pair.
    eps = (x_hat - x_fake).reshape(4, -1)[:, 0] / (x_real - x_fake).reshape(4, -1)[:, 0]
    np.testing.assert_allclose(x_hat, eps[:, None, None] * x_real + (1 - eps[:, None, None])
                               * x_fake, rtol=1e-10)  # fmt: skip
    assert len(set(np.round(eps, 8))) == 4 and np.all((eps >= 0) & (eps <= 1))
    # Central differences of each example's critic value, coordinate by coordinate.
    h = 1e-6
    grads = np.zeros_like(x_hat)
    for i in range(4):
        for idx in np.ndindex(2, 3):
            up, down = x_hat[i : i + 1].copy(), x_hat[i : i + 1].copy()
            up[(0, *idx)] += h
            down[(0, *idx)] -= h
            grads[(i, *idx)] = (_np_critic(w1, w2, up) - _np_critic(w1, w2, down))[0] / (2 * h)
    excess = np.linalg.norm(grads.reshape(4, -1), axis=1) - 1.0
    if one_sided:
        excess = np.maximum(excess, 0.0)
    np.testing.assert_allclose(float(got), np.mean(excess**2), rtol=1e-6)


def test_gradient_penalty_gradient_in_critic_parameters():
    """The penalty is differentiated through the critic's input gradient (a second
    derivative): reverse and forward mode against finite differences, in float64."""
    rng = np.random.default_rng(1)
    x_real, x_fake = rng.normal(size=(3, 6)), rng.normal(size=(3, 6))
    key = jax.random.key(0)

    def penalty(w1, w2):
        return gradient_penalty(_jax_critic(w1, w2), jnp.asarray(x_real, w1.dtype),
                                jnp.asarray(x_fake, w1.dtype), key)  # fmt: skip

    assert_grads_match_finite_differences(penalty, rng.normal(size=(6, 5)), rng.normal(size=5))


# --- weight clipping ----------------------------------------------------------------


def test_clipping_keeps_every_weight_in_the_box_after_each_step():
    c = 0.01
    tx = optax.chain(optax.rmsprop(5e-2), clip_params(c))
    rng = np.random.default_rng(0)
    params = {"w": jnp.asarray(rng.normal(0, 0.1, size=(8, 4)), jnp.float32), "b": jnp.zeros(4)}
    state = tx.init(params)
    x = jnp.asarray(rng.normal(size=(16, 8)), jnp.float32)

    def loss(p):  # pushes the weights outwards without bound
        return -jnp.sum(jnp.abs(x @ p["w"] + p["b"]))

    for _ in range(5):
        updates, state = tx.update(jax.grad(loss)(params), state, params)
        params = optax.apply_updates(params, updates)
        for leaf in jax.tree.leaves(params):
            assert np.all(np.abs(np.asarray(leaf)) <= c * (1 + 1e-6))
    # The box binds: the loss drives the weights onto its faces.
    assert np.mean(np.isclose(np.abs(np.asarray(params["w"])), c, rtol=1e-5)) > 0.9
