"""GAN networks: the DCGAN generator and discriminator, and a LeakyReLU MLP critic.

DCGAN (Radford, Metz, Chintala, "Unsupervised Representation Learning with Deep
Convolutional Generative Adversarial Networks", ICLR 2016, Sec. 3-4; official code
github.com/Newmu/dcgan_code), parametrised by image shape ``(h, w, c)``. With ``k`` the
number of halvings of ``h`` while it is even and above 4 (`dcgan_stages`: 28 = 7·2²,
32 = 4·2³, 64 = 4·2⁴, the paper's 4x4 start):

- generator ``z: [b, latent_dim] -> [b, h, w, c]`` logits: Dense to
  ``[h/2^k, w/2^k, channels[k-1]]`` -> batch norm -> ReLU, then ``k - 1`` blocks of
  4x4 stride-2 transposed conv to ``channels[k-2], ..., channels[0]`` -> batch norm ->
  ReLU, then a last 4x4 stride-2 transposed conv (with bias, no batch norm) to ``c``
  channels. The paper ends in tanh for images in [-1, 1]; our images lie in [0, 1] and
  the model applies a sigmoid (``output_activation``), the same map up to an affine
  change of variables (``sigmoid(2a) = (tanh(a) + 1) / 2``). 64x64x3 with the default
  channels: 4x4x1024 -> 8x8x512 -> 16x16x256 -> 32x32x128 -> 64x64x3, the paper's
  Figure 1; 28x28x1: 7x7x256 -> 14x14x128 -> 28x28x1.
- discriminator ``x: [b, h, w, c] -> [b]`` logits: ``k`` blocks of 4x4 stride-2 conv to
  ``channels[0], ..., channels[k-1]`` -> normalisation (none after the first conv, as in
  the paper) -> LeakyReLU(0.2), flatten, Dense to 1. ``normalization="batch"`` is the
  paper's; WGAN-GP needs a critic without batch norm (the penalty is per example), so
  ``"layer"`` (Gulrajani et al. 2017, Sec. 4) and ``"none"`` are offered.

Initialisation as in the paper: every conv, transposed conv and dense kernel
``N(0, 0.02²)``, batch-norm scales ``N(1, 0.02²)``, biases and offsets 0.

The strided (transposed) convs are `genjax.nn.stride2_conv` and
`genjax.nn.stride2_conv_transpose`, the stride-1 forms whose gradients are fast on
XLA:CPU, with ``nn.Conv``/``nn.ConvTranspose``'s parameter layout.
"""

from __future__ import annotations

from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp

from genjax.nn.conv import stride2_conv, stride2_conv_transpose

DCGAN_INIT_STD = 0.02
NORMALIZATIONS = ("batch", "layer", "none")
_BN_MOMENTUM = 0.9  # PyTorch's 0.1 in flax's convention
_BN_EPSILON = 1e-5


def dcgan_stages(size: int) -> tuple[int, int]:
    """``(k, base)`` with ``size == base * 2**k``: halve while even and above 4.

    >>> dcgan_stages(28), dcgan_stages(32), dcgan_stages(64)
    ((2, 7), (3, 4), (4, 4))
    """
    if size < 1:
        raise ValueError(f"size={size} must be positive")
    k = 0
    while size % 2 == 0 and size > 4:
        size //= 2
        k += 1
    return k, size


def _normal(std: float = DCGAN_INIT_STD, mean: float = 0.0):
    def init(key, shape, dtype=jnp.float32):
        return mean + std * jax.random.normal(key, shape, dtype)

    return init


def _image_stages(shape: Sequence[int]) -> tuple[int, int, int]:
    """``(k, h0, w0)`` for an ``(h, w, c)`` image; ValueError for a shape DCGAN cannot make."""
    if len(shape) != 3:
        raise ValueError(f"DCGAN networks need images (h, w, c), got shape {tuple(shape)}")
    height, width, _ = shape
    k, h0 = dcgan_stages(height)
    if k == 0 or width % 2**k:
        raise ValueError(
            f"image shape {tuple(shape)}: the height must be even and the width divisible by 2**{k}"
        )
    return k, h0, width // 2**k


def _batch_norm(train: bool) -> nn.BatchNorm:
    return nn.BatchNorm(
        use_running_average=not train,
        momentum=_BN_MOMENTUM,
        epsilon=_BN_EPSILON,
        scale_init=_normal(mean=1.0),
    )


class DCGANConv(nn.Module):
    """4x4 stride-2 SAME conv without bias (a normalisation follows), N(0, 0.02) init."""

    features: int
    kernel_size: int = 4
    impl: str = "auto"  # see genjax.nn.conv_impl

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        k = self.kernel_size
        kernel = self.param("kernel", _normal(), (k, k, x.shape[-1], self.features), jnp.float32)
        return stride2_conv(x, kernel.astype(x.dtype), "SAME", impl=self.impl)


class DCGANConvTranspose(nn.Module):
    """4x4 stride-2 SAME transposed conv, N(0, 0.02) init; a bias only when asked (the
    last layer: the others are followed by batch norm, which would cancel it)."""

    features: int
    kernel_size: int = 4
    use_bias: bool = False
    impl: str = "auto"

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        k = self.kernel_size
        kernel = self.param("kernel", _normal(), (k, k, x.shape[-1], self.features), jnp.float32)
        y = stride2_conv_transpose(x, kernel.astype(x.dtype), impl=self.impl)
        if self.use_bias:
            y = y + self.param("bias", nn.initializers.zeros, (self.features,), jnp.float32)
        return y


class DCGANGenerator(nn.Module):
    """``z: [b, latent_dim] -> [b, *output_shape]`` logits; see the module docstring.

    >>> g, d = DCGANGenerator((28, 28, 1)), DCGANDiscriminator()
    >>> z = jnp.zeros((2, 100))
    >>> variables = jax.eval_shape(g.init, jax.random.key(0), z)
    >>> jax.eval_shape(g.apply, variables, z).shape
    (2, 28, 28, 1)
    >>> x = jnp.zeros((2, 64, 64, 3))
    >>> jax.eval_shape(d.apply, jax.eval_shape(d.init, jax.random.key(0), x), x).shape
    (2,)
    """

    output_shape: tuple[int, int, int]
    channels: Sequence[int] = (128, 256, 512, 1024)
    impl: str = "auto"

    @nn.compact
    def __call__(self, z: jax.Array, train: bool = False) -> jax.Array:
        k, h0, w0 = _image_stages(self.output_shape)
        width = [self.channels[min(i, len(self.channels) - 1)] for i in range(k)]
        h = nn.Dense(h0 * w0 * width[k - 1], use_bias=False, kernel_init=_normal())(z)
        h = h.reshape(z.shape[0], h0, w0, width[k - 1])
        h = nn.relu(_batch_norm(train)(h))
        for i in reversed(range(k - 1)):
            h = nn.relu(_batch_norm(train)(DCGANConvTranspose(width[i], impl=self.impl)(h)))
        out = DCGANConvTranspose(self.output_shape[-1], use_bias=True, impl=self.impl)(h)
        return out  # [b, h, w, c]


class DCGANDiscriminator(nn.Module):
    """``x: [b, h, w, c] -> [b]`` logits; see the module docstring."""

    channels: Sequence[int] = (128, 256, 512, 1024)
    normalization: str = "batch"
    negative_slope: float = 0.2
    impl: str = "auto"

    @nn.compact
    def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
        if self.normalization not in NORMALIZATIONS:
            raise ValueError(
                f"normalization={self.normalization!r}; expected one of {NORMALIZATIONS}"
            )
        k, _, _ = _image_stages(x.shape[1:])
        h = x
        for i in range(k):
            h = DCGANConv(self.channels[min(i, len(self.channels) - 1)], impl=self.impl)(h)
            if i > 0 and self.normalization == "batch":
                h = _batch_norm(train)(h)
            elif i > 0 and self.normalization == "layer":
                # Over h, w, c of each example: independent of the rest of the batch.
                h = nn.LayerNorm(epsilon=_BN_EPSILON, reduction_axes=(-3, -2, -1))(h)
            h = nn.leaky_relu(h, self.negative_slope)
        h = h.reshape(h.shape[0], -1)
        return nn.Dense(1, kernel_init=_normal())(h)[:, 0]  # [b]


class MLPDiscriminator(nn.Module):
    """``x: [b, ...] -> [b]`` logits: flatten, Dense + LeakyReLU(0.2) per hidden layer, a
    linear Dense to 1 (no batch norm: every example is scored on its own, as the
    gradient penalty needs). The usual GAN MLP critic (e.g. Goodfellow et al. 2014
    used maxout; LeakyReLU 0.2 is the DCGAN paper's choice for discriminators)."""

    hidden: Sequence[int] = (512, 256)
    negative_slope: float = 0.2

    @nn.compact
    def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
        del train
        h = x.reshape(x.shape[0], -1)
        for width in self.hidden:
            h = nn.leaky_relu(nn.Dense(width)(h), self.negative_slope)
        return nn.Dense(1)(h)[:, 0]  # [b]
