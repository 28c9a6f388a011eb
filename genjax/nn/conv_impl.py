"""Convolutions computed by XLA's native op or as matrix products, chosen by backend.

Every function here computes exactly what ``lax`` computes (NHWC inputs, HWIO
kernels, flax's conventions), with the same parameters, by one of ``CONV_IMPLS``:

- ``"xla"``: ``lax.conv_general_dilated`` / ``lax.conv_transpose``, the native op, the
  right choice on GPU and TPU;
- ``"matmul"``: slices of the padded input and one matrix product per convolution
  (im2col), or one product then shifted sums when the output is much narrower than
  the input (col2im); the 4x4 stride-2 SAME convs of DCGAN networks with at least
  ``WINOGRAD_MIN_CHANNELS`` channels by `space_to_depth` and Winograd's F(2x2, 2x2)
  (nine products of ``[b·tiles, 4c] @ [4c, c_out]`` per 2x2 output tile where im2col
  spends the FLOPs of sixteen); the transposed conv as the linear transpose of a
  stride-2 such conv (so it inherits whichever of these that conv uses);
- ``"auto"`` (default): the ``GENJAX_CONV_IMPL`` environment variable if it is set
  (to ``xla`` or ``matmul``), else ``matmul`` on CPU and ``xla`` elsewhere. An
  explicit ``"xla"`` or ``"matmul"`` argument wins over the variable.

Why: XLA:CPU's convolution is far slower than its matrix product, worst for the
gradients of strided and transposed convs. Forward + gradient (input and kernel),
batch 100, float32, jax 0.10.2 on this 2-core CPU (loaded by other jobs; best of 3):

    DCGAN encoder, 4x4 stride 2, 32x32x1 -> 128-256-512-1024:
        xla 4.0 s (3.8 s in the last layer alone); matmul 0.24 s; torch 2.13 1.7 s
    transposed 4x4 stride 2, 8x8x1024 -> 512 and 16x16x512 -> 256:
        xla (flax ConvTranspose) > 60 s; xla, per parity 31 s; matmul 6.2 s; torch 9.3 s

One pinned, heavily shared core (CPU seconds of this process, 1 run each), 14x14x512 ->
256 transposed, forward + both gradients: matmul as four per-parity convs 7.7 s, as the
transpose of the strided conv 4.8 s; torch 2.13 (1 thread) 6.6 s.

Winograd (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016):
a 4x4 stride-2 conv is a 2x2 stride-1 conv of the space-to-depth input (4c channels);
F(2x2, 2x2) computes its 2x2 output tiles from 3x3 input tiles with 9 channel products
instead of 16 (transforms with 0/±1 entries only: float64 results agree with lax to
1e-13). Odd outputs are padded to even tiles (7x7 costs 8x8). Forward + both
gradients, batch 100, best of 3, Dec 2026, CPU seconds of this process on one pinned
core shared with the test suite: 8x8x256 -> 512 conv 0.33 s im2col / 0.25 s Winograd;
transposed 7x7x1024 -> 512 3.3 / 3.0 s (the odd 7x7 wastes most of the gain) and
14x14x512 -> 256 3.8 / 2.5 s. Torch 2.13 (1 thread) on the same three, wall clock on a
core of its own: 0.42, 6.2 and 4.4 s. F(4x4, 2x2) (points 0, ±1, 1/2) was tried too: no
faster here (more transform work, 2e-4 float32 error against 3e-5).

Memory. The matmul form materialises a patches tensor: ``out_pixels * k² * c_in``
numbers per example for im2col, ``in_pixels * k² * c_out`` for col2im (whichever the
rule in `_use_col2im` picks), ``9/4 * out_pixels * 4 c_in`` (even-padded) for Winograd's
transformed tiles. It is computed under ``jax.checkpoint``, so the backward
pass recomputes it instead of keeping it alive between the passes, and a convolution
whose patches would exceed ``MAX_PATCH_BYTES`` (256 MiB) runs over chunks of the batch
(``lax.map``), so that one convolution never holds more than that bound of patches.
"""

from __future__ import annotations

import os

import jax
import jax.numpy as jnp
from jax import lax

CONV_IMPLS = ("auto", "xla", "matmul")
CONV_IMPL_ENV = "GENJAX_CONV_IMPL"
MAX_PATCH_BYTES = 256 * 2**20
WINOGRAD_MIN_CHANNELS = 32
_NHWC = ("NHWC", "HWIO", "NHWC")


def resolve_conv_impl(impl: str = "auto", backend: str | None = None) -> str:
    """``"xla"`` or ``"matmul"``: ``impl`` itself, or for ``"auto"`` the
    ``GENJAX_CONV_IMPL`` environment variable, else ``matmul`` on CPU, ``xla`` elsewhere
    (``backend``, default ``jax.default_backend()``).

    >>> resolve_conv_impl("xla"), resolve_conv_impl("matmul")
    ('xla', 'matmul')
    """
    if impl not in CONV_IMPLS:
        raise ValueError(f"impl={impl!r}; expected one of {CONV_IMPLS}")
    if impl == "auto":
        impl = os.environ.get(CONV_IMPL_ENV, "") or "auto"
        if impl not in CONV_IMPLS:
            raise ValueError(f"{CONV_IMPL_ENV}={impl!r}; expected one of {CONV_IMPLS}")
    if impl == "auto":
        backend = jax.default_backend() if backend is None else backend
        impl = "matmul" if backend == "cpu" else "xla"
    return impl


def depth_to_space(x: jax.Array, r: int = 2) -> jax.Array:
    """``[b, h, w, r*r*c] -> [b, r*h, r*w, c]`` (the pixel-shuffle rearrangement):
    ``y[:, r*i + p, r*j + q, :] = x[:, i, j, (p*r + q)*c : (p*r + q + 1)*c]``.

    >>> depth_to_space(jnp.arange(8.0).reshape(1, 1, 1, 8)).shape
    (1, 2, 2, 2)
    """
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


def _geometry(size: int, k: int, stride: int, padding: str) -> tuple[int, int, int]:
    """``(out, pad_lo, pad_hi)`` along one axis, as ``lax.conv_general_dilated``."""
    if padding == "SAME":
        out = -(-size // stride)
        total = max((out - 1) * stride + k - size, 0)
        return out, total // 2, total - total // 2
    if padding == "VALID":
        if size < k:
            raise ValueError(f"VALID conv: input size {size} < kernel size {k}")
        return (size - k) // stride + 1, 0, 0
    raise ValueError(f"padding={padding!r}; expected 'SAME' or 'VALID'")


def _use_winograd(k: tuple[int, int], stride: int, padding: str, c: int, c_out: int) -> bool:
    """Winograd for the DCGAN convs (4x4, stride 2, SAME) when both channel counts are
    wide enough for its nine products to run at matmul speed (not the first conv of
    an encoder on 1 or 3 channels, where the patches are small anyway)."""
    return (
        k == (4, 4)
        and stride == 2
        and padding == "SAME"
        and min(4 * c, c_out) >= WINOGRAD_MIN_CHANNELS
    )


def _use_col2im(c: int, c_out: int) -> bool:
    """col2im when the output is much narrower than the input (the decoders' last
    conv to 1 or 3 channels): its patches are ``in_pixels * k² * c_out``, im2col's
    ``out_pixels * k² * c``. Otherwise im2col, whose one product was faster here."""
    return 4 * c_out <= c


def _im2col_conv(xp, kernel, stride, oh, ow):
    """``y[o] = Σ_t xp[s o + t] W_t`` as ``patches [b, oh, ow, k² c] @ W [k² c, c_out]``."""
    kh, kw, c, c_out = kernel.shape
    s = stride
    taps = [
        xp[:, i : i + s * (oh - 1) + 1 : s, j : j + s * (ow - 1) + 1 : s]
        for i in range(kh)
        for j in range(kw)
    ]  # k² x [b, oh, ow, c], in the kernel's (i, j) order
    patches = jnp.concatenate(taps, axis=-1)  # [b, oh, ow, kh * kw * c]
    return jnp.dot(patches, kernel.reshape(kh * kw * c, c_out))  # [b, oh, ow, c_out]


def _col2im_conv(xp, kernel, stride, oh, ow):
    """``y[o] = Σ_t Z[s o + t, t]`` with ``Z = xp @ [W_t]_t: [b, hp, wp, k², c_out]``."""
    kh, kw, c, c_out = kernel.shape
    s = stride
    z = jnp.dot(xp, kernel.transpose(2, 0, 1, 3).reshape(c, kh * kw * c_out))
    z = z.reshape(*xp.shape[:3], kh, kw, c_out)
    y = 0
    for i in range(kh):
        for j in range(kw):
            y = y + z[:, i : i + s * (oh - 1) + 1 : s, j : j + s * (ow - 1) + 1 : s, i, j]
    return y  # [b, oh, ow, c_out]


# Winograd F(2, 2) for the 2-tap correlation y_i = d_i g_0 + d_{i+1} g_1, two outputs
# from three inputs with three products instead of four (Lavin & Gray 2016, the points
# 0, 1 and infinity): y = A^T [(G g) * (B^T d)]. Every entry is 0 or +-1, so it rounds
# no worse than the direct sum.
_WINOGRAD_BT = ((1, -1, 0), (0, 1, 0), (0, -1, 1))
_WINOGRAD_G = ((1, 0), (1, 1), (0, 1))
_WINOGRAD_AT = ((1, 1, 0), (0, 1, 1))


def _combine(parts, matrix, axis):
    """``stack_i Σ_j matrix[i][j] parts[j]`` along ``axis`` (±1 and 0 entries: adds)."""
    rows = []
    for coefficients in matrix:
        terms = [p if a == 1 else -p for a, p in zip(coefficients, parts, strict=True) if a]
        rows.append(sum(terms[1:], terms[0]))
    return jnp.stack(rows, axis=axis)


def _pairs(x, axis: int, tiles: int):
    """The three slices ``x[2t + j]``, ``j = 0, 1, 2``, ``t < tiles``, along ``axis``."""
    return [lax.slice_in_dim(x, j, j + 2 * tiles - 1, 2, axis) for j in range(3)]


def _winograd_conv2x2(xp, kernel2):
    """``xp: [b, 2n + 1, 2m + 1, c]``, ``kernel2: [2, 2, c, c_out]`` -> the VALID
    stride-1 correlation ``[b, 2n, 2m, c_out]`` by Winograd F(2x2, 2x2): per tile of
    2x2 outputs, ``Y = A^T [Σ_c (G g G^T) * (B^T D B)] A`` over the 3x3 input tile
    ``D``: nine ``[b n m, c] @ [c, c_out]`` products, where the direct sum has sixteen."""
    b, hp, wp, _ = xp.shape
    n, m = (hp - 1) // 2, (wp - 1) // 2
    v = _combine(_pairs(xp, 1, n), _WINOGRAD_BT, 0)  # [3, b, n, wp, c]
    v = _combine(_pairs(v, 3, m), _WINOGRAD_BT, 1)  # [3, 3, b, n, m, c]
    u = _combine([kernel2[0], kernel2[1]], _WINOGRAD_G, 0)  # [3, 2, c, c_out]
    u = _combine([u[:, 0], u[:, 1]], _WINOGRAD_G, 1)  # [3, 3, c, c_out]
    prod = jnp.einsum("xybnmc,xyco->xybnmo", v, u)  # [3, 3, b, n, m, c_out]
    y = _combine(list(prod), _WINOGRAD_AT, 0)  # [2, 3, b, n, m, c_out]
    y = _combine([y[:, j] for j in range(3)], _WINOGRAD_AT, 1)  # [2, 2, b, n, m, c_out]
    return y.transpose(2, 3, 0, 4, 1, 5).reshape(b, 2 * n, 2 * m, -1)


def _winograd_conv(xp, kernel, oh, ow):
    """The 4x4 stride-2 correlation of the padded ``xp: [b, 2 oh + 2, 2 ow + 2, c]`` as
    a 2x2 stride-1 one on `space_to_depth` (``xs[i, j, (p, q, c)] = xp[2i + p, 2j + q,
    c]``, ``k2[a, b, (p, q, c)] = kernel[2a + p, 2b + q, c]``), by `_winograd_conv2x2`
    on outputs padded to even sizes."""
    c, c_out = kernel.shape[2:]
    eh, ew = oh + oh % 2, ow + ow % 2
    xp = jnp.pad(xp, ((0, 0), (0, 2 * (eh - oh)), (0, 2 * (ew - ow)), (0, 0)))
    xs = space_to_depth(xp)  # [b, eh + 1, ew + 1, 4c]
    k2 = kernel.reshape(2, 2, 2, 2, c, c_out).transpose(0, 2, 1, 3, 4, 5)
    y = _winograd_conv2x2(xs, k2.reshape(2, 2, 4 * c, c_out))
    return y[:, :oh, :ow]


def _matmul_conv(x, kernel, stride: int, padding: str):
    b, h, w, c = x.shape
    kh, kw, _, c_out = kernel.shape
    (oh, ph0, ph1), (ow, pw0, pw1) = (
        _geometry(h, kh, stride, padding),
        _geometry(w, kw, stride, padding),
    )
    col2im = _use_col2im(c, c_out)
    winograd = not col2im and _use_winograd((kh, kw), stride, padding, c, c_out)
    if winograd:  # the transformed input: 3x3 per tile of 2x2 outputs, 4c channels
        per_example = 9 * ((oh + 1) // 2) * ((ow + 1) // 2) * 4 * c
    elif col2im:
        per_example = (h + ph0 + ph1) * (w + pw0 + pw1) * c_out * kh * kw
    else:
        per_example = oh * ow * c * kh * kw
    patch_bytes = per_example * jnp.dtype(x.dtype).itemsize

    @jax.checkpoint  # keep x, not the patches, between the forward and backward passes
    def conv(x, kernel):
        xp = jnp.pad(x, ((0, 0), (ph0, ph1), (pw0, pw1), (0, 0)))
        if winograd:
            return _winograd_conv(xp, kernel, oh, ow)
        return (_col2im_conv if col2im else _im2col_conv)(xp, kernel, stride, oh, ow)

    chunk = max(1, MAX_PATCH_BYTES // max(patch_bytes, 1))
    if b <= chunk:
        return conv(x, kernel)
    n = -(-b // chunk)
    chunk = -(-b // n)  # n near-equal chunks; the last is padded with zeros
    xs = jnp.pad(x, ((0, n * chunk - b), (0, 0), (0, 0), (0, 0)))
    ys = lax.map(lambda xc: conv(xc, kernel), xs.reshape(n, chunk, h, w, c))
    return ys.reshape(n * chunk, oh, ow, c_out)[:b]


def conv2d(
    x: jax.Array,
    kernel: jax.Array,
    stride: int = 1,
    padding: str = "SAME",
    *,
    impl: str = "auto",
) -> jax.Array:
    """``x: [b, h, w, c], kernel: [kh, kw, c, c_out] -> [b, oh, ow, c_out]``, the
    cross-correlation ``y[o] = Σ_t x_pad[stride·o + t] · kernel[t]`` of
    ``lax.conv_general_dilated(x, kernel, (stride, stride), padding)`` (and of
    ``nn.Conv`` without bias); ``oh = ceil(h / stride)`` for ``SAME``,
    ``(h - kh) // stride + 1`` for ``VALID``. ``impl``: see the module docstring.

    >>> x, kernel = jnp.ones((1, 7, 7, 2)), jnp.ones((4, 4, 2, 3))
    >>> conv2d(x, kernel, 2).shape, conv2d(x, kernel, 2, "VALID", impl="matmul").shape
    ((1, 4, 4, 3), (1, 2, 2, 3))
    >>> float(conv2d(x, kernel, 2, impl="matmul")[0, 1, 1, 0])  # interior: 4 * 4 * 2 ones
    32.0
    """
    if x.ndim != 4 or kernel.ndim != 4 or kernel.shape[2] != x.shape[3]:
        raise ValueError(f"x {x.shape} and kernel {kernel.shape}: expected NHWC and HWIO")
    if stride < 1:
        raise ValueError(f"stride={stride} must be positive")
    if resolve_conv_impl(impl) == "xla":
        _geometry(x.shape[1], kernel.shape[0], stride, padding)  # the same errors
        return lax.conv_general_dilated(
            x, kernel, (stride, stride), padding, dimension_numbers=_NHWC
        )
    return _matmul_conv(x, kernel, stride, padding)


def conv2d_transpose(x: jax.Array, kernel: jax.Array, *, impl: str = "auto") -> jax.Array:
    """``x: [b, h, w, c], kernel: [kh, kw, c, c_out] -> [b, 2h, 2w, c_out]``:
    ``lax.conv_transpose(x, kernel, (2, 2), "SAME")`` (as ``nn.ConvTranspose`` with
    strides 2, SAME padding and no bias). ``impl``: see the module docstring.

    The matmul form: the transposed conv is, by definition, the linear transpose
    (input gradient) of the stride-2 SAME conv ``z: [b, 2h, 2w, c_out] -> [b, h, w, c]``
    with the spatially flipped, channel-swapped kernel ``w'[t] = w[k - 1 - t]ᵀ``
    (``lax.conv_transpose`` pads the dilated input by ``ceil(k/2)`` before, the
    conv by ``k - 1 - ceil(k/2)``; ``k - 1`` and ``0`` for ``k < 3``). So the forward
    pass is one product ``x @ w'ᵀ`` scattered back by col2im, and its input gradient is
    that strided conv itself (im2col of the cotangent, one product): no per-parity
    split, no `depth_to_space`, and the same bounded, chunked patches.

    >>> y = conv2d_transpose(jnp.ones((1, 3, 5, 2)), jnp.ones((4, 4, 2, 3)), impl="matmul")
    >>> y.shape
    (1, 6, 10, 3)
    >>> float(y[0, 2, 4, 0])  # interior: 2 x 2 taps x 2 channels of ones
    8.0
    """
    if x.ndim != 4 or kernel.ndim != 4 or kernel.shape[2] != x.shape[3]:
        raise ValueError(f"x {x.shape} and kernel {kernel.shape}: expected NHWC and HWIO")
    if resolve_conv_impl(impl) == "xla":
        return lax.conv_transpose(x, kernel, (2, 2), "SAME", dimension_numbers=_NHWC)
    b, h, w, _ = x.shape
    kh, kw, _, c_out = kernel.shape
    # The conv whose input-gradient this is: z [b, 2h, 2w, c_out] -> [b, h, w, c].
    adjoint = jnp.flip(kernel, (0, 1)).swapaxes(2, 3)  # [kh, kw, c_out, c]
    z = jax.ShapeDtypeStruct((b, 2 * h, 2 * w, c_out), x.dtype)
    (y,) = jax.linear_transpose(lambda z: _matmul_conv(z, adjoint, 2, "SAME"), z)(x)
    return y
