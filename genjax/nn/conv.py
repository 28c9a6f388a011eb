"""DCGAN-style convolutional encoder and decoder (flax.linen, with batch-norm state).

Architecture of the WAE paper (Tolstikhin et al. 2018, appendix; github.com/tolstikhin/wae)
and of the pythae benchmarks (Chadebec et al. 2022):

- encoder: ``len(channels)`` blocks of 4x4 stride-2 conv -> batch norm -> ReLU
  (default channels 128, 256, 512, 1024), flatten, linear Dense to ``features``;
- decoder: linear Dense to ``[h0, w0, channels[0]]`` -> ReLU, ``k`` blocks of
  x2 upsampling to ``channels[i]`` -> batch norm -> ReLU, then a stride-1 conv to the
  image's channels (logits). ``h = h0 * 2**k`` where ``k`` halves the height while it is
  even and above 8: 28 = 7·2² (as WAE's 7x7x1024 MNIST start), 32 = 8·2², 64 = 8·2³
  (as WAE's 8x8x1024 CelebA start).

The networks are not stateless: batch-norm statistics live in the ``"batch_stats"``
collection. ``train=True`` normalises with the batch statistics and (with
``mutable=["batch_stats"]``) updates the running averages; ``train=False`` uses the
running averages. Momentum 0.9 and epsilon 1e-5 as in the WAE code.

Upsampling (``upsampling=``):

- ``"transpose"`` (default): 4x4 stride-2 transposed conv, the papers' choice, with
  ``nn.ConvTranspose``'s parameters;
- ``"pixel_shuffle"``: 3x3 conv to ``4 * c`` channels, then depth-to-space (Shi et al.
  2016); a stride-2 transposed conv is a special case of it, at 2.25x its parameters;
- ``"resize"``: ``jax.image.resize`` by 2 (``resize_method`` nearest or bilinear), then a
  3x3 conv (Odena et al. 2016, "Deconvolution and checkerboard artifacts").

The 3x3 kernels of the last two are odd so that SAME padding keeps the output centred.

How the convolutions are computed: every conv and transposed conv here is a module of
this file (`StridedConv`, `StridedConvTranspose`, `Conv`) with the parameter names,
shapes and initialisers of the flax module it replaces (``nn.Conv``,
``nn.ConvTranspose``), so checkpoints are interchangeable, computed by
`genjax.nn.conv_impl`: XLA's native convolution on GPU/TPU, matrix products on CPU,
where XLA's convolution (and above all its strided-conv gradients) is many times
slower. ``impl=`` on each module, or the ``GENJAX_CONV_IMPL`` environment variable,
forces either (see `genjax.nn.conv_impl`).
"""

from __future__ import annotations

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from genjax.nn.conv_impl import conv2d, conv2d_transpose, depth_to_space, resolve_conv_impl

UPSAMPLINGS = ("transpose", "pixel_shuffle", "resize")
RESIZE_METHODS = ("nearest", "bilinear")
_BN_MOMENTUM = 0.9
_BN_EPSILON = 1e-5


def upsampling_stages(size: int) -> tuple[int, int]:
    """``(k, base)`` with ``size == base * 2**k``: halve while even and above 8.

    >>> upsampling_stages(28), upsampling_stages(32), upsampling_stages(64)
    ((2, 7), (2, 8), (3, 8))
    """
    if size < 1:
        raise ValueError(f"size={size} must be positive")
    k = 0
    while size % 2 == 0 and size > 8:
        size //= 2
        k += 1
    return k, size


def stride2_conv(
    x: jax.Array, kernel: jax.Array, padding: str = "SAME", *, impl: str = "auto"
) -> jax.Array:
    """``x: [b, h, w, c], kernel: [kh, kw, c, c_out] -> [b, ceil(h/2), ceil(w/2), c_out]``
    (``SAME``; ``VALID`` gives ``(h - kh) // 2 + 1``): the stride-2 cross-correlation of
    ``lax.conv_general_dilated`` (and ``nn.Conv(strides=2)``); `conv_impl.conv2d` with
    stride 2.

    >>> x, kernel = jnp.ones((1, 7, 7, 2)), jnp.ones((4, 4, 2, 3))
    >>> stride2_conv(x, kernel).shape, stride2_conv(x, kernel, "VALID").shape
    ((1, 4, 4, 3), (1, 2, 2, 3))
    >>> float(stride2_conv(x, kernel)[0, 1, 1, 0])  # an interior window: 4 * 4 * 2 ones
    32.0
    """
    return conv2d(x, kernel, 2, padding, impl=impl)


def stride2_conv_transpose(x: jax.Array, kernel: jax.Array, *, impl: str = "auto") -> jax.Array:
    """``x: [b, h, w, c], kernel: [kh, kw, c, c_out] -> [b, 2h, 2w, c_out]``:
    ``lax.conv_transpose(x, kernel, (2, 2), "SAME")`` (as ``nn.ConvTranspose``);
    `conv_impl.conv2d_transpose`.

    >>> y = stride2_conv_transpose(jnp.ones((1, 3, 5, 2)), jnp.ones((4, 4, 2, 3)))
    >>> y.shape
    (1, 6, 10, 3)
    >>> float(y[0, 2, 4, 0])  # interior: 2 x 2 taps x 2 channels of ones
    8.0
    """
    return conv2d_transpose(x, kernel, impl=impl)


def _kernel(module: nn.Module, x: jax.Array, k: int, features: int) -> jax.Array:
    # float32 parameters whatever jax_enable_x64 says, as flax's param_dtype.
    shape = (k, k, x.shape[-1], features)
    return module.param("kernel", nn.initializers.lecun_normal(), shape, jnp.float32)


class StridedConv(nn.Module):
    """``x: [b, h, w, c] -> [b, ceil(h/2), ceil(w/2), features]`` (``SAME``):
    ``nn.Conv(features, (k, k), strides=(2, 2), padding, use_bias=False)`` with the same
    parameters (``kernel: [k, k, c, features]``, LeCun-normal), computed by
    `stride2_conv` with ``impl``.

    >>> conv = StridedConv(8)
    >>> params = conv.init(jax.random.key(0), jnp.ones((2, 28, 28, 1)))
    >>> params["params"]["kernel"].shape, conv.apply(params, jnp.ones((2, 28, 28, 1))).shape
    ((4, 4, 1, 8), (2, 14, 14, 8))
    """

    features: int
    kernel_size: int = 4
    padding: str = "SAME"
    impl: str = "auto"

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        kernel = _kernel(self, x, self.kernel_size, self.features)
        dtype = jnp.result_type(x, kernel)
        return stride2_conv(x.astype(dtype), kernel.astype(dtype), self.padding, impl=self.impl)


class StridedConvTranspose(nn.Module):
    """``x: [b, h, w, c] -> [b, 2h, 2w, features]``: ``nn.ConvTranspose(features,
    (k, k), strides=(2, 2), padding="SAME", use_bias=False)`` with the same parameters,
    computed by `stride2_conv_transpose` with ``impl``.

    >>> up = StridedConvTranspose(8)
    >>> params = up.init(jax.random.key(0), jnp.ones((2, 7, 7, 16)))
    >>> params["params"]["kernel"].shape, up.apply(params, jnp.ones((2, 7, 7, 16))).shape
    ((4, 4, 16, 8), (2, 14, 14, 8))
    """

    features: int
    kernel_size: int = 4
    impl: str = "auto"

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        kernel = _kernel(self, x, self.kernel_size, self.features)
        dtype = jnp.result_type(x, kernel)
        return stride2_conv_transpose(x.astype(dtype), kernel.astype(dtype), impl=self.impl)


class Conv(nn.Module):
    """``x: [b, h, w, c] -> [b, h, w, features]`` (``SAME``): ``nn.Conv(features, (k, k),
    padding=padding, use_bias=use_bias)``, stride 1, with the same parameters
    (``kernel: [k, k, c, features]`` LeCun-normal, ``bias: [features]`` zeros), computed
    by `conv_impl.conv2d` with ``impl``.

    >>> conv = Conv(3, kernel_size=3)
    >>> params = conv.init(jax.random.key(0), jnp.ones((2, 8, 8, 4)))
    >>> jax.tree.map(jnp.shape, params["params"])
    {'bias': (3,), 'kernel': (3, 3, 4, 3)}
    >>> conv.apply(params, jnp.ones((2, 8, 8, 4))).shape
    (2, 8, 8, 3)
    """

    features: int
    kernel_size: int = 3
    padding: str = "SAME"
    use_bias: bool = True
    impl: str = "auto"

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        kernel = _kernel(self, x, self.kernel_size, self.features)
        dtype = jnp.result_type(x, kernel)
        y = conv2d(x.astype(dtype), kernel.astype(dtype), 1, self.padding, impl=self.impl)
        if self.use_bias:
            bias = self.param("bias", nn.initializers.zeros_init(), (self.features,), jnp.float32)
            y = y + bias.astype(dtype)
        return y


def _batch_norm(train: bool) -> nn.BatchNorm:
    return nn.BatchNorm(use_running_average=not train, momentum=_BN_MOMENTUM, epsilon=_BN_EPSILON)


class Upsample(nn.Module):
    """``x: [b, h, w, c_in] -> [b, 2h, 2w, channels]`` by one of ``UPSAMPLINGS`` (see the
    module docstring), without bias (batch norm follows and would cancel it).

    >>> up = Upsample(8, method="pixel_shuffle")
    >>> params = up.init(jax.random.key(0), jnp.ones((2, 7, 7, 16)))
    >>> params["params"]["Conv_0"]["kernel"].shape, up.apply(params, jnp.ones((2, 7, 7, 16))).shape
    ((3, 3, 16, 32), (2, 14, 14, 8))
    """

    channels: int
    method: str = "transpose"
    resize_method: str = "nearest"
    kernel_size: int = 4
    impl: str = "auto"

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        # Names as the flax modules these replaced, so parameter trees are the same.
        if self.method == "transpose":
            return StridedConvTranspose(
                self.channels, self.kernel_size, self.impl, name="ConvTranspose_0"
            )(x)
        if self.method == "pixel_shuffle":
            h = Conv(4 * self.channels, 3, use_bias=False, impl=self.impl, name="Conv_0")(x)
            return depth_to_space(h, 2)
        if self.method == "resize":
            b, h, w, c = x.shape
            x = jax.image.resize(x, (b, 2 * h, 2 * w, c), method=self.resize_method)
            return Conv(self.channels, 3, use_bias=False, impl=self.impl, name="Conv_0")(x)
        raise ValueError(f"upsampling={self.method!r}; expected one of {UPSAMPLINGS}")


class ConvEncoder(nn.Module):
    """``x: [b, h, w, c] -> [b, features]``: ``len(channels)`` blocks of
    ``kernel_size`` stride-2 conv -> batch norm -> ReLU, flatten, linear Dense (see the
    module docstring). Spatial sizes round up: 28 -> 14 -> 7 -> 4 -> 2.

    Returns the features; with ``train=True`` and ``mutable=["batch_stats"]``, also the
    updated running statistics. ``impl`` picks the convolution (`genjax.nn.conv_impl`).

    >>> encoder = ConvEncoder(features=6, channels=(4, 8))
    >>> x = jnp.ones((2, 28, 28, 1))
    >>> variables = encoder.init(jax.random.key(0), x)
    >>> sorted(variables), variables["params"]["Conv_1"]["kernel"].shape
    (['batch_stats', 'params'], (4, 4, 4, 8))
    >>> z, updates = encoder.apply(variables, x, train=True, mutable=["batch_stats"])
    >>> z.shape, encoder.apply(variables, x).shape
    ((2, 6), (2, 6))
    """

    features: int
    channels: Sequence[int] = (128, 256, 512, 1024)
    kernel_size: int = 4
    impl: str = "auto"

    @nn.compact
    def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
        if x.ndim != 4:
            raise ValueError(f"x must be [b, h, w, c] images, got shape {x.shape}")
        resolve_conv_impl(self.impl)  # a bad value fails here, not deep in a trace
        h = x
        for i, c in enumerate(self.channels):
            # Named as the nn.Conv it replaces, so parameter trees are the same.
            h = StridedConv(c, self.kernel_size, "SAME", self.impl, name=f"Conv_{i}")(h)
            h = nn.relu(_batch_norm(train)(h))
        h = h.reshape(h.shape[0], -1)
        return nn.Dense(self.features)(h)  # [b, features]


class ConvDecoder(nn.Module):
    """``z: [b, latent_dim] -> [b, *output_shape]`` of logits: Dense to
    ``[h0, w0, channels[0]]`` -> ReLU, ``k`` upsampling blocks with batch norm and ReLU,
    then a ``kernel_size`` stride-1 conv to the image's channels (see the module
    docstring); ``(k, h0) = upsampling_stages(h)``.

    ``channels[0]`` is the width of the dense layer's feature map; upsampling block
    ``i`` (1-based) has ``channels[min(i, len(channels) - 1)]`` channels, so the default
    (1024, 512, 256, 128) gives WAE's 512, 256 on 28x28 and 512, 256, 128 on 64x64.
    ``impl`` picks the convolution (`genjax.nn.conv_impl`).

    >>> decoder = ConvDecoder(output_shape=(28, 28, 1), channels=(8, 4))
    >>> z = jnp.ones((2, 3))
    >>> variables = decoder.init(jax.random.key(0), z)
    >>> variables["params"]["Dense_0"]["kernel"].shape  # to 7 x 7 x 8
    (3, 392)
    >>> decoder.apply(variables, z).shape
    (2, 28, 28, 1)
    """

    output_shape: tuple[int, int, int]
    channels: Sequence[int] = (1024, 512, 256, 128)
    upsampling: str = "transpose"
    resize_method: str = "nearest"
    kernel_size: int = 4
    impl: str = "auto"

    @nn.compact
    def __call__(self, z: jax.Array, train: bool = False) -> jax.Array:
        if len(self.output_shape) != 3:
            raise ValueError(f"output_shape must be (h, w, c), got {self.output_shape}")
        if self.upsampling not in UPSAMPLINGS:
            raise ValueError(f"upsampling={self.upsampling!r}; expected one of {UPSAMPLINGS}")
        if self.resize_method not in RESIZE_METHODS:
            raise ValueError(
                f"resize_method={self.resize_method!r}; expected one of {RESIZE_METHODS}"
            )
        resolve_conv_impl(self.impl)
        height, width, out_channels = self.output_shape
        num_stages, h0 = upsampling_stages(height)
        if width % 2**num_stages:
            raise ValueError(
                f"output_shape={self.output_shape}: width must be divisible by 2**{num_stages}"
            )
        w0 = width // 2**num_stages
        c0 = self.channels[0]
        h = nn.Dense(h0 * w0 * c0)(z).reshape(z.shape[0], h0, w0, c0)
        h = nn.relu(h)
        for i in range(1, num_stages + 1):
            c = self.channels[min(i, len(self.channels) - 1)]
            h = Upsample(c, self.upsampling, self.resize_method, self.kernel_size, self.impl)(h)
            h = nn.relu(_batch_norm(train)(h))
        # [b, height, width, out_channels]
        return Conv(out_channels, self.kernel_size, impl=self.impl, name="Conv_0")(h)
