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


TWO_STAGE = {"hidden": (16,), "num_steps": 30}  # a few steps: the plumbing is tested


def test_two_stage_metrics_equal_a_direct_computation_and_leave_the_others_alone():
    """evaluate_model(ex_post=("gmm", "two_stage")): *_two_stage metrics equal FD of the
    decoded draws of a CodeVAE fitted with the same key, in the classifier's features; the
    prior and GMM numbers are those of the default evaluation."""
    import types

    import jax.numpy as jnp

    from genjax.evaluation import evaluate_model, frechet_distance, load_feature_extractor
    from genjax.models import build_model, default_model_config

    config = default_model_config("ae")
    config.latent_dim, config.encoder_hidden, config.decoder_hidden = 3, (8,), (8,)
    model = build_model(config, input_shape=(28, 28, 1))
    rng = np.random.default_rng(0)
    dataset = types.SimpleNamespace(name="toy", train=rng.random((120, 28, 28, 1), np.float32),
                                    test=rng.random((60, 28, 28, 1), np.float32))  # fmt: skip
    params, state = model.init(jax.random.key(0), jnp.asarray(dataset.train[:2]))
    key = jax.random.key(5)
    common = dict(key=key, extractor="fashion_mnist", num_samples=50, gmm_components=2)
    both = evaluate_model(model, params, state, dataset, ex_post=("gmm", "two_stage"),
                          two_stage_options=TWO_STAGE, **common)  # fmt: skip
    default = evaluate_model(model, params, state, dataset, **common)
    added = sorted(k for k in both if "two_stage" in k)
    assert added == sorted([
        *(f"{m}_two_stage" for m in ("fd_classifier", "kid_classifier", "precision", "recall",
                                     "density", "coverage", "num_classes", "class_kl")),
        "kid_classifier_two_stage_std"])  # fmt: skip
    assert {k: v for k, v in both.items() if k not in added} == default

    # By hand: the key model_outputs gives the two-stage sampler, its fit and its draws.
    k_outputs, _ = jax.random.split(key)
    k_fit, k_draw = jax.random.split(jax.random.fold_in(k_outputs, 2))
    z_train = model.encode(params, state, jnp.asarray(dataset.train))
    sample = fit_sampler("two_stage", z_train, k_fit, two_stage_options=TWO_STAGE)
    z = np.asarray(sample(k_draw, 50))
    x = np.clip(np.asarray(model.decode(params, state, jnp.asarray(z))), 0.0, 1.0)
    features = load_feature_extractor("fashion_mnist")
    expected = frechet_distance(features(dataset.test[:50]), features(x))
    assert both["fd_classifier_two_stage"] == pytest.approx(expected, rel=1e-4)
    assert both["fd_classifier_two_stage"] != pytest.approx(both["fd_classifier_gmm"], rel=1e-3)
    assert 0 <= both["precision_two_stage"] <= 1


def test_ex_post_names_are_checked():
    from genjax.evaluation.outputs import check_ex_post

    assert check_ex_post("gmm") == ("gmm",)
    assert check_ex_post(["two_stage", "gmm", "two_stage"]) == ("two_stage", "gmm")
    for bad in ("flow", "gmm,flow", ""):
        with pytest.raises(ValueError, match=f"ex_post={bad}: expected some of gmm, two_stage"):
            check_ex_post(bad)
