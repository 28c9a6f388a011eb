"""The f-GAN table against scipy: generators give the named divergences, conjugates are
numerical suprema, activations land in dom f*, and the bound is tight at T* = f'(p/q)."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy import integrate, optimize, special, stats
from scipy.spatial.distance import jensenshannon

from genjax.divergences.f_divergences import F_DIVERGENCES, FDivergence, fgan_losses
from tests import contract

NAMES = ["kl", "reverse_kl", "pearson", "squared_hellinger", "jensen_shannon", "gan"]
LOG4 = np.log(4.0)

# Nowozin et al. (2016), Table 1, in float64 numpy: generators, their derivatives
# (the optimal critic is f'(p/q)) and, from Table 2, sup dom f*.
F = {
    "kl": lambda u: u * np.log(u),
    "reverse_kl": lambda u: -np.log(u),
    "pearson": lambda u: (u - 1) ** 2,
    "squared_hellinger": lambda u: (np.sqrt(u) - 1) ** 2,
    "jensen_shannon": lambda u: -(u + 1) * np.log((1 + u) / 2) + u * np.log(u),
    "gan": lambda u: u * np.log(u) - (u + 1) * np.log(u + 1),
}
F_PRIME = {
    "kl": lambda u: 1 + np.log(u),
    "reverse_kl": lambda u: -1 / u,
    "pearson": lambda u: 2 * (u - 1),
    "squared_hellinger": lambda u: 1 - 1 / np.sqrt(u),
    "jensen_shannon": lambda u: np.log(2 * u / (1 + u)),
    "gan": lambda u: np.log(u / (1 + u)),
}
DOMAIN_SUP = {
    "kl": np.inf,
    "reverse_kl": 0.0,
    "pearson": np.inf,
    "squared_hellinger": 1.0,
    "jensen_shannon": np.log(2),
    "gan": 0.0,
}
# v = g_f⁻¹(t), to feed a given critic value T through the activation.
INVERSE_ACTIVATION = {
    "kl": lambda t: t,
    "reverse_kl": lambda t: -np.log(-t),
    "pearson": lambda t: t,
    "squared_hellinger": lambda t: -np.log1p(-t),
    "jensen_shannon": lambda t: special.logit(np.exp(t) / 2),
    "gan": lambda t: special.logit(np.exp(t)),
}


def named_divergence(name, p, q):
    """The divergence each row is meant to give, from scipy where scipy has it."""
    js2 = 2 * jensenshannon(p, q) ** 2  # 2·JS in nats
    return {
        "kl": stats.entropy(p, q),
        "reverse_kl": stats.entropy(q, p),
        "pearson": stats.chisquare(p, q).statistic,
        "squared_hellinger": np.sum((np.sqrt(p) - np.sqrt(q)) ** 2),
        "jensen_shannon": js2,
        "gan": js2 - LOG4,
    }[name]


def as64(fn):
    """Evaluate a jax elementwise function in float64 on numpy input."""

    def wrapper(t):
        with jax.enable_x64(True):
            return np.asarray(fn(jnp.asarray(t, jnp.float64)))

    return wrapper


P_COUNTS, Q_COUNTS = np.array([2, 3, 5, 6, 4]), np.array([5, 5, 4, 3, 3])
P, Q = P_COUNTS / 20, Q_COUNTS / 20


def test_table_has_the_six_rows():
    assert sorted(F_DIVERGENCES) == sorted(NAMES)
    for name, row in F_DIVERGENCES.items():
        assert isinstance(row, FDivergence) and row.name == name


@pytest.mark.parametrize("name", NAMES)
def test_generator_matches_table_and_gives_the_named_divergence(name):
    row = F_DIVERGENCES[name]
    u = np.geomspace(1e-3, 1e3, 61)
    np.testing.assert_allclose(as64(row.f)(u), F[name](u), rtol=1e-12, atol=1e-12)
    # The library's own f (not this file's table) gives scipy's divergence.
    np.testing.assert_allclose(
        np.sum(Q * as64(row.f)(P / Q)), named_divergence(name, P, Q), rtol=1e-10
    )
    # Normalised, f(1) = 0, except the GAN row, the unnormalised GAN objective.
    np.testing.assert_allclose(as64(row.f)(1.0), -LOG4 if name == "gan" else 0.0, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_generator_is_convex_and_its_derivative_is_right(name):
    row = F_DIVERGENCES[name]
    u = np.geomspace(1e-2, 1e2, 401)
    values = as64(row.f)(u)
    # Convex: every chord lies above the graph (non-uniform grid, so use slopes).
    slopes = np.diff(values) / np.diff(u)
    assert np.all(np.diff(slopes) > -1e-9)
    # The library's f' (autodiff, float64) against the closed-form f' = T* of Table 1 ...
    with jax.enable_x64(True):
        grad = np.asarray(jax.vmap(jax.grad(row.f))(jnp.asarray(u)))
    np.testing.assert_allclose(grad, F_PRIME[name](u), rtol=1e-12, atol=1e-12)
    # ... and that closed form against central differences of the library's f.
    h = 1e-6 * u
    f64 = as64(row.f)
    np.testing.assert_allclose(
        F_PRIME[name](u), (f64(u + h) - f64(u - h)) / (2 * h), rtol=1e-5, atol=1e-8
    )


@pytest.mark.parametrize("name", NAMES)
def test_conjugate_is_the_numerical_supremum(name):
    """f*(t) = sup_u u·t − f(u), maximised numerically over u = e^s (u ∈ R for Pearson,
    whose f* in Table 2 is the conjugate of (u − 1)² on the whole line)."""
    top = min(DOMAIN_SUP[name], 3.0)
    ts = (
        np.linspace(-3.0, top, 13)[:-1] if np.isfinite(DOMAIN_SUP[name]) else np.linspace(-3, 3, 13)
    )
    f_conjugate = as64(F_DIVERGENCES[name].f_conjugate)
    for t in ts:
        if name == "pearson":
            result = optimize.minimize_scalar(lambda u, t=t: -(u * t - F[name](u)))
        else:
            result = optimize.minimize_scalar(
                lambda s, t=t: -(np.exp(s) * t - F[name](np.exp(s))),
                bounds=(-25, 25),
                method="bounded",
                options={"xatol": 1e-10},
            )
        np.testing.assert_allclose(f_conjugate(t), -result.fun, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", NAMES)
def test_activation_lands_in_the_domain_of_the_conjugate(name):
    row = F_DIVERGENCES[name]
    v = np.linspace(-30, 30, 601)
    t = as64(row.activation)(v)
    assert np.all(t < DOMAIN_SUP[name]) and np.all(np.isfinite(t))
    # It is increasing (a bijection onto its range), and its inverse is as tabulated.
    assert np.all(np.diff(t) > 0)
    moderate = v[np.abs(v) <= 8]
    np.testing.assert_allclose(
        INVERSE_ACTIVATION[name](as64(row.activation)(moderate)), moderate, atol=1e-8
    )
    # The stable composite equals f*∘g where both are representable ...
    np.testing.assert_allclose(
        as64(row.conjugate_of_activation)(moderate),
        as64(row.f_conjugate)(as64(row.activation)(moderate)),
        rtol=1e-9,
        atol=1e-9,
    )
    # ... and stays finite in float32 where the naive composition saturates.
    big = jnp.array([-30.0, 30.0], jnp.float32)
    assert np.all(np.isfinite(np.asarray(row.conjugate_of_activation(big))))
    if name == "gan":
        assert not np.isfinite(np.asarray(row.f_conjugate(row.activation(big))))[1]


@pytest.mark.parametrize("name", NAMES)
def test_bound_is_tight_at_the_optimal_critic_on_discrete_laws(name):
    """With T* = f'(p/q) and samples in exact proportions (counts /20), −critic_loss is
    the divergence itself; any other critic gives less."""
    v_star = INVERSE_ACTIVATION[name](F_PRIME[name](P / Q))  # [5]
    v_real, v_fake = np.repeat(v_star, P_COUNTS), np.repeat(v_star, Q_COUNTS)
    critic_loss, generator_loss = fgan_losses(v_real, v_fake, divergence=name)
    truth = named_divergence(name, P, Q)
    np.testing.assert_allclose(-critic_loss, truth, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(generator_loss, truth, rtol=1e-5, atol=1e-6)
    rng = np.random.default_rng(1)
    for _ in range(5):
        delta = 0.3 * rng.normal(size=5)
        worse = fgan_losses(
            np.repeat(v_star + delta, P_COUNTS),
            np.repeat(v_star + delta, Q_COUNTS),
            divergence=name,
        )
        assert -float(worse[0]) < truth - 1e-4


@pytest.mark.parametrize("name", NAMES)
def test_bound_is_tight_at_the_optimal_critic_on_gaussians(name):
    """P = N(1, 1), Q = N(0, 1): p/q = exp(x − ½). Monte Carlo against quadrature of
    ∫ q f(p/q) (and KL = ½ in closed form)."""
    p, q = stats.norm(1, 1), stats.norm(0, 1)
    truth = integrate.quad(lambda x: q.pdf(x) * F[name](np.exp(x - 0.5)), -12, 13)[0]
    if name == "kl":
        np.testing.assert_allclose(truth, 0.5, rtol=1e-8)
    n = 100_000
    x_real, x_fake = p.rvs(n, random_state=2), q.rvs(n, random_state=3)
    v_real, v_fake = (
        INVERSE_ACTIVATION[name](F_PRIME[name](np.exp(x - 0.5))) for x in (x_real, x_fake)
    )
    critic_loss, _ = fgan_losses(
        v_real.astype(np.float32), v_fake.astype(np.float32), divergence=name
    )
    row = F_DIVERGENCES[name]
    terms_real = as64(row.activation)(v_real)
    terms_fake = as64(row.conjugate_of_activation)(v_fake)
    se = np.sqrt(terms_real.var() / n + terms_fake.var() / n)
    assert abs(-float(critic_loss) - truth) < 5 * se + 1e-4, (float(critic_loss), truth, se)


def test_gan_row_is_the_original_gan_value_function(rng):
    """critic_loss = −(E log D(x) + E log(1 − D(G(z)))), D = sigmoid(v); the
    non-saturating generator loss is −E log D(G(z))."""
    v_real, v_fake = rng.normal(size=32) * 3, rng.normal(size=24) * 3 - 1
    d_real, d_fake = special.expit(v_real), special.expit(v_fake)
    critic_loss, generator_loss = fgan_losses(v_real, v_fake, divergence="gan")
    want = np.mean(np.log(d_real)) + np.mean(np.log1p(-d_fake))
    np.testing.assert_allclose(critic_loss, -want, rtol=1e-5)
    np.testing.assert_allclose(generator_loss, want, rtol=1e-5)
    critic_ns, generator_ns = fgan_losses(v_real, v_fake, divergence="gan", non_saturating=True)
    np.testing.assert_allclose(critic_ns, critic_loss, rtol=1e-6)
    np.testing.assert_allclose(generator_ns, -np.mean(np.log(d_fake)), rtol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_non_saturating_generator_pushes_the_same_way(rng, name):
    """Both generator losses decrease when the critic scores fakes higher (Pearson's
    f* decreases below t = −2, where its u* = 1 + t/2 would be a negative ratio)."""
    v_real, v_fake = rng.normal(size=16), rng.uniform(-1.5, 1.5, size=16)
    for non_saturating in (False, True):
        grad = jax.grad(
            lambda vf, ns=non_saturating: fgan_losses(
                v_real, vf, divergence=name, non_saturating=ns
            )[1]
        )(jnp.asarray(v_fake, jnp.float32))
        assert np.all(np.asarray(grad) < 0)


def test_custom_divergence_without_composite(rng):
    row = F_DIVERGENCES["pearson"]._replace(name="custom", conjugate_of_activation=None)
    v_real, v_fake = rng.normal(size=8), rng.normal(size=8)
    np.testing.assert_allclose(
        fgan_losses(v_real, v_fake, divergence=row),
        fgan_losses(v_real, v_fake, divergence="pearson"),
        rtol=1e-6,
    )


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        ((np.zeros(3), np.zeros(3)), {"divergence": "wasserstein"}, "divergence"),
        ((np.zeros(3), np.zeros(3)), {"divergence": 3}, "divergence"),
        ((np.zeros(0), np.zeros(3)), {"divergence": "kl"}, "v_real"),
        ((np.zeros(3), np.zeros(0)), {"divergence": "kl"}, "v_fake"),
    ],
)
def test_rejects_bad_arguments(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        fgan_losses(*args, **kwargs)


# ---------------------------------------------------------------- contract


def both_losses(v_real, v_fake, *, name):
    return jnp.stack(fgan_losses(v_real, v_fake, divergence=name))


@pytest.mark.parametrize("name", NAMES)
def test_contract(rng, mesh, name):
    v_real = rng.normal(size=16).astype(np.float32)
    v_fake = rng.normal(size=24).astype(np.float32)
    fn = functools.partial(both_losses, name=name)
    contract.assert_jit_matches_eager(fn, v_real, v_fake)
    contract.assert_sharded_matches(fn, mesh, v_real, v_fake)
    contract.assert_vmap_matches_loop(jax.jit(fn), v_real.reshape(2, 8), v_fake.reshape(2, 12))
    # Both losses at once: check_grads pulls back random cotangents of the pair.
    contract.assert_grads_match_finite_differences(jax.jit(fn), v_real[:4], v_fake[:5])


@pytest.mark.parametrize("name", NAMES)
def test_every_callable_of_a_row_has_the_right_derivative(name):
    """f, f*, g_f and f*∘g_f against finite differences (fgan_losses uses only some of
    them), each at points inside its domain."""
    row = F_DIVERGENCES[name]
    u = np.array([0.3, 0.9, 2.5])  # ratios p/q > 0
    t = np.array([-2.5, -0.7, -0.1])  # below sup dom f* for every row
    v = np.array([-1.5, 0.2, 1.7])  # raw critic outputs

    def callables(u, t, v):
        return jnp.stack(
            [row.f(u), row.f_conjugate(t), row.activation(v), row.conjugate_of_activation(v)]
        )

    contract.assert_grads_match_finite_differences(jax.jit(callables), u, t, v)
    # And f*' = (f')⁻¹ in closed form: f'(f*'(t)) = t (Fenchel), with f' from Table 1.
    with jax.enable_x64(True):
        slope = np.asarray(jax.vmap(jax.grad(row.f_conjugate))(jnp.asarray(t)))
    np.testing.assert_allclose(F_PRIME[name](slope), t, rtol=1e-12, atol=1e-12)


def test_compiles_once(rng):
    def make_args(i):
        return tuple(jnp.asarray(rng.normal(size=8), jnp.float32) for _ in range(2))

    contract.assert_compiles_once(functools.partial(both_losses, name="jensen_shannon"), make_args)
