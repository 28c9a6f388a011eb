"""Ex-post samplers: each kind draws codes that follow what it was fitted to, and the
model's own prior is used where it is learned."""

import jax
import numpy as np
import pytest

from genjax.evaluation.samplers import ex_post_codes, fit_sampler, model_prior_codes
from tests.models.helpers import tiny_setup


def _codes(n=2000):
    """Two well-separated clusters of different widths and scales."""
    rng = np.random.default_rng(0)
    side = rng.integers(0, 2, (n, 1))
    z = rng.normal(size=(n, 2)) * [0.5, 2.0] + [3.0, -1.0] + side * [4.0, 6.0]
    return z.astype(np.float32)


@pytest.mark.parametrize("kind", ["gmm", "two_stage"])
def test_fitted_samplers_match_the_codes(kind):
    z = _codes()
    options = {"gmm_components": 2} if kind == "gmm" else {
        "two_stage_options": {"hidden": (32, 32), "num_steps": 1500, "learning_rate": 3e-3}
    }  # fmt: skip
    sample = fit_sampler(kind, z, jax.random.key(1), **options)
    s = np.asarray(sample(jax.random.key(2), 2000))
    assert s.shape == (2000, 2) and np.all(np.isfinite(s))
    np.testing.assert_allclose(s.mean(0), z.mean(0), atol=0.3)
    np.testing.assert_allclose(s.std(0), z.std(0), rtol=0.3)


def test_prior_uses_a_learned_prior_when_there_is_one():
    model, params, state = tiny_setup("vamp", num_pseudo_inputs=4)
    key = jax.random.key(3)
    np.testing.assert_array_equal(
        model_prior_codes(model, params, state, key, 5),
        model.sample_codes(params, state, key, 5),
    )
    model, params, state = tiny_setup("ae")
    np.testing.assert_array_equal(
        model_prior_codes(model, params, state, key, 5), jax.random.normal(key, (5, 3))
    )
    z = ex_post_codes("prior", model, params, state, None, key, 7)
    assert z.shape == (7, 3)
    with pytest.raises(ValueError, match="kind='flow'"):
        fit_sampler("flow", _codes(), key)
