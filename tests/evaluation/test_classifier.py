"""The shipped feature extractor: provenance, recorded accuracy, compile-once batching,
and the sanity checks real evaluators run (FD grows with noise and blur)."""

import json

import jax
import numpy as np
import pytest
import scipy.ndimage

import genjax.data
from genjax.evaluation import (
    FeatureExtractor,
    frechet_distance,
    load_feature_extractor,
    sample_quality,
    weights_dir,
)
from genjax.evaluation.classifier import apply_classifier, sha256_hex
from genjax.evaluation.train_classifier import train, write_weights

# Test images for the distortion checks: enough for stable 128-d covariances
# (FD with n=500 has a finite-sample bias well below the smallest distortion's).
NUM_REAL = 500


@pytest.fixture(scope="module")
def fashion():
    try:
        return genjax.data.load("fashion_mnist", max_train=1, download=False)
    except FileNotFoundError as e:
        pytest.skip(f"Fashion-MNIST is not on this machine: {e}")


@pytest.fixture(scope="module")
def extractor():
    return load_feature_extractor("fashion_mnist")


@pytest.fixture(scope="module")
def real(fashion):
    return fashion.test[:NUM_REAL]


def test_weights_match_their_record(extractor):
    data = weights_dir().joinpath("fashion_mnist.npz").read_bytes()
    info = json.loads(weights_dir().joinpath("fashion_mnist.json").read_text())
    assert sha256_hex(data) == info["weights_sha256"]
    assert len(data) == info["weights_bytes"] < 5_000_000
    assert info["dataset"] == "fashion_mnist" and info["test_accuracy"] >= 0.9
    assert extractor.info == info


def numpy_classifier(params, images):
    """The `Classifier`'s forward pass in float32 NumPy: TF-style SAME padding for the
    stride-2 convs (total pad max((out−1)·2 + k − in, 0), the smaller half before)."""
    x = images.astype(np.float32)
    for name in ("Conv_0", "Conv_1"):
        kernel = np.asarray(params[name]["kernel"], np.float32)  # [k, k, c_in, c_out]
        k, size = kernel.shape[0], x.shape[1]
        out = -(-size // 2)
        pad = max((out - 1) * 2 + k - size, 0)
        x = np.pad(x, ((0, 0), (pad // 2, pad - pad // 2), (pad // 2, pad - pad // 2), (0, 0)))
        y = np.zeros((x.shape[0], out, out, kernel.shape[3]), np.float32)
        for a in range(k):
            for b in range(k):
                patch = x[:, a : a + 2 * out : 2, b : b + 2 * out : 2]  # [n, out, out, c_in]
                y += (patch.reshape(-1, patch.shape[-1]) @ kernel[a, b]).reshape(y.shape)
        x = np.maximum(y + np.asarray(params[name]["bias"]), 0.0)
    x = x.reshape(len(x), -1)
    features = np.maximum(x @ params["Dense_0"]["kernel"] + params["Dense_0"]["bias"], 0.0)
    return features, features @ params["Dense_1"]["kernel"] + params["Dense_1"]["bias"]


def test_reaches_recorded_accuracy(fashion, extractor):
    # Against an independent forward pass (NumPy) of the stored weights and the
    # dataset's own labels, not only against the accuracy the project recorded: features
    # agree, and the accuracy on 2000 test images (standard error ~0.006) reaches what a
    # 2-conv net does on Fashion-MNIST (~0.91) and the recorded whole-split 0.918.
    params = jax.device_get(extractor.params["params"])
    images, labels = fashion.test[:2000], fashion.test_labels[:2000]
    features, logits = numpy_classifier(params, images)
    np.testing.assert_allclose(extractor(images[:300]), features[:300], rtol=1e-4, atol=1e-4)
    accuracy = float(np.mean(logits.argmax(axis=1) == labels))
    assert accuracy >= 0.9
    assert abs(accuracy - extractor.info["test_accuracy"]) <= 0.02
    # Float32 rounding may flip a near-tied prediction or two.
    assert abs(extractor.accuracy(images, labels) - accuracy) <= 0.002
    assert fashion.test.shape[0] == extractor.info["test_examples"]


def test_features_shape_and_compile_once(real, extractor):
    batch = extractor.batch_size
    first = extractor(real[:1])  # compiles, unless an earlier test did
    compiled = apply_classifier._cache_size()
    for n in (1, 7, batch + 3):  # within one batch, and across a batch boundary
        features = extractor(real[:n])
        assert features.shape == (n, 128) and features.dtype == np.float32
        assert bool(np.all(np.asarray(features) >= 0))  # ReLU features
        # A row's features do not depend on what else is in its padded batch.
        np.testing.assert_allclose(features[:1], first, rtol=1e-6, atol=1e-6)
    assert extractor.logits(real[:3]).shape == (3, 10)
    assert extractor.predict(real[:3]).shape == (3,)
    assert apply_classifier._cache_size() == compiled


def test_rejects_images_outside_the_contract(real, extractor):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        extractor(2.0 * real[:4] - 1.0)  # a tanh decoder's range
    with pytest.raises(ValueError, match="images must be"):
        extractor(real[:4, :, :, 0])


def test_missing_weights_name_the_train_command():
    with pytest.raises(
        FileNotFoundError, match="python -m genjax.evaluation.train_classifier --dataset=mnist"
    ):
        load_feature_extractor("mnist")


def _fd(extractor, real_features, images):
    return frechet_distance(real_features, extractor(images))


def test_fd_is_zero_on_itself_and_grows_with_noise(real, extractor):
    real_features = extractor(real)
    scale = _fd(extractor, real_features, np.clip(real + 0.05, 0, 1))
    assert abs(_fd(extractor, real_features, real)) < 1e-9 * max(scale, 1.0)
    noise = np.random.default_rng(0).normal(size=real.shape).astype(np.float32)
    fds = [
        _fd(extractor, real_features, np.clip(real + sigma * noise, 0, 1))
        for sigma in (0.05, 0.1, 0.2, 0.4)
    ]
    assert fds[0] > 0 and all(a < b for a, b in zip(fds, fds[1:], strict=False)), fds


def test_fd_grows_with_blur(real, extractor):
    real_features = extractor(real)
    fds = [
        # Blur within each image only (sigma 0 on the batch and channel axes);
        # zero padding, since Fashion-MNIST's background is black.
        _fd(
            extractor,
            real_features,
            scipy.ndimage.gaussian_filter(real, sigma=(0, s, s, 0), mode="constant"),
        )
        for s in (0.5, 1.0, 1.5, 2.0)
    ]
    assert fds[0] > 0 and all(a < b for a, b in zip(fds, fds[1:], strict=False)), fds


def test_sample_quality(real, extractor):
    same = sample_quality(real, real, extractor=extractor, key=jax.random.key(0), kid_subsets=5)
    assert set(same) == {
        "fd_classifier",
        "kid_classifier",
        "kid_classifier_std",
        "precision_classifier",
        "recall_classifier",
        "density_classifier",
        "coverage_classifier",
    }
    assert abs(same["fd_classifier"]) < 1e-6
    assert same["precision_classifier"] == same["recall_classifier"] == 1.0
    assert same["coverage_classifier"] == 1.0
    noisy_images = np.clip(real + 0.3 * np.random.default_rng(1).normal(size=real.shape), 0, 1)
    noisy = sample_quality(real, noisy_images, extractor=extractor, key=0, kid_subsets=5)
    assert noisy["fd_classifier"] > 1.0 and noisy["kid_classifier"] > 10 * abs(
        same["kid_classifier"]
    )
    assert noisy["precision_classifier"] < 1.0


def test_sample_quality_takes_any_features_function(real):
    # The pluggable format: images [n, H, W, C] in [0, 1] -> features [n, k].
    def pixels(images):
        # 128 central pixels: the classifier's feature size, so the metrics'
        # jitted functions are reused rather than compiled again.
        return np.asarray(images).reshape(len(images), -1)[:, 328:456]  # [n, 128]

    metrics = sample_quality(
        real, real[::-1], extractor=pixels, key=0, name="pixels", kid_subsets=5
    )
    assert abs(metrics["fd_pixels"]) < 1e-9 and "kid_pixels_std" in metrics


def test_written_weights_load_back(tmp_path, real, extractor):
    info = {k: v for k, v in extractor.info.items() if not k.startswith("weights_")}
    write_weights(extractor.params, info, str(tmp_path), "my_set")
    loaded = load_feature_extractor("my_set", directory=tmp_path)
    np.testing.assert_array_equal(loaded(real[:4]), extractor(real[:4]))
    by_path = load_feature_extractor(str(tmp_path / "my_set.npz"))  # as --extractor=PATH
    np.testing.assert_array_equal(by_path(real[:4]), extractor(real[:4]))
    assert by_path.batch_size == 256


def test_tampered_weights_are_refused(tmp_path, extractor):
    info = dict(extractor.info, weights_sha256="0" * 64)
    write_weights(extractor.params, info, str(tmp_path), "my_set")
    (tmp_path / "my_set.json").write_text(json.dumps(info))
    with pytest.raises(ValueError, match="sha256"):
        load_feature_extractor("my_set", directory=tmp_path)


@pytest.mark.slow
def test_train_learns(fashion):
    # A smoke test of the training loop; the shipped weights are its full run.
    params = train(fashion.test[:2048], fashion.test_labels[:2048], epochs=2, batch_size=128)
    accuracy = FeatureExtractor(params).accuracy(fashion.test[-1000:], fashion.test_labels[-1000:])
    assert accuracy > 0.6
