"""report.output_metrics with the Inception extractor: ``fid``/``kid`` names, values equal
to the distances computed directly, real features computed once and cached on disk."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from genjax.evaluation import (
    GMM,
    ModelOutputs,
    frechet_distance,
    kernel_inception_distance,
    output_metrics,
)
from genjax.evaluation.extractors import resolve_extractor
from genjax.evaluation.inception import InceptionExtractor


@dataclasses.dataclass(frozen=True, eq=False)
class CheapInception(InceptionExtractor):
    """An InceptionExtractor whose features are a fixed random projection (fast), and
    which counts the images it is asked for."""

    calls: list = dataclasses.field(default_factory=list)

    def __call__(self, images):
        self.calls.append(len(images))
        x = np.asarray(images, np.float64).reshape(len(images), -1)
        w = np.random.default_rng(0).normal(size=(x.shape[1], 6))
        return np.tanh(x @ w).astype(np.float32)


def fake_outputs(rng, m=40, d=2):
    x = lambda: rng.random((m, 6, 6, 1)).astype(np.float32)  # noqa: E731
    gmm = GMM(jnp.ones(1), jnp.zeros((1, d)), jnp.eye(d)[None])
    return ModelOutputs(
        rec_errors=rng.random(m), z_test=rng.normal(size=(m, d)), x_shown=x()[:4],
        x_shown_rec=x()[:4], x_real=x(), z_prior=rng.normal(size=(m, d)), x_prior=x(),
        z_gmm=rng.normal(size=(m, d)), x_gmm=x() * 0.5, gmm=gmm, gmm_info={},
    )  # fmt: skip


def test_inception_metrics_are_named_fid_kid_and_match_direct_computation(
    rng, tmp_path, monkeypatch
):
    monkeypatch.setenv("GENJAX_CACHE", str(tmp_path))
    outputs = fake_outputs(rng)
    extractor = CheapInception(params=None, info={"weights_sha256": "f" * 64})
    key = jax.random.key(3)
    metrics = output_metrics(outputs, key=key, extractor=extractor, dataset_name="toy")
    assert not any(k.startswith("fd_") or "classifier" in k for k in metrics)
    real = extractor(outputs.x_real)
    k_prior, k_gmm = jax.random.split(key)
    for sampler, images, k in (("prior", outputs.x_prior, k_prior), ("gmm", outputs.x_gmm, k_gmm)):
        fake = extractor(images)
        assert metrics[f"fid_{sampler}"] == pytest.approx(frechet_distance(real, fake), rel=1e-6)
        kid, kid_std = kernel_inception_distance(
            jnp.asarray(real), jnp.asarray(fake), k, num_subsets=100, subset_size=40
        )
        assert metrics[f"kid_{sampler}"] == pytest.approx(float(kid), rel=1e-5)
        assert metrics[f"kid_{sampler}_std"] == pytest.approx(float(kid_std), rel=1e-5)
        assert 0 <= metrics[f"precision_{sampler}"] <= 1
    assert metrics["num_samples"] == 40
    # Real features: computed once (first call), then read from the cache.
    cached = list((tmp_path / "features").glob("toy_test_40_ffffffffffff_*.npy"))
    assert len(cached) == 1
    np.testing.assert_array_equal(np.load(cached[0]), real)
    extractor.calls.clear()
    again = output_metrics(outputs, key=key, extractor=extractor, dataset_name="toy")
    assert extractor.calls == [40, 40]  # the prior and GMM samples only
    assert again["fid_prior"] == metrics["fid_prior"]


def test_inception_without_weights_skips_with_the_fetch_command(tmp_path, monkeypatch):
    from genjax.evaluation import extractors
    from genjax.evaluation.inception import weights as inception_weights

    monkeypatch.setenv("GENJAX_CACHE", str(tmp_path))
    monkeypatch.setattr(inception_weights, "_installed_package_file", lambda: None)
    extractors._cached_extractor.cache_clear()
    try:
        features, _, notes = resolve_extractor("inception", (28, 28, 1))
    finally:
        extractors._cached_extractor.cache_clear()
    assert features is None and "genjax.evaluation.inception --fetch" in notes[0]
    features, _, notes = resolve_extractor("inception", (28, 28, 2))
    assert features is None and "1 or 3" in notes[0]


def _numpy_frechet(a, b):
    """FID's formula in float64 numpy/scipy, independent of genjax.evaluation.frechet."""
    import scipy.linalg

    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = scipy.linalg.sqrtm(s_a @ s_b).real
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(s_a + s_b - 2 * root))


def test_inception_fid_against_the_train_images_and_the_real_floor(rng, tmp_path, monkeypatch):
    monkeypatch.setenv("GENJAX_CACHE", str(tmp_path))
    outputs = fake_outputs(rng)._replace(x_train=rng.random((40, 6, 6, 1)).astype(np.float32))
    extractor = CheapInception(params=None, info={"weights_sha256": "f" * 64})
    metrics = output_metrics(
        outputs, key=jax.random.key(3), extractor=extractor, dataset_name="toy"
    )
    # Each image set goes through the network once: test, train, prior, GMM.
    assert extractor.calls == [40, 40, 40, 40]
    train, test = extractor(outputs.x_train), extractor(outputs.x_real)
    for sampler, images in (("prior", outputs.x_prior), ("gmm", outputs.x_gmm)):
        want = _numpy_frechet(train, extractor(images))
        assert metrics[f"fid_{sampler}_train"] == pytest.approx(want, rel=1e-4)
        assert metrics[f"fid_{sampler}_train"] != pytest.approx(metrics[f"fid_{sampler}"])
    assert metrics["fid_real_test_vs_train"] == pytest.approx(_numpy_frechet(train, test), rel=1e-4)
    assert list((tmp_path / "features").glob("toy_train_40_ffffffffffff_*.npy"))
    # Without training images (outputs built by hand), no train-set numbers.
    plain = output_metrics(fake_outputs(rng), key=jax.random.key(3), extractor=extractor)
    assert not any(k.endswith("_train") for k in plain)
