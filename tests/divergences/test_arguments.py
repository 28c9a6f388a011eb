"""The rules every divergence shares (genjax.divergences' docstring): one dtype rule,
known invalid options are a ValueError naming them, given directions are normalised,
and the standardising statistics are scale invariant in float32."""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import genjax.divergences as dv

# Every public function of arrays, called on integer-valued samples: name → (fn, shapes
# of its array arguments). Keyword options are fixed so each call is one number (or a
# small array) to compare.
PUBLIC = {
    "bhep": (functools.partial(dv.bhep, gamma=0.5), [(9, 2)]),
    "cw_distance": (dv.cw_distance, [(9, 2), (7, 2)]),
    "cw_kernel": (functools.partial(dv.cw_kernel, d=3), [(5,)]),
    "cw_normality": (dv.cw_normality, [(9, 2)]),
    "fgan_losses": (functools.partial(dv.fgan_losses, divergence="kl"), [(5,), (4,)]),
    "henze_zirkler": (dv.henze_zirkler, [(9, 2)]),
    "imq_kernel": (dv.imq_kernel, [(4, 2), (3, 2)]),
    "kl_gaussians": (dv.kl_gaussians, [(3, 2)] * 4),
    "kl_standard_normal": (dv.kl_standard_normal, [(3, 2), (3, 2)]),
    "mardia_kurtosis": (dv.mardia_kurtosis, [(9, 2)]),
    "mardia_skewness": (dv.mardia_skewness, [(9, 2)]),
    "mmd": (dv.mmd, [(9, 2), (7, 2)]),
    "normalized_absolute_correlation": (dv.normalized_absolute_correlation, [(9, 3)]),
    "rbf_kernel": (dv.rbf_kernel, [(4, 2), (3, 2)]),
    "sliced_wasserstein": (dv.sliced_wasserstein, [(9, 2), (7, 2), (5, 2)]),
    "wasserstein_1d": (dv.wasserstein_1d, [(9,), (7,)]),
    "wasserstein2_gaussians": (dv.wasserstein2_gaussians, [(3, 2)] * 4),
}
ARGUMENT_NAMES = {
    "bhep": ["z"],
    "cw_distance": ["x", "y"],
    "cw_kernel": ["s"],
    "cw_normality": ["z"],
    "fgan_losses": ["v_real", "v_fake"],
    "henze_zirkler": ["z"],
    "imq_kernel": ["x", "y"],
    "kl_gaussians": ["mean_p", "log_var_p", "mean_q", "log_var_q"],
    "kl_standard_normal": ["mean", "log_var"],
    "mardia_kurtosis": ["z"],
    "mardia_skewness": ["z"],
    "mmd": ["x", "y"],
    "normalized_absolute_correlation": ["z"],
    "rbf_kernel": ["x", "y"],
    "sliced_wasserstein": ["x", "y", "directions"],
    "wasserstein_1d": ["u", "v"],
    "wasserstein2_gaussians": ["mean_p", "log_var_p", "mean_q", "log_var_q"],
}


def call(name, args):
    fn = PUBLIC[name][0]
    if name == "sliced_wasserstein":
        return fn(args[0], args[1], directions=args[2])
    return fn(*args)


def integer_args(name):
    rng = np.random.default_rng(len(name))
    # Non-negative where the function needs it (cw_kernel's s); distinct values so that
    # covariances are invertible and sorts have no ties that matter.
    low = 0 if name == "cw_kernel" else -3
    args = [rng.integers(low, 4, size=shape).astype(np.int32) for shape in PUBLIC[name][1]]
    if name == "sliced_wasserstein":
        args[2] = np.abs(args[2]) + 1  # directions: no zero rows
    return args


def test_the_tables_cover_the_public_api():
    functions = {n for n in dv.__all__ if callable(getattr(dv, n)) and n[0].islower()}
    helpers = {"silverman_gamma", "random_directions"}  # numbers and keys, not samples
    assert set(PUBLIC) == set(ARGUMENT_NAMES) == functions - helpers


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_integers_are_cast_to_float32(name):
    ints = integer_args(name)
    got = call(name, ints)
    want = call(name, [a.astype(np.float32) for a in ints])
    for g, w in zip(jax.tree.leaves(got), jax.tree.leaves(want), strict=True):
        assert g.dtype == jnp.float32, name
        assert np.all(np.isfinite(np.asarray(w))), name  # a real comparison, not NaN == NaN
        np.testing.assert_array_equal(np.asarray(g), np.asarray(w))
    # Booleans follow the same rule (0 and 1).
    if name in ("mardia_skewness", "mmd", "wasserstein_1d"):
        bools = [a > 0 for a in ints]
        np.testing.assert_array_equal(
            np.asarray(call(name, bools)),
            np.asarray(call(name, [b.astype(np.float32) for b in bools])),
        )


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_complex_input_is_a_value_error_naming_the_argument(name):
    for i, argument in enumerate(ARGUMENT_NAMES[name]):
        args = [a.astype(np.float32) for a in integer_args(name)]
        args[i] = args[i].astype(np.complex64)
        with pytest.raises(ValueError, match=rf"^{argument} must be real"):
            call(name, args)


BAD_GAMMAS = [0.0, -1.0, -2, np.float32(-0.5), np.float64(0.0), jnp.asarray(-1.0)]
BAD_GAMMAS += [np.array([-1.0]), float("nan"), True]


@pytest.mark.parametrize("gamma", BAD_GAMMAS, ids=repr)
@pytest.mark.parametrize("fn", [dv.cw_normality, dv.bhep, dv.cw_distance], ids=lambda f: f.__name__)
def test_known_gamma_out_of_range_is_a_value_error(fn, gamma):
    z = np.zeros((4, 2), np.float32)
    args = (z, z) if fn is dv.cw_distance else (z,)
    with pytest.raises(ValueError, match="^gamma "):
        fn(*args, gamma=gamma)


def test_bhep_gamma_is_required_and_traced_gamma_is_documented():
    z = jnp.ones((4, 2))
    with pytest.raises(ValueError, match="^gamma is required"):
        dv.bhep(z, gamma=None)
    # Valid gamma of every known kind gives the same value.
    values = [float(dv.bhep(z, gamma=g)) for g in (0.5, np.float32(0.5), jnp.asarray(0.5))]
    assert values[0] == values[1] == values[2]
    # A traced gamma cannot be checked; its documented range: <= 0 gives NaN.
    for fn in (dv.bhep, dv.cw_normality):
        assert np.isnan(float(jax.jit(lambda g, fn=fn: fn(z, gamma=g))(-1.0)))


@pytest.mark.parametrize("n", [0, -5, -5.0, np.float32(-5.0), np.int64(0), jnp.asarray(-5.0)])
def test_silverman_gamma_rejects_known_non_positive_n(n):
    with pytest.raises(ValueError, match="^n must be positive"):
        dv.silverman_gamma(n)


def test_silverman_gamma_of_every_known_kind_of_n():
    want = (4 / (3 * 64)) ** 0.4
    for n in (64, 64.0, np.int32(64), np.float32(64), jnp.asarray(64.0)):
        assert float(dv.silverman_gamma(n)) == pytest.approx(want, rel=1e-6)
    assert np.isnan(float(jax.jit(dv.silverman_gamma)(-5.0)))  # traced: documented NaN


@pytest.mark.parametrize(
    "fn", [dv.mmd, dv.cw_distance, dv.sliced_wasserstein], ids=lambda f: f.__name__
)
def test_dimension_zero_is_a_value_error_naming_x(fn):
    x = np.zeros((4, 0), np.float32)
    kwargs = {"key": jax.random.key(0)} if fn is dv.sliced_wasserstein else {}
    with pytest.raises(ValueError, match="^x "):
        fn(x, x, **kwargs)


# ---------------------------------------------------------------- sliced directions


def test_given_directions_are_normalised(rng):
    x = rng.normal(size=(16, 3)).astype(np.float32)
    y = (rng.normal(size=(16, 3)) + 1.0).astype(np.float32)
    unit = np.asarray(dv.random_directions(jax.random.key(3), 6, 3))
    lengths = np.array([1e-20, 1e-3, 0.5, 2.0, 1e3, 1e19], np.float32)[:, None]
    want = float(dv.sliced_wasserstein(x, y, directions=unit))
    got = float(dv.sliced_wasserstein(x, y, directions=unit * lengths))
    assert got == pytest.approx(want, rel=1e-5)
    # The same under jit (a traced array: the safe norm path).
    got_jit = float(jax.jit(dv.sliced_wasserstein)(x, y, directions=unit * lengths))
    assert got_jit == pytest.approx(want, rel=1e-5)
    # And the reference: the mean over unit directions of W_2^2 of the projections,
    # for equal sizes the mean squared gap between sorted projections (numpy, float64).
    unit64 = unit.astype(np.float64) / np.linalg.norm(unit, axis=1, keepdims=True)
    xs, ys = (np.sort(a.astype(np.float64) @ unit64.T, axis=0) for a in (x, y))
    assert want == pytest.approx(np.mean((xs - ys) ** 2), rel=1e-5)


def test_zero_directions_are_rejected_when_known_and_contribute_zero_when_traced(rng):
    x = rng.normal(size=(8, 2)).astype(np.float32)
    zeros = np.zeros((3, 2), np.float32)
    with pytest.raises(ValueError, match=r"^directions must be non-zero rows; rows \[0, 1, 2\]"):
        dv.sliced_wasserstein(x, x + 100.0, directions=zeros)
    with pytest.raises(ValueError, match=r"^directions .* rows \[1\]"):
        dv.sliced_wasserstein(x, x, directions=np.array([[1.0, 0.0], [0.0, 0.0]]))
    # Traced: the zero row projects everything to 0, so it adds 0 to the sum over rows
    # (the documented behaviour) and its gradient is 0, not NaN.
    directions = np.array([[1.0, 0.0], [0.0, 0.0]], np.float32)
    y = x + np.array([2.0, 5.0], np.float32)
    sw = jax.jit(lambda t: dv.sliced_wasserstein(x, y, directions=t))
    assert float(sw(directions)) == pytest.approx(4.0 / 2, rel=1e-6)  # (2² + 0) / 2
    grad = np.asarray(
        jax.jit(jax.grad(lambda t: dv.sliced_wasserstein(x, y, directions=t)))(directions)
    )
    assert np.all(np.isfinite(grad)) and np.all(grad[1] == 0)


# ---------------------------------------------------------------- scale invariance


@pytest.mark.parametrize("scale", [1e-20, 1e-12, 1e12, 1e19])
def test_standardising_statistics_are_scale_invariant_in_float32(scale):
    z = jax.random.normal(jax.random.key(0), (200, 3), jnp.float32)
    z = z @ jnp.array([[1.0, 0.3, 0.0], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
    stat, p_value = dv.henze_zirkler(z)
    stat_scaled, p_scaled = dv.henze_zirkler(z * scale)
    assert 0.05 < float(p_value) < 0.95  # a normal sample: a p-value well inside (0, 1)
    assert float(stat_scaled) == pytest.approx(float(stat), rel=1e-4)
    assert float(p_scaled) == pytest.approx(float(p_value), rel=1e-4)
    nac = float(dv.normalized_absolute_correlation(z))
    assert nac > 0.1  # the mixing matrix correlates two pairs
    assert float(dv.normalized_absolute_correlation(z * scale)) == pytest.approx(nac, rel=1e-5)
    # Each coordinate on its own scale too (correlations are per-pair scale free).
    per_column = z * jnp.array([scale, 1.0, 1.0 / scale])
    assert float(dv.normalized_absolute_correlation(per_column)) == pytest.approx(nac, rel=1e-5)
