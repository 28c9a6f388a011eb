"""A user's own labelled data, end to end: train_classifier on a tiny npz of rendered
blobs, provenance in the JSON, and load_feature_extractor by cache name, by folder, by
file and by data source; resolve_extractor_flag's answers and one-line errors."""

import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from genjax.evaluation.classifier import (
    extractor_name,
    extractors_dir,
    find_user_extractor,
    load_feature_extractor,
    resolve_extractor_flag,
)
from genjax.evaluation.train_classifier import train_extractor

NUM_CLASSES = 10


def blobs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` uint8 images [n, 28, 28]: class k is a Gaussian blob centred at the k-th of
    10 points on a circle of radius 9 px, its centre jittered by ±1 px, plus noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, NUM_CLASSES, n)
    angle = 2 * np.pi * labels / NUM_CLASSES
    cy = 13.5 + 9 * np.sin(angle) + rng.uniform(-1, 1, n)
    cx = 13.5 + 9 * np.cos(angle) + rng.uniform(-1, 1, n)
    yy, xx = np.mgrid[:28, :28]
    d2 = (yy[None] - cy[:, None, None]) ** 2 + (xx[None] - cx[:, None, None]) ** 2
    images = np.exp(-d2 / (2 * 2.5**2)) + 0.1 * rng.random((n, 28, 28))
    return (255 * np.clip(images, 0, 1)).astype(np.uint8), labels.astype(np.int64)


@pytest.fixture(scope="module")
def blob_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "my blobs.npz"
    (x_train, y_train), (x_test, y_test) = blobs(320, 0), blobs(100, 1)
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


@pytest.fixture(scope="module")
def trained(blob_file, tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GENJAX_CACHE", str(cache))
        weights, record, info = train_extractor(
            f"npz:{blob_file}", epochs=4, batch_size=32, command="the command", log=lambda _: None
        )
    return cache, weights, record, info


@pytest.fixture
def cache(trained, monkeypatch):
    monkeypatch.setenv("GENJAX_CACHE", str(trained[0]))
    return trained[0]


def test_weights_go_to_the_user_cache_with_provenance(blob_file, trained):
    cache, weights, record, info = trained
    assert weights == str(cache / "extractors" / "my_blobs" / "my_blobs.npz")
    assert json.loads(open(record).read()) == {**info, **json.loads(open(record).read())}
    assert info["data_source"] == f"npz:{blob_file}" and info["data_path"] == str(blob_file)
    assert info["data_sha256"] == hashlib.sha256(blob_file.read_bytes()).hexdigest()
    assert info["command"] == "the command" and info["date"].startswith("20")
    assert info["architecture"]["num_classes"] == NUM_CLASSES
    assert (info["train_examples"], info["test_examples"]) == (320, 100)
    # 10 well-separated blobs: a few epochs learn them; chance is 0.1.
    assert info["test_accuracy"] >= 0.9


def test_loads_by_name_folder_file_and_data_source(blob_file, trained, cache):
    _, weights, _, info = trained
    x_test, y_test = blobs(100, 1)
    x_test = x_test[..., None] / np.float32(255)
    by_name = load_feature_extractor("my_blobs")
    # The recorded accuracy is the loaded weights' accuracy on the same test split.
    assert by_name.accuracy(x_test, y_test) == info["test_accuracy"]
    features = np.asarray(by_name(x_test[:5]))
    assert features.shape == (5, 128)
    for name in (os.path.dirname(weights), weights, weights[:-4] + ".json", f"npz:{blob_file}"):
        loaded = load_feature_extractor(name)
        assert loaded.info == by_name.info, name
        np.testing.assert_array_equal(np.asarray(loaded(x_test[:5])), features)


def test_resolve_extractor_flag(trained, cache, tmp_path):
    _, weights, _, _ = trained
    assert resolve_extractor_flag(None) is None and resolve_extractor_flag("none") is None
    assert resolve_extractor_flag("auto") == "auto"
    from genjax.evaluation.inception import weights as inception_weights

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GENJAX_CACHE", str(tmp_path / "empty_cache"))
        mp.setattr(inception_weights, "_installed_package_file", lambda: None)
        with pytest.raises(FileNotFoundError, match="genjax.evaluation.inception --fetch"):
            resolve_extractor_flag("inception")
        inception_weights.weights_path().parent.mkdir(parents=True)
        inception_weights.weights_path().write_bytes(b"stand-in")
        assert resolve_extractor_flag("inception") == "inception"
    assert resolve_extractor_flag("fashion_mnist") == "fashion_mnist"  # shipped
    assert resolve_extractor_flag("my_blobs") == "my_blobs"  # cached
    assert resolve_extractor_flag(os.path.dirname(weights)) == weights  # absolute .npz
    with pytest.raises(FileNotFoundError, match=r"--extractor=mnist.*\['my_blobs'\]"):
        resolve_extractor_flag("mnist")
    with pytest.raises(FileNotFoundError, match="no weights at"):
        resolve_extractor_flag(str(tmp_path))
    assert find_user_extractor("fashion_mnist") is None  # the package's, not the cache's


def test_a_data_source_without_an_extractor_names_the_train_command(cache, tmp_path):
    with pytest.raises(FileNotFoundError, match="train_classifier --dataset=npz:/"):
        load_feature_extractor(f"npz:{tmp_path}/other.npz")


def test_unlabelled_or_misshapen_data_is_one_clear_error(tmp_path, cache):
    x, _ = blobs(40, 0)
    np.savez(tmp_path / "x.npz", x_train=x)
    with pytest.raises(ValueError, match="no labels; save the images and integer labels"):
        train_extractor(f"npz:{tmp_path / 'x.npz'}", log=lambda _: None)
    np.savez(tmp_path / "y.npz", x_train=x[:, :20, :20], y_train=np.zeros(40, np.int64))
    with pytest.raises(ValueError, match=r"takes \(28, 28, 1\) images.*\(20, 20, 1\)"):
        train_extractor(f"npz:{tmp_path / 'y.npz'}", log=lambda _: None)
    assert not extractors_dir().joinpath("x").exists()


def test_extractor_name():
    assert extractor_name("npz:/a/b/digits.npz") == "digits"
    assert extractor_name("csv:~/my data.csv") == "my_data"
    assert extractor_name("mnist") == "mnist"


@pytest.mark.slow  # a subprocess importing jax and training: ~15 s on 2 cores
def test_the_command_writes_into_out_and_records_itself(blob_file, tmp_path):
    out = tmp_path / "mine"
    argv = ["-m", "genjax.evaluation.train_classifier", f"--dataset=npz:{blob_file}",
            "--epochs=1", "--batch_size=64", f"--out={out}"]  # fmt: skip
    env = dict(os.environ, GENJAX_CACHE=str(tmp_path / "cache"), OPENBLAS_NUM_THREADS="1")
    done = subprocess.run([sys.executable, *argv], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    info = json.loads((out / "my_blobs.json").read_text())
    assert info["command"] == "python -m " + " ".join(
        [a if " " not in a else f"'{a}'" for a in argv[1:]]
    )
    assert f"--extractor={out}" in done.stdout
    assert not (tmp_path / "cache").exists()  # --out: nothing in the cache
