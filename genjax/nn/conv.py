"""DCGAN-style convolutional encoder and decoder (flax.linen, stateless).

Architecture of the WAE paper (Tolstikhin et al. 2018, appendix; github.com/tolstikhin/wae)
and of the pythae benchmarks (Chadebec et al. 2022):

- encoder: ``len(channels)`` blocks of 4x4 stride-2 conv -> batch norm -> ReLU
  (default channels 128, 256, 512, 1024), flatten, linear Dense to ``features``;
- decoder: linear Dense to ``[h0, w0, channels[0]]`` -> ReLU, ``k`` blocks of
  x2 upsampling to ``channels[i]`` -> batch norm -> ReLU, then a stride-1 conv to the
  image's channels (logits). ``h = h0 * 2**k`` where ``k`` halves the height while it is
  even and above 8: 28 = 7·2² (as WAE's 7x7x1024 MNIST start), 32 = 8·2², 64 = 8·2³
  (as WAE's 8x8x1024 CelebA start).

Batch-norm statistics live in the ``"batch_stats"`` collection: ``train=True`` normalises
with the batch statistics and (with ``mutable=["batch_stats"]``) updates the running
averages; ``train=False`` uses the running averages. Momentum 0.9 and epsilon 1e-5 as in
the WAE code.

Upsampling (``upsampling=``):

- ``"transpose"`` (default): 4x4 stride-2 transposed conv, the papers' choice, with
  ``nn.ConvTranspose``'s parameters, computed by `stride2_conv_transpose`;
- ``"pixel_shuffle"``: 3x3 conv to ``4 * c`` channels, then depth-to-space (Shi et al.
  2016); a stride-2 transposed conv is a special case of it, at 2.25x its parameters;
- ``"resize"``: ``jax.image.resize`` by 2 (``resize_method`` nearest or bilinear), then a
  3x3 conv (Odena et al. 2016, "Deconvolution and checkerboard artifacts").

The 3x3 kernels of the last two are odd so that SAME padding keeps the output centred.

Speed on XLA:CPU. Differentiating a stride-2 conv, or a stride-2 transposed conv, can
take a very slow path in XLA:CPU (DESIGN.md, pitfalls). Both are therefore written as
stride-1 convs and reshapes with the same parameters and results: `stride2_conv` (the
encoder; its input gradient goes through 2x2 blocks) and `stride2_conv_transpose` (one
sub-kernel per output parity). One jitted WAE-MMD step (forward, gradient, Adam), batch
100, 28x28x1, latent 8, measured here (Nov 2026, jax 0.10.2, idle 2-core CPU,
``benchmarks/train_throughput.py --network=conv``), steps/s:

    encoder channels      128-256-512-1024 (DCGAN)     32-64-128
    lax/flax convs        0.09 (pixel_shuffle)         5.7 (pixel_shuffle)
    these, transpose      0.17                         6.1
    these, pixel_shuffle  0.14                         6.2
    these, resize         0.10                         4.6

With flax's own modules the transposed conv's step took ~110 s (its gradient alone
68 s for the first block), hence an earlier pixel-shuffle default. These forms use only
stride-1 convolutions, which every backend handles well; on an accelerator they were
not measured here.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
from jax import lax

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


def depth_to_space(x: jax.Array, r: int = 2) -> jax.Array:
    """``[b, h, w, r*r*c] -> [b, r*h, r*w, c]`` (the pixel-shuffle rearrangement)."""
    b, h, w, rrc = x.shape
    c = rrc // (r * r)
    x = x.reshape(b, h, w, r, r, c)
    x = x.transpose(0, 1, 3, 2, 4, 5)  # [b, h, r, w, r, c]
    return x.reshape(b, h * r, w * r, c)


def space_to_depth(x: jax.Array, r: int = 2) -> jax.Array:
    """``[b, r*h, r*w, c] -> [b, h, w, r*r*c]``, the inverse of `depth_to_space`.

    >>> x = jnp.arange(2 * 4 * 6 * 3.0).reshape(2, 4, 6, 3)
    >>> space_to_depth(x).shape, bool((depth_to_space(space_to_depth(x)) == x).all())
    ((2, 2, 3, 12), True)
    """
    b, rh, rw, c = x.shape
    x = x.reshape(b, rh // r, r, rw // r, r, c)
    x = x.transpose(0, 1, 3, 2, 4, 5)  # [b, h, w, r, r, c]
    return x.reshape(b, rh // r, rw // r, r * r * c)


_NHWC = ("NHWC", "HWIO", "NHWC")


def _stride2_geometry(size: int, k: int, padding: str) -> tuple[int, int]:
    """``(out, pad_lo)`` of a stride-2 conv with a ``k``-wide kernel along one axis."""
    if padding == "SAME":
        out = -(-size // 2)
        return out, max((out - 1) * 2 + k - size, 0) // 2
    if padding == "VALID":
        if size < k:
            raise ValueError(f"VALID conv: input size {size} < kernel size {k}")
        return (size - k) // 2 + 1, 0
    raise ValueError(f"padding={padding!r}; expected 'SAME' or 'VALID'")


def _stride2_conv_native(x, kernel, padding):
    return lax.conv_general_dilated(x, kernel, (2, 2), padding, dimension_numbers=_NHWC)


def _stride2_conv_by_blocks(x, kernel, padding):
    """The same convolution as a stride-1 conv over 2x2 blocks: pad, `space_to_depth`,
    then a ``ceil(k/2)``-wide kernel with the ``k x k`` one's taps regrouped by block.

    With ``x_p`` the padded input and ``K = 2 ceil(k/2)`` (the kernel zero-padded to
    even width), ``y[i] = Σ_{j<K} x_p[2i + j] w[j] = Σ_{q<K/2} Σ_{r<2} B[i + q, r] w[2q + r]``
    where ``B[m, r] = x_p[2m + r]``: a VALID stride-1 conv over the blocks ``B``.
    """
    b, h, w, c = x.shape
    kh, kw, _, c_out = kernel.shape
    (oh, ph), (ow, pw) = _stride2_geometry(h, kh, padding), _stride2_geometry(w, kw, padding)
    bh, bw = -(-kh // 2), -(-kw // 2)  # block-kernel size
    # Padded sizes 2 * (out + block_kernel - 1): every tap a kept output reads, and
    # zeros that meet only the kernel's zero padding.
    x = jnp.pad(x, ((0, 0), (ph, 2 * (oh + bh - 1) - h - ph), (pw, 2 * (ow + bw - 1) - w - pw),
                    (0, 0)))  # fmt: skip
    kernel = jnp.pad(kernel, ((0, 2 * bh - kh), (0, 2 * bw - kw), (0, 0), (0, 0)))
    kernel = kernel.reshape(bh, 2, bw, 2, c, c_out).transpose(0, 2, 1, 3, 4, 5)
    kernel = kernel.reshape(bh, bw, 4 * c, c_out)  # taps in space_to_depth's (r, r, c) order
    return lax.conv_general_dilated(
        space_to_depth(x, 2), kernel, (1, 1), "VALID", dimension_numbers=_NHWC
    )


@functools.partial(jax.custom_jvp, nondiff_argnums=(2,))
def stride2_conv(x: jax.Array, kernel: jax.Array, padding: str = "SAME") -> jax.Array:
    """``x: [b, h, w, c], kernel: [kh, kw, c, c_out] -> [b, ceil(h/2), ceil(w/2), c_out]``
    (``SAME``; ``VALID`` gives ``(h - kh) // 2 + 1``): the stride-2 cross-correlation
    of ``lax.conv_general_dilated`` (and ``nn.Conv(strides=2)``), computed by it, with a
    derivative in ``x`` taken through `_stride2_conv_by_blocks`.

    Why: differentiating a strided conv in its input needs a conv of the input-dilated
    output gradient, which XLA:CPU (jax 0.10) sometimes lowers to a very slow path: at
    batch 100 a 4x4 conv 4x4x512 -> 2x2x1024 (the DCGAN encoder's last block on 28x28)
    took 3.9 s for that gradient against 0.17 s through blocks, 6x6x512 -> 1024 11 s
    against 0.28 s, while the forward pass and the kernel gradient are fine as they are.
    The blocked form is plain stride-1 convs and reshapes, exact up to float rounding,
    and the rule is a JVP (linear in the tangents), so `jax.grad`, `jax.jvp` and
    higher derivatives all work.

    >>> x, kernel = jnp.ones((1, 7, 7, 2)), jnp.ones((4, 4, 2, 3))
    >>> stride2_conv(x, kernel).shape, stride2_conv(x, kernel, "VALID").shape
    ((1, 4, 4, 3), (1, 2, 2, 3))
    >>> float(stride2_conv(x, kernel)[0, 1, 1, 0])  # an interior window: 4 * 4 * 2 ones
    32.0
    """
    return _stride2_conv_native(x, kernel, padding)


@stride2_conv.defjvp
def _stride2_conv_jvp(padding, primals, tangents):
    x, kernel = primals
    dx, dkernel = tangents
    y = _stride2_conv_native(x, kernel, padding)
    # Linear in (dx, dkernel): reverse mode transposes each term on its own, so the
    # input gradient runs through blocks and the kernel gradient natively.
    dy = _stride2_conv_by_blocks(dx, kernel, padding) + _stride2_conv_native(x, dkernel, padding)
    return y, dy


def _transpose_taps(k: int, parity: int) -> tuple[int, int]:
    """``(first tap, input offset)`` of the kernel taps that reach the outputs of one
    parity in a stride-2 SAME transposed conv, whose input ``lax.conv_transpose``
    dilates by 2 and pads by ``k - 1`` (``k < 3``) or ``ceil(k / 2)`` before."""
    pad_before = k - 1 if k < 3 else -(-k // 2)
    first = (pad_before - parity) % 2
    return first, (first - pad_before + parity) // 2


def stride2_conv_transpose(x: jax.Array, kernel: jax.Array) -> jax.Array:
    """``x: [b, h, w, c], kernel: [kh, kw, c, c_out] -> [b, 2h, 2w, c_out]``:
    ``lax.conv_transpose(x, kernel, (2, 2), "SAME")`` (as ``nn.ConvTranspose``), computed
    as four stride-1 convs, one per output parity, interleaved by `depth_to_space`.

    The transposed conv correlates the kernel with the input dilated by 2, so output
    ``2m + r`` meets only the taps ``j ≡ first_r (mod 2)``:
    ``y[2m + r] = Σ_t x[m + offset_r + t] w[first_r + 2t]`` (`_transpose_taps`), a
    stride-1 conv with the sub-kernel ``w[first_r::2]``; no multiply touches a dilation
    zero. Why: on XLA:CPU (jax 0.10) the gradient of the native form takes a very slow
    path: at batch 100, a 4x4 transposed conv 7x7x1024 -> 14x14x512 (the DCGAN decoder's
    first block) took 68 s for forward and gradient, 2.7 s in this form; the forward
    passes cost about the same (0.38 s and 0.41 s).

    >>> y = stride2_conv_transpose(jnp.ones((1, 3, 5, 2)), jnp.ones((4, 4, 2, 3)))
    >>> y.shape
    (1, 6, 10, 3)
    >>> float(y[0, 2, 4, 0])  # interior: 2 x 2 taps x 2 channels of ones
    8.0
    """
    b, h, w, _ = x.shape
    kh, kw = kernel.shape[:2]
    parts = []
    for rh in (0, 1):  # depth_to_space's channel order: (row parity, column parity, c)
        first_h, off_h = _transpose_taps(kh, rh)
        for rw in (0, 1):
            first_w, off_w = _transpose_taps(kw, rw)
            sub = kernel[first_h::2, first_w::2]
            nh, nw = sub.shape[:2]
            # Rows m + off + t for m < h, t < n: pad what falls outside, then crop.
            xp = jnp.pad(x, ((0, 0), (max(0, -off_h), max(0, off_h + nh - 1)),
                             (max(0, -off_w), max(0, off_w + nw - 1)), (0, 0)))  # fmt: skip
            top, left = max(0, off_h), max(0, off_w)
            xp = xp[:, top : top + h + nh - 1, left : left + w + nw - 1]
            parts.append(
                lax.conv_general_dilated(xp, sub, (1, 1), "VALID", dimension_numbers=_NHWC)
            )
    return depth_to_space(jnp.concatenate(parts, axis=-1), 2)


class StridedConvTranspose(nn.Module):
    """``nn.ConvTranspose(features, (k, k), strides=(2, 2), padding="SAME",
    use_bias=False)`` with the same parameters, computed by `stride2_conv_transpose`."""

    features: int
    kernel_size: int = 4

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        k = self.kernel_size
        shape = (k, k, x.shape[-1], self.features)
        kernel = self.param("kernel", nn.initializers.lecun_normal(), shape, jnp.float32)
        return stride2_conv_transpose(x, kernel.astype(x.dtype))


class StridedConv(nn.Module):
    """``nn.Conv(features, (k, k), strides=(2, 2), padding, use_bias=False)`` with the
    same parameters (``kernel: [k, k, c, features]``, LeCun-normal), computed by
    `stride2_conv`."""

    features: int
    kernel_size: int = 4
    padding: str = "SAME"

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        k = self.kernel_size
        shape = (k, k, x.shape[-1], self.features)
        # float32 parameters whatever jax_enable_x64 says, as nn.Conv's param_dtype.
        kernel = self.param("kernel", nn.initializers.lecun_normal(), shape, jnp.float32)
        return stride2_conv(x, kernel.astype(x.dtype), self.padding)


def _batch_norm(train: bool) -> nn.BatchNorm:
    return nn.BatchNorm(use_running_average=not train, momentum=_BN_MOMENTUM, epsilon=_BN_EPSILON)


class Upsample(nn.Module):
    """``[b, h, w, c_in] -> [b, 2h, 2w, channels]`` by one of ``UPSAMPLINGS``."""

    channels: int
    method: str = "transpose"
    resize_method: str = "nearest"
    kernel_size: int = 4

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        # Biases are omitted: batch norm follows and would cancel them.
        if self.method == "transpose":
            return StridedConvTranspose(self.channels, self.kernel_size, name="ConvTranspose_0")(x)
        if self.method == "pixel_shuffle":
            h = nn.Conv(4 * self.channels, (3, 3), padding="SAME", use_bias=False)(x)
            return depth_to_space(h, 2)
        if self.method == "resize":
            b, h, w, c = x.shape
            x = jax.image.resize(x, (b, 2 * h, 2 * w, c), method=self.resize_method)
            return nn.Conv(self.channels, (3, 3), padding="SAME", use_bias=False)(x)
        raise ValueError(f"upsampling={self.method!r}; expected one of {UPSAMPLINGS}")


class ConvEncoder(nn.Module):
    """``x: [b, h, w, c] -> [b, features]``; see the module docstring."""

    features: int
    channels: Sequence[int] = (128, 256, 512, 1024)
    kernel_size: int = 4

    @nn.compact
    def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
        if x.ndim != 4:
            raise ValueError(f"x must be [b, h, w, c] images, got shape {x.shape}")
        h = x
        for i, c in enumerate(self.channels):
            # SAME padding rounds odd sizes up: 28 -> 14 -> 7 -> 4 -> 2. Named as the
            # nn.Conv it replaces, so parameter trees are the same.
            h = StridedConv(c, self.kernel_size, "SAME", name=f"Conv_{i}")(h)
            h = nn.relu(_batch_norm(train)(h))
        h = h.reshape(h.shape[0], -1)
        return nn.Dense(self.features)(h)  # [b, features]


class ConvDecoder(nn.Module):
    """``z: [b, latent_dim] -> [b, *output_shape]`` of logits; see the module docstring.

    ``channels[0]`` is the width of the dense layer's feature map; upsampling block
    ``i`` (1-based) has ``channels[min(i, len(channels) - 1)]`` channels, so the default
    (1024, 512, 256, 128) gives WAE's 512, 256 on 28x28 and 512, 256, 128 on 64x64.
    """

    output_shape: tuple[int, int, int]
    channels: Sequence[int] = (1024, 512, 256, 128)
    upsampling: str = "transpose"
    resize_method: str = "nearest"
    kernel_size: int = 4

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
            h = Upsample(c, self.upsampling, self.resize_method, self.kernel_size)(h)
            h = nn.relu(_batch_norm(train)(h))
        k = (self.kernel_size, self.kernel_size)
        return nn.Conv(out_channels, k, padding="SAME")(h)  # [b, height, width, out_channels]
